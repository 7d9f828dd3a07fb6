"""RPPS+ mass-registration export: one CSV per FINESS géographique, at most 200 professionals per file,
only professionals "à enregistrer" without an RPPS number and without error.

The portal's template is not public (it is handed out inside the portal), so the layout is data: a versioned,
declarative structure (columns in order, each a Socle field given as code or label; separator; encoding; date
format). Socle ships a default, clearly labelled as such; a gestionnaire replaces it by uploading the real
template's header line or a small mapping file (`entete;champ[;valeur]`).
"""

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.db.models import Max, Prefetch
from rapidfuzz import fuzz, process

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.tableur import ecrire_ligne_csv, neutraliser
from socle.organisations.models import Etablissement, OrganismeGestionnaire

from . import rules
from .importer import deviner_separateur
from .models import Civilite, GabaritExport, Professionnel, SituationExercice
from .nomenclatures import CATEGORIES_PRO, GENRES, MODES_EXERCICE, PROFESSIONS, ROLES, normaliser_metier

TAILLE_LOT = 200
NOM_DEFAUT = "Gabarit par défaut Socle — le gabarit officiel est fourni dans le portail RPPS+"

# Socle fields an export column may carry: key -> (label, getter(pro, situation), code -> label table or None)
CHAMPS: dict[str, tuple[str, object, dict | None]] = {
    "civilite": ("Civilité", lambda p, s: p.civilite, {c.value: c.label for c in Civilite}),
    "nom_naissance": ("Nom de naissance", lambda p, s: p.nom_naissance, None),
    "nom_usage": ("Nom d'usage", lambda p, s: p.nom_usage, None),
    "prenoms": ("Prénoms de naissance", lambda p, s: ",".join(p.prenoms), None),
    "premier_prenom": ("Premier prénom", lambda p, s: p.premier_prenom, None),
    "prenom_usuel": ("Prénom usuel", lambda p, s: p.prenom_usuel or p.premier_prenom, None),
    "sexe": ("Sexe", lambda p, s: p.sexe, {"M": "Masculin", "F": "Féminin"}),
    "date_naissance": ("Date de naissance", lambda p, s: p.date_naissance, None),
    "commune_naissance": ("Commune de naissance (code INSEE)", lambda p, s: p.commune_naissance, None),
    "pays_naissance": ("Pays de naissance (code INSEE)", lambda p, s: p.pays_naissance or "99100", None),
    "email": ("Adresse e-mail", lambda p, s: p.email, None),
    "mobile": ("Téléphone mobile", lambda p, s: p.mobile, None),
    "finess_et": ("FINESS géographique", lambda p, s: s.etablissement.finess, None),
    "finess_ej": ("FINESS juridique", lambda p, s: p.organisme.finess, None),
    "profession": ("Profession", lambda p, s: s.profession, PROFESSIONS),
    "role": ("Rôle", lambda p, s: s.role, ROLES),
    "genre_activite": ("Genre d'activité", lambda p, s: s.genre_activite, GENRES),
    "mode_exercice": ("Mode d'exercice", lambda p, s: s.mode_exercice, MODES_EXERCICE),
    "categorie_professionnelle": ("Catégorie professionnelle", lambda p, s: s.categorie_professionnelle,
                                  CATEGORIES_PRO),
    "nom_exercice": ("Nom d'exercice", lambda p, s: s.nom_exercice or p.nom_usage or p.nom_naissance, None),
    "prenom_exercice": ("Prénom d'exercice", lambda p, s: s.prenom_exercice or p.prenom_affiche, None),
    "date_prise_fonction": ("Date de début d'activité", lambda p, s: s.date_prise_fonction, None),
    "metier": ("Métier (intitulé RH)", lambda p, s: s.metier, None),
    "vide": ("(colonne laissée vide)", lambda p, s: "", None),
}

STRUCTURE_DEFAUT = {
    "nom": NOM_DEFAUT,
    "separateur": ";",
    "encodage": "utf-8-sig",
    "format_date": "%d/%m/%Y",
    "colonnes": [{"entete": CHAMPS[c][0], "champ": c, "valeur": "code"} for c in [
        "civilite", "nom_naissance", "nom_usage", "prenoms", "prenom_usuel", "sexe", "date_naissance",
        "commune_naissance", "pays_naissance", "email", "mobile", "finess_et", "profession", "role",
        "genre_activite", "mode_exercice", "categorie_professionnelle", "nom_exercice", "prenom_exercice",
        "date_prise_fonction"]],
}
ENCODAGES = {"utf-8-sig": "UTF-8 avec BOM", "utf-8": "UTF-8 sans BOM", "cp1252": "Windows-1252 (ANSI)"}
FORMATS_DATE = {"%d/%m/%Y": "jj/mm/aaaa", "%Y-%m-%d": "aaaa-mm-jj", "%d%m%Y": "jjmmaaaa", "%d-%m-%Y": "jj-mm-aaaa"}
SEPARATEURS = {";": "point-virgule", ",": "virgule", "|": "barre verticale", "\t": "tabulation"}


class GabaritInvalide(ValueError):
    pass


def valider_structure(structure: dict) -> dict:
    """Check a layout; raise GabaritInvalide with a French message naming what is wrong."""
    if structure.get("separateur") not in (";", ",", "\t", "|"):
        raise GabaritInvalide("séparateur : « ; », « , », tabulation ou « | » attendu")
    if structure.get("encodage") not in ENCODAGES:
        raise GabaritInvalide("encodage : " + ", ".join(ENCODAGES) + " attendu")
    try:
        date(2001, 2, 3).strftime(structure.get("format_date", ""))
    except (TypeError, ValueError) as exc:
        raise GabaritInvalide("format de date invalide") from exc
    colonnes = structure.get("colonnes") or []
    if not colonnes:
        raise GabaritInvalide("aucune colonne")
    for i, col in enumerate(colonnes, start=1):
        if col.get("champ") not in CHAMPS:
            raise GabaritInvalide(f"colonne {i} « {col.get('entete', '')} » : champ « {col.get('champ')} » inconnu")
        if col.get("valeur", "code") not in ("code", "libelle"):
            raise GabaritInvalide(f"colonne {i} : valeur « code » ou « libelle » attendue")
    return structure


def gabarit_actif(organisme: OrganismeGestionnaire | None) -> GabaritExport:
    """The OG's active layout, else the installation's, else the built-in default (saved as version 1)."""
    for og in ([organisme] if organisme else []) + [None]:
        g = GabaritExport.objects.filter(organisme=og, actif=True).order_by("-version").first()
        if g is not None:
            return g
    g, _ = GabaritExport.objects.get_or_create(organisme=None, version=1, nom=NOM_DEFAUT,
                                               defaults={"structure": STRUCTURE_DEFAUT, "actif": True})
    return g


@transaction.atomic
def enregistrer_gabarit(organisme: OrganismeGestionnaire, structure: dict, nom: str, utilisateur=None) -> GabaritExport:
    """Store a new version of the OG's layout and make it the active one (older versions are kept)."""
    valider_structure(structure)
    structure = {**structure, "nom": nom}
    derniere = GabaritExport.objects.filter(organisme=organisme).aggregate(v=Max("version"))["v"] or 0
    GabaritExport.objects.filter(organisme=organisme, actif=True).update(actif=False)
    return GabaritExport.objects.create(organisme=organisme, nom=nom, version=derniere + 1, structure=structure,
                                        actif=True, cree_par=utilisateur)


# Other usual wordings of the columns of a registration template.
SYNONYMES = {
    "mobile": ["telephone portable", "numero de telephone portable", "portable", "telephone mobile", "mobile"],
    "email": ["adresse mail", "adresse e-mail", "courriel", "mail", "adresse electronique"],
    "prenoms": ["prenom(s)", "prenoms", "prenom", "prenoms d'etat civil"],
    "nom_naissance": ["nom", "nom de famille", "nom patronymique"],
    "commune_naissance": ["lieu de naissance", "code commune de naissance", "code insee commune de naissance"],
    "pays_naissance": ["code pays de naissance", "pays de naissance"],
    "finess_et": ["finess", "finess etablissement", "numero finess", "finess de la structure"],
    "date_prise_fonction": ["date de debut", "date de prise de fonction", "date d'entree"],
    "role": ["role", "code role"],
    "genre_activite": ["genre d'activite", "code genre d'activite"],
}


def _deviner_champ(entete: str) -> tuple[str, float]:
    choix = {normaliser_metier(lbl): key for key, (lbl, _, _) in CHAMPS.items() if key != "vide"}
    choix.update({normaliser_metier(key.replace("_", " ")): key for key in CHAMPS if key != "vide"})
    choix.update({normaliser_metier(syn): key for key, syns in SYNONYMES.items() for syn in syns})
    exact = choix.get(normaliser_metier(entete))
    if exact:
        return exact, 100
    res = process.extractOne(normaliser_metier(entete), list(choix), scorer=fuzz.ratio)
    if res is None:
        return "vide", 0
    return choix[res[0]], res[1]


def structure_depuis_fichier(contenu: bytes, base: dict | None = None) -> tuple[dict, list[str]]:
    """Build a layout from an uploaded file: either the real template (its header line: separator detected,
    each header matched to a Socle field) or a mapping file with the header `entete;champ[;valeur]`.
    Returns the structure and warnings (headers left empty)."""
    base = base or STRUCTURE_DEFAUT
    encodage = "utf-8-sig" if contenu.startswith(b"\xef\xbb\xbf") else base["encodage"]
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        texte = contenu.decode("cp1252")
        encodage = "cp1252"
    lignes = [ln for ln in texte.splitlines() if ln.strip()]
    if not lignes:
        raise GabaritInvalide("fichier vide")
    sep = deviner_separateur(lignes[0])
    entetes = next(csv.reader([lignes[0]], delimiter=sep))
    avert: list[str] = []
    if [h.strip().lower() for h in entetes[:2]] == ["entete", "champ"]:
        colonnes = []
        for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(lignes)), delimiter=sep), start=2):
            champ = (row.get("champ") or "").strip()
            if champ not in CHAMPS:
                raise GabaritInvalide(f"ligne {n} : champ « {champ} » inconnu (champs possibles : "
                                      + ", ".join(CHAMPS) + ")")
            colonnes.append({"entete": row["entete"].strip(), "champ": champ,
                             "valeur": (row.get("valeur") or "code").strip() or "code"})
        structure = {**base, "colonnes": colonnes}
    else:
        colonnes = []
        for h in entetes:
            champ, score = _deviner_champ(h)
            if score < 80:
                avert.append(f"colonne « {h} » : aucun champ Socle reconnu, elle sera laissée vide "
                             "(précisez-la avec un fichier de correspondance)")
                champ = "vide"
            colonnes.append({"entete": h.strip(), "champ": champ, "valeur": "code"})
        structure = {**base, "colonnes": colonnes, "separateur": sep, "encodage": encodage}
    return valider_structure(structure), avert


# --- export -------------------------------------------------------------------------------------------------

@dataclass
class Exclu:
    professionnel: Professionnel
    finess: str
    motif: str


@dataclass
class ResultatExport:
    fichiers: dict[str, bytes] = field(default_factory=dict)  # name -> bytes
    lignes_par_fichier: dict[str, int] = field(default_factory=dict)
    exclus: list[Exclu] = field(default_factory=list)
    supplementaires: list[tuple[Professionnel, SituationExercice]] = field(default_factory=list)
    gabarits: dict[str, str] = field(default_factory=dict)  # FINESS EJ -> layout name/version
    inclus: int = 0

    def erreurs_csv(self) -> bytes:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(["finess_et", "personne", "nom_naissance", "prenoms", "date_naissance", "motif"])
        for e in self.exclus:  # read by a person in a spreadsheet: every text cell neutralised
            p = e.professionnel  # "personne": the name form of the screens (birth name, used name in brackets)
            ecrire_ligne_csv(w, [e.finess, p.nom_complet, p.nom_naissance, ",".join(p.prenoms),
                                 p.date_naissance.strftime("%d/%m/%Y") if p.date_naissance else "", e.motif])
        return buf.getvalue().encode("utf-8-sig")

    def situations_csv(self) -> bytes:
        """Other current situations of the exported people, to add on the portal after their registration."""
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(["nom_naissance", "prenoms", "date_naissance", "finess_et", "role", "genre_activite",
                    "date_prise_fonction"])
        for p, s in self.supplementaires:
            ecrire_ligne_csv(w, [p.nom_naissance, ",".join(p.prenoms), p.date_naissance.strftime("%d/%m/%Y"),
                                 s.etablissement.finess, s.role, s.genre_activite,
                                 s.date_prise_fonction.strftime("%d/%m/%Y") if s.date_prise_fonction else ""])
        return buf.getvalue().encode("utf-8-sig")

    def resume(self) -> str:
        lignes = [f"Export RPPS+ — {self.inclus} professionnel(s) à enregistrer dans {len(self.fichiers)} fichier(s) ;"
                  f" {len(self.exclus)} laissé(s) de côté (voir erreurs.csv) ; {len(self.supplementaires)} "
                  "situation(s) supplémentaire(s) à ajouter sur le portail après l'enregistrement "
                  "(situations_a_ajouter.csv)."]
        lignes += [f"Gabarit {ej} : {nom}" for ej, nom in self.gabarits.items()]
        lignes += [f"{nom} : {n} ligne(s)" for nom, n in self.lignes_par_fichier.items()]
        return "\n".join(lignes) + "\n"

    def zip(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for nom, data in self.fichiers.items():
                z.writestr(nom, data)
            z.writestr("erreurs.csv", self.erreurs_csv())
            z.writestr("situations_a_ajouter.csv", self.situations_csv())
            z.writestr("LISEZMOI.txt", self.resume().encode("utf-8"))
        return buf.getvalue()

    def ecrire(self, dossier: Path) -> list[Path]:
        dossier.mkdir(parents=True, exist_ok=True)
        out = []
        for nom, data in {**self.fichiers, "erreurs.csv": self.erreurs_csv(),
                          "situations_a_ajouter.csv": self.situations_csv(),
                          "LISEZMOI.txt": self.resume().encode("utf-8")}.items():
            (dossier / nom).write_bytes(data)
            out.append(dossier / nom)
        return out


def valeur(structure: dict, col: dict, pro: Professionnel, s: SituationExercice) -> str:
    _, getter, table = CHAMPS[col["champ"]]
    v = getter(pro, s)
    if isinstance(v, date):
        return v.strftime(structure["format_date"])
    v = "" if v is None else str(v)
    if col.get("valeur") == "libelle" and table:
        return str(table.get(v, v))
    return v


# Free-text fields of the RPPS+ file: the only ones whose formula-like start (=, +, -, @, tab, CR) is neutralised
# with a leading quote (socle.core.tableur). The portal reads the file literally, so codes, dates, FINESS, the
# e-mail and the phone number ("+33 6…" is a legitimate value there) are written as they are.
CHAMPS_TEXTE_LIBRE = frozenset({"nom_naissance", "nom_usage", "prenoms", "premier_prenom", "prenom_usuel",
                                "nom_exercice", "prenom_exercice", "metier"})


def rendre_csv(structure: dict, lignes: Iterable[tuple[Professionnel, SituationExercice]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=structure["separateur"], lineterminator="\r\n")
    w.writerow([neutraliser(c["entete"]) for c in structure["colonnes"]])  # headers come from an uploaded file
    for pro, s in lignes:
        w.writerow([neutraliser(v) if c["champ"] in CHAMPS_TEXTE_LIBRE else v
                    for c, v in ((c, valeur(structure, c, pro, s)) for c in structure["colonnes"])])
    return buf.getvalue().encode(structure["encodage"], errors="replace")


def exporter(etablissements: Iterable[Etablissement]) -> ResultatExport:
    """Files for the given ESMS (all of one OG, or of a grappe), split at 200 rows."""
    ets = list(etablissements)
    res = ResultatExport()
    par_og: dict[int, list[Etablissement]] = defaultdict(list)
    for et in ets:
        par_og[et.organisme_id].append(et)
    for og_id, og_ets in par_og.items():
        og = og_ets[0].organisme
        gabarit = gabarit_actif(og)
        structure = valider_structure(gabarit.structure)
        res.gabarits[og.finess] = f"{gabarit.nom} (version {gabarit.version})"
        ctx = rules.contexte(og)
        et_ids = {et.pk for et in og_ets}
        pros = (Professionnel.objects.filter(organisme_id=og_id, situations__etablissement_id__in=et_ids)
                .distinct().select_related("organisme")
                .prefetch_related(Prefetch("situations", queryset=SituationExercice.objects.select_related(
                    "etablissement"))))
        lignes: dict[str, list[tuple[Professionnel, SituationExercice]]] = defaultdict(list)
        for pro in pros.order_by("nom_naissance", "pk").iterator(chunk_size=2000):
            situations = list(pro.situations.all())
            st = rules.statut(pro, situations, ctx)
            if st.code != rules.A_ENREGISTRER:
                continue
            # A person is primo-registered once, in the file of her earliest current situation; her other
            # situations are added on the portal once she has her RPPS number (listed in situations_a_ajouter.csv).
            actives = sorted((s for s in situations if rules.situation_active(s)),
                             key=lambda s: (s.date_prise_fonction or date.max, s.etablissement.finess))
            if not actives or actives[0].etablissement_id not in et_ids:
                continue
            principale = actives[0]
            anomalies = rules.anomalies_rpps(pro, principale)
            if anomalies:
                res.exclus.append(Exclu(pro, principale.etablissement.finess,
                                        " ; ".join(f"{c} : {m}" for c, m in anomalies)))
                continue
            lignes[principale.etablissement.finess].append((pro, principale))
            res.supplementaires.extend((pro, s) for s in actives[1:])
        for finess in sorted(lignes):
            rows = lignes[finess]
            lots = [rows[i:i + TAILLE_LOT] for i in range(0, len(rows), TAILLE_LOT)]
            for n, lot in enumerate(lots, start=1):
                nom = f"rpps_plus_{finess}_{n:02d}.csv" if len(lots) > 1 else f"rpps_plus_{finess}.csv"
                res.fichiers[nom] = rendre_csv(structure, lot)
                res.lignes_par_fichier[nom] = len(lot)
                res.inclus += len(lot)
    return res


def exporter_pour(objet, etablissements: Iterable[Etablissement], *, utilisateur=None) -> ResultatExport:
    """The RPPS+ export use case, for the screen's download and `socle rpps export`: the files of `objet` (an OG
    or a grappe) and one audit event with what left Socle."""
    res = exporter(etablissements)
    tracer(Action.EXPORT, objet=objet, utilisateur=utilisateur, libelle=f"Export RPPS+ — {objet}",
           details={"fichiers": list(res.fichiers), "inclus": res.inclus, "exclus": len(res.exclus)})
    return res
