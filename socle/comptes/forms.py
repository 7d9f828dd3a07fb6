from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.organisations.models import Etablissement

from .models import Fonction


class HabilitationForm(forms.Form):
    fonction = forms.ChoiceField(label=_("Fonction"), choices=Fonction.choices)
    etablissement = forms.ModelChoiceField(
        label=_("Périmètre"), queryset=Etablissement.objects.none(), required=False,
        empty_label=_("Tout l'organisme"),
        help_text=_("Laisser « Tout l'organisme » pour une fonction sur tous les ESMS."))

    def __init__(self, *args, organisme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisme is not None:
            self.fields["etablissement"].queryset = organisme.etablissements.order_by("nom")


class CompteForm(HabilitationForm):
    username = forms.SlugField(label=_("Identifiant"), max_length=150)
    prenom = forms.CharField(label=_("Prénom"), max_length=150)
    nom = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Courriel professionnel"))

    field_order = ["prenom", "nom", "email", "username", "fonction", "etablissement"]


class ConnexionForm(AuthenticationForm):
    """The sign-in form: after the password, `services.refus_connexion` says whether the account may come in
    (deactivated, or no function today), with its reason in clear, and the refusal goes to the access log."""

    def confirm_login_allowed(self, user) -> None:
        from .services import refus_connexion

        motif = refus_connexion(user)
        if motif:
            tracer(Action.ECHEC_CONNEXION, objet=user, utilisateur=user, identifiant=user.username,
                   request=self.request, details={"motif": motif})
            raise forms.ValidationError(motif, code="inactive")
