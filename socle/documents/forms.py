"""Forms of the documents screens: the DLU, the PDF upload, the usager's choices, masking."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .cda.dlu import AUTONOMIE, CHAMPS, documents_annexes, observations_etat
from .models import ChoixUsager, Confidentialite, Masquage
from .types import types_pdf

OUI_NON = [("", "Non renseigné"), ("oui", "Oui"), ("non", "Non")]


class DluForm(forms.Form):
    """What the DLU model asks; free-text lists are one item per line."""

    date_acte = forms.DateField(
        label="Date du DLU", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    medecin_nom = forms.CharField(label=CHAMPS["medecin_nom"], max_length=150)
    medecin_telephone = forms.CharField(label=CHAMPS["medecin_telephone"], max_length=20, required=False)
    medecin_rpps = forms.RegexField(
        label=CHAMPS["medecin_rpps"],
        regex=r"^\d{11}$",
        required=False,
        error_messages={"invalid": "Le RPPS compte 11 chiffres."},
    )
    personne_confiance = forms.CharField(label=CHAMPS["personne_confiance"], max_length=300, required=False)
    contacts = forms.CharField(
        label=CHAMPS["contacts"], max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    directives_anticipees = forms.ChoiceField(
        label=CHAMPS["directives_anticipees"], choices=OUI_NON, required=False
    )
    directives_lieu = forms.CharField(label=CHAMPS["directives_lieu"], max_length=300, required=False)
    soins_palliatifs = forms.ChoiceField(label=CHAMPS["soins_palliatifs"], choices=OUI_NON, required=False)
    antecedents = forms.CharField(
        label=CHAMPS["antecedents"], max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    allergies = forms.CharField(
        label=CHAMPS["allergies"], max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    traitements = forms.CharField(
        label=CHAMPS["traitements"], max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    autonomie_deplacement = forms.ChoiceField(
        label=CHAMPS["autonomie_deplacement"],
        choices=[("", "Non renseigné"), *AUTONOMIE.items()],
        required=False,
    )
    etat = forms.MultipleChoiceField(
        label="État du patient (cochez ce qui est observé)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    poids = forms.DecimalField(
        label=CHAMPS["poids"], min_value=1, max_value=400, decimal_places=1, required=False
    )
    tension_systolique = forms.IntegerField(
        label=CHAMPS["tension_systolique"], min_value=30, max_value=300, required=False
    )
    tension_diastolique = forms.IntegerField(
        label=CHAMPS["tension_diastolique"], min_value=10, max_value=200, required=False
    )
    temperature = forms.DecimalField(
        label=CHAMPS["temperature"], min_value=30, max_value=45, decimal_places=1, required=False
    )
    date_constantes = forms.DateField(
        label=CHAMPS["date_constantes"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    bmr = forms.ChoiceField(label=CHAMPS["bmr"], choices=OUI_NON, required=False)
    etablissement_prefere = forms.CharField(label=CHAMPS["etablissement_prefere"], max_length=200)
    documents_annexes = forms.MultipleChoiceField(
        label="Documents annexés au DLU", required=False, widget=forms.CheckboxSelectMultiple
    )
    commentaire = forms.CharField(
        label=CHAMPS["commentaire"], max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etat"].choices = list(observations_etat().items())
        self.fields["documents_annexes"].choices = list(documents_annexes().items())
        if not self.is_bound and "date_acte" not in self.initial:
            self.initial["date_acte"] = timezone.localdate()

    def contenu(self) -> dict:
        """The JSON kept on the document (dates ISO, numbers as text)."""
        out = {}
        for k, v in self.cleaned_data.items():
            if k == "date_acte":
                continue
            if v is None or v == "":
                out[k] = [] if k in ("etat", "documents_annexes") else ""
            elif hasattr(v, "isoformat"):
                out[k] = v.isoformat()
            elif isinstance(v, list):
                out[k] = v
            else:
                out[k] = str(v)
        return out


class DepotForm(forms.Form):
    type_code = forms.ChoiceField(label="Type de document")
    titre = forms.CharField(label="Titre", max_length=250)
    date_acte = forms.DateField(
        label="Date du document", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    confidentialite = forms.ChoiceField(
        label="Confidentialité", choices=Confidentialite.choices, initial=Confidentialite.N
    )
    fichier = forms.FileField(label="Fichier PDF")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_code"].choices = [(t.code, t.libelle) for t in types_pdf()]
        if not self.is_bound:
            self.initial.setdefault("date_acte", timezone.localdate())


class ChoixForm(forms.Form):
    objet = forms.ChoiceField(label="Choix de l'usager", choices=ChoixUsager.Objet.choices)
    exprime_par = forms.CharField(label="Exprimé par (l'usager ou son représentant légal)", max_length=150)
    commentaire = forms.CharField(label="Commentaire", max_length=300, required=False)


class MasquageForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label="Masquage dans le DMP",
        choices=Masquage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MotifForm(forms.Form):
    motif = forms.CharField(label="Motif", max_length=500)


class RemplacementPdfForm(forms.Form):
    fichier = forms.FileField(label="PDF de la nouvelle version")


class MatriceForm(forms.Form):
    fichier = forms.FileField(label="Fichier de la matrice (CSV ; type_code;role;genre_activite;lecture)")
    libelle = forms.CharField(label="Libellé de la version", max_length=200)
    officielle = forms.BooleanField(label="Matrice officielle de la CNAM (vérifiée)", required=False)
