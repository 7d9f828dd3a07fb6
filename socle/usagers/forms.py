from django import forms
from django.conf import settings

from . import rniv
from .models import Sexe, TypeJustificatif
from .naissance import ChampDateNaissance
from .pays import choix_pays


def _largeur(form: forms.Form) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("style", "max-width:100%")


AIDE_FMT = "Majuscules sans accents appliquées automatiquement (R-FMT-01) ; traits d'union et apostrophes conservés."


class TraitsForm(forms.Form):
    nom_naissance = forms.CharField(label="Nom de naissance", max_length=100, help_text=AIDE_FMT)
    prenoms_naissance = forms.CharField(label="Prénoms de naissance (tous, dans l'ordre de l'acte)", max_length=200,
                                        help_text="Séparés par un espace ; « JEAN-PIERRE MARIE » = 2 prénoms.")
    premier_prenom = forms.CharField(label="Premier prénom de naissance", max_length=100, required=False,
                                     help_text="Vide = le premier de la liste (R-FMT-04).")
    date_naissance = ChampDateNaissance(label="Date de naissance")  # JJ/MM/AAAA, 00 allowed [R-DN-02]
    sexe = forms.ChoiceField(label="Sexe", choices=Sexe.choices)
    lieu_naissance = forms.CharField(label="Lieu de naissance (code INSEE)", max_length=5, min_length=5,
                                     help_text="Code de la commune à la date de naissance, ou 99 + code pays ; "
                                               "99999 si inconnu.")
    nom_utilise = forms.CharField(label="Nom utilisé", max_length=100, required=False)
    prenom_utilise = forms.CharField(label="Prénom utilisé", max_length=100, required=False)

    def __init__(self, *args, statut: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _largeur(self)
        if statut:
            modifiables = rniv.champs_modifiables(statut)
            for name, field in self.fields.items():
                if name not in modifiables:
                    field.disabled = True
                    field.help_text = "Trait retourné par INSi : non modifiable à la main (R-ED-02)."

    def clean_lieu_naissance(self):
        code = self.cleaned_data["lieu_naissance"].strip().upper()
        err = rniv.lieu_naissance_erreur(code)
        if err:
            raise forms.ValidationError(err)
        return code


class CreationForm(TraitsForm):
    etablissement = forms.ModelChoiceField(label="ESMS qui accompagne la personne", queryset=None,
                                           empty_label="— choisir un ESMS —")
    date_admission = forms.DateField(label="Date d'admission", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    admission_directe_ehpad = forms.BooleanField(
        label="Admission directe en EHPAD (la personne arrive de son domicile, sans passer par un autre établissement)",
        required=False, help_text="Ouvre l'exception livret de famille / extrait + carte Vitale avec photo (R-DOC-03).")

    def __init__(self, *args, etablissements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = etablissements
        if "debit" in self.fields:
            self.fields["debit"].initial = getattr(settings, "SOCLE_INSI_RATE", 5.0)


class ControleForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _largeur(self)

    type_justificatif = forms.ChoiceField(
        label="Justificatif présenté", required=False,
        choices=[("", "— aucun justificatif vérifié aujourd'hui —"), *TypeJustificatif.choices])
    pays_cni = forms.ChoiceField(  # chosen, never defaulted [R-DOC-01]
        label="Pays qui a délivré le document", required=False,
        choices=lambda: [("", "— choisir le pays écrit sur le document —"), *choix_pays()])
    derogation = forms.ChoiceField(
        label="Situation dérogatoire (livret/extrait + carte Vitale avec photo)", required=False,
        choices=[("", "— aucune —"), ("ase", "Mineur confié à l'ASE sans pièce officielle"),
                 ("majeur", "Majeur ne pouvant obtenir de pièce officielle")])
    controle_fait = forms.BooleanField(
        label="J'ai vérifié le document original : les traits saisis sont identiques à ceux du document",
        required=False)

    def clean(self):
        data = super().clean()
        if data.get("controle_fait") and not data.get("type_justificatif"):
            raise forms.ValidationError("Indiquez le type de justificatif vérifié (R-DOC-04).")
        if data.get("controle_fait") and not data.get("pays_cni"):
            self.add_error("pays_cni", "Choisissez le pays qui a délivré le document : il n'est jamais supposé "
                                       "(règle R-DOC-01).")
        return data


class AttributsForm(forms.Form):
    douteuse = forms.BooleanField(label="Identité douteuse", required=False)
    fictive = forms.BooleanField(label="Identité fictive", required=False)
    homonyme = forms.BooleanField(label="Identité homonyme", required=False)
    motif = forms.CharField(label="Motif", max_length=500, required=False)


class RejetForm(forms.Form):
    motif = forms.CharField(label="Motif du rejet", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LotForm(forms.Form):
    etablissement = forms.ModelChoiceField(label="ESMS", queryset=None, empty_label="— choisir un ESMS —")
    limite = forms.IntegerField(label="Nombre maximum de personnes", required=False, min_value=1)
    debit = forms.FloatField(label="Débit (appels par seconde)", initial=5.0, min_value=0.1, max_value=50,
                             localize=True)  # shown and typed the French way (5,5)
    rappeler = forms.BooleanField(
        label="Interroger à nouveau les identités déjà traitées (récupérées ou en anomalie)", required=False,
        help_text="sinon, seules les identités jamais interrogées avec succès sont appelées")

    def __init__(self, *args, etablissements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = etablissements
        if "debit" in self.fields:
            self.fields["debit"].initial = getattr(settings, "SOCLE_INSI_RATE", 5.0)
