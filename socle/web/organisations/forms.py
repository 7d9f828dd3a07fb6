import re
import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _

from socle.core.fichiers import FichierRefuse, reglage, taille_lisible
from socle.organisations.finess_import import limites_decompression

EXTENSIONS = (".json", ".csv", ".gz", ".zip", ".txt")


def _liste(valeur: str) -> list[str]:
    return [v for v in re.split(r"[\s,;]+", valeur or "") if v]


class ImportFinessForm(forms.Form):
    fichier = forms.FileField(label=_("Fichier FINESS"),
                              help_text=_("flux JSON « structures » ou CSV etalab, éventuellement compressé (.gz, .zip)"))
    departements = forms.CharField(label=_("Départements"), required=False,
                                   help_text=_("facultatif, séparés par des espaces : 01 2A 974"))
    categories = forms.CharField(label=_("Catégories"), required=False,
                                 help_text=_("facultatif, codes séparés par des espaces : 500 182"))
    dry_run = forms.BooleanField(label=_("Simulation (ne rien enregistrer)"), required=False)
    ignorer_rejets = forms.BooleanField(label=_("Importer les enregistrements valides malgré les rejets"),
                                        required=False)
    confirmer_rattachements = forms.BooleanField(
        label=_("Confirmer les changements de rattachement (un ESMS passe à l'organisme que le fichier indique)"),
        required=False, help_text=_("réservé à l'administrateur de l'installation ; chaque changement est journalisé"))

    def __init__(self, *args, administrateur: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not administrateur:
            del self.fields["confirmer_rattachements"]

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        if not f.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Extension non reconnue : déposez un fichier .json, .csv, .gz ou .zip."))
        max_fichier = reglage("SOCLE_FINESS_MAX_FICHIER")
        if f.size > max_fichier:
            raise forms.ValidationError(_("Fichier refusé : il dépasse %(taille)s (limite SOCLE_FINESS_MAX_FICHIER)."),
                                        params={"taille": taille_lisible(max_fichier)})
        if zipfile.is_zipfile(f):  # declared sizes checked now; a gzip is checked while it is read
            try:
                with zipfile.ZipFile(f) as zf:
                    limites_decompression().verifier_zip(zf)
            except zipfile.BadZipFile as exc:
                raise forms.ValidationError(_("Fichier refusé : archive zip illisible (%(e)s)."), params={"e": exc}) from exc
            except FichierRefuse as exc:
                raise forms.ValidationError(_("Fichier refusé : %(e)s."), params={"e": exc}) from exc
        f.seek(0)
        return f

    def clean_departements(self) -> list[str]:
        deps = [d.upper().zfill(2) for d in _liste(self.cleaned_data["departements"])]
        bad = [d for d in deps if not re.fullmatch(r"\d{2,3}|2A|2B", d)]
        if bad:
            raise forms.ValidationError(_("Département(s) non reconnu(s) : %(d)s"), params={"d": ", ".join(bad)})
        return deps

    def clean_categories(self) -> list[str]:
        cats = _liste(self.cleaned_data["categories"])
        bad = [c for c in cats if not re.fullmatch(r"\d{3}", c)]
        if bad:
            raise forms.ValidationError(_("Code(s) de catégorie non reconnu(s) (3 chiffres) : %(c)s"),
                                        params={"c": ", ".join(bad)})
        return cats
