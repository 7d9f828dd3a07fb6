from django import forms

from socle.organisations.models import Etablissement

from .models import Fonction


class HabilitationForm(forms.Form):
    fonction = forms.ChoiceField(label="Fonction", choices=Fonction.choices)
    etablissement = forms.ModelChoiceField(
        label="Périmètre", queryset=Etablissement.objects.none(), required=False,
        empty_label="Tout l'organisme", help_text="Laisser « Tout l'organisme » pour une fonction sur tous les ESMS.")

    def __init__(self, *args, organisme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisme is not None:
            self.fields["etablissement"].queryset = organisme.etablissements.order_by("nom")


class CompteForm(HabilitationForm):
    username = forms.SlugField(label="Identifiant", max_length=150)
    prenom = forms.CharField(label="Prénom", max_length=150)
    nom = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Courriel professionnel")

    field_order = ["prenom", "nom", "email", "username", "fonction", "etablissement"]
