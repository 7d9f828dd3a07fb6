from django import forms
from django.forms import modelformset_factory

from socle.core.dates import DateFrField, DateTexteInput
from socle.core.identifiants import rpps_error

from . import rules
from .importer import COLONNES_GABARIT, LIBELLES_CHAMPS, FichierIllisible, lire_entetes, verifier_taille
from .models import MetierRole, OrganisationRpps, Professionnel, RegleEnregistrement, SituationExercice
from .nomenclatures import GENRES


class ProfessionnelForm(forms.ModelForm):
    prenoms_texte = forms.CharField(label="Prénoms de naissance (dans l'ordre, séparés par des virgules)",
                                    max_length=300)

    class Meta:
        model = Professionnel
        fields = ["civilite", "nom_naissance", "nom_usage", "prenom_usuel", "sexe", "date_naissance",
                  "commune_naissance", "pays_naissance", "email", "mobile", "identite_document",
                  "identite_verifiee_par", "identite_verifiee_le", "rpps", "rpps_enregistre_le", "ecps_activee_le",
                  "carte_type", "carte_numero", "carte_fin_validite", "mssante", "consulte_dmp", "acces_dui"]
        widgets = {"date_naissance": DateTexteInput(),
                   "identite_verifiee_le": DateTexteInput(),
                   "ecps_activee_le": DateTexteInput(),
                   "carte_fin_validite": DateTexteInput(),
                   "acces_dui": forms.NullBooleanSelect()}
        field_classes = dict.fromkeys(["date_naissance", "identite_verifiee_le", "ecps_activee_le",
                                       "carte_fin_validite"], DateFrField)

    field_order = ["civilite", "nom_naissance", "nom_usage", "prenoms_texte"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["prenoms_texte"].initial = ", ".join(self.instance.prenoms)

    def clean_prenoms_texte(self):
        prenoms = [p.strip() for p in self.cleaned_data["prenoms_texte"].split(",") if p.strip()]
        if not prenoms:
            raise forms.ValidationError("Au moins un prénom de naissance.")
        return prenoms

    def clean_mobile(self):
        v = self.cleaned_data.get("mobile", "")
        if v:
            err = rules.mobile_error(v)
            if err:
                raise forms.ValidationError(err)
            return rules.normaliser_mobile(v)
        return v

    def clean_email(self):
        v = self.cleaned_data.get("email", "")
        if v and (err := rules.email_error(v)):
            raise forms.ValidationError(err)
        return v

    def clean_rpps(self):
        v = (self.cleaned_data.get("rpps") or "").strip()
        if v and (err := rpps_error(v)):
            raise forms.ValidationError(err)
        return v

    def clean_date_naissance(self):
        d = self.cleaned_data.get("date_naissance")
        if (err := rules.date_naissance_error(d)):
            raise forms.ValidationError(err)
        return d

    def clean(self):
        data = super().clean()
        commune, pays = data.get("commune_naissance", ""), data.get("pays_naissance", "")
        if (commune or pays) and (err := rules.lieu_naissance_error(commune, pays)):
            self.add_error("commune_naissance", err)
        return data

    def save(self, commit=True):
        self.instance.prenoms = self.cleaned_data["prenoms_texte"]
        return super().save(commit)


class SituationForm(forms.ModelForm):
    class Meta:
        model = SituationExercice
        fields = ["metier", "role", "genre_activite", "motif_forcage", "mode_exercice", "categorie_professionnelle",
                  "nom_exercice", "prenom_exercice", "date_prise_fonction", "date_fin"]
        widgets = {"date_prise_fonction": DateTexteInput(),
                   "date_fin": DateTexteInput()}
        field_classes = {"date_prise_fonction": DateFrField, "date_fin": DateFrField}

    def clean(self):
        data = super().clean()
        s = self.instance
        differe = (s.role_propose and data.get("role") != s.role_propose) or (
            s.genre_propose and data.get("genre_activite") != s.genre_propose)
        if differe and not (data.get("motif_forcage") or "").strip():
            self.add_error("motif_forcage", "Le rôle ou le genre diffère de la proposition de la table métier : "
                                            "indiquez le motif.")
        if not differe:
            data["motif_forcage"] = ""
        return data


class RegleForm(forms.ModelForm):
    genres_acces_dui = forms.MultipleChoiceField(
        label="Genres d'activité qui accèdent aux données de santé du DUI", choices=sorted(GENRES.items()),
        widget=forms.CheckboxSelectMultiple, required=False)
    professions_texte = forms.CharField(
        label="Métiers déjà enregistrés au RPPS (un mot-clé par ligne)", widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="Professions de santé (TRE_G15), psychologues, assistants de service social : jamais primo-enregistrés.")

    class Meta:
        model = RegleEnregistrement
        fields = ["critere_dui", "genres_acces_dui", "critere_mssante", "critere_dmp"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professions_texte"].initial = "\n".join(self.instance.professions_deja_rpps)

    def save(self, commit=True):
        self.instance.professions_deja_rpps = [
            ln.strip() for ln in self.cleaned_data["professions_texte"].splitlines() if ln.strip()]
        return super().save(commit)


class MetierRoleForm(forms.ModelForm):
    class Meta:
        model = MetierRole
        fields = ["metier", "role", "genre_activite", "concerne"]

    def clean(self):
        data = super().clean()
        if data.get("concerne") and data.get("metier") and not data.get("DELETE"):
            manque = [label for champ, label in (("role", "le rôle (TRE_R85)"), ("genre_activite", "le genre d'activité"))
                      if not data.get(champ)]
            if manque:
                raise forms.ValidationError(
                    "Métier « %(m)s » : un métier concerné par l'enregistrement RPPS+ doit indiquer %(x)s "
                    "(le portail les demande pour chaque professionnel à rôle).",
                    params={"m": data["metier"], "x": " et ".join(manque)})
        return data


MetierFormSet = modelformset_factory(MetierRole, form=MetierRoleForm, extra=3, can_delete=True)


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = OrganisationRpps
        fields = ["mode"]


class UploadForm(forms.Form):
    """An HR file (CSV or XLSX): read at once, so that a file beyond a limit or unreadable is a form error
    (and is stored nowhere). `cleaned_data`: `contenu` (bytes) and `entetes` (the header)."""

    fichier = forms.FileField(label="Fichier RH (CSV ou XLSX)")

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        try:
            verifier_taille(f.size)
            contenu = f.read()
            self.cleaned_data["entetes"] = lire_entetes(contenu, f.name)
        except FichierIllisible as exc:
            raise forms.ValidationError("Fichier refusé : %(e)s.", params={"e": exc}) from exc
        self.cleaned_data["contenu"] = contenu
        return f


class RetourPortailForm(forms.Form):
    """The portal's return (CSV or XLSX): size checked before reading; `cleaned_data["contenu"]`: bytes."""

    fichier = forms.FileField(label="Fichier")

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        try:
            verifier_taille(f.size)
        except FichierIllisible as exc:
            raise forms.ValidationError("Fichier refusé : %(e)s.", params={"e": exc}) from exc
        self.cleaned_data["contenu"] = f.read()
        return f


class FichierForm(forms.Form):
    fichier = forms.FileField(label="Fichier")


def mapping_form_class(entetes: list[str]):
    """A form with one select per Socle field, choices = the file's columns."""
    choix = [("", "— aucune —")] + [(h, h) for h in entetes if h]
    attrs = {c: forms.ChoiceField(label=LIBELLES_CHAMPS[c], choices=choix, required=False) for c in COLONNES_GABARIT}
    attrs["nom"] = forms.CharField(label="Nom de cette correspondance (mémorisée pour l'organisme)", max_length=100)
    attrs["format_date"] = forms.ChoiceField(label="Format des dates", choices=[
        ("%d/%m/%Y", "jj/mm/aaaa"), ("%Y-%m-%d", "aaaa-mm-jj"), ("%d-%m-%Y", "jj-mm-aaaa"), ("%d.%m.%Y", "jj.mm.aaaa")])
    return type("MappingForm", (forms.Form,), attrs)


class NouveauProfessionnelForm(ProfessionnelForm):
    """A person hired between two HR imports, entered by hand in one ESMS."""

    metier = forms.CharField(label="Métier (intitulé RH)", max_length=150)
    date_prise_fonction = DateFrField(label="Date de prise de fonction")
