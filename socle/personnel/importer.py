"""HR file import: CSV or XLSX, Socle's template or any HR export through a column mapping.

`analyser()` reads every row and lists every problem per row and field (the dry run); `importer()` runs the
same analysis then writes everything in one transaction, or nothing when a blocking error remains.
Identity key: RPPS when known, else nom de naissance + first prénom + date de naissance + sexe. Re-importing
the same file changes nothing; empty cells never erase what is already known; nobody is deleted.

Reading is bounded (settings SOCLE_PERSONNEL_*: file size, XLSX content, columns, rows, size of a CSV record):
a file beyond a limit is refused with FichierIllisible naming the limit. XLSX are zip archives: their declared
sizes are checked before openpyxl opens them (read-only, no XML entity expanded: defusedxml).
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz, process

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.fichiers import Decompression, FichierRefuse, nombre, reglage, taille_lisible
from socle.core.identifiants import rpps_error

from . import rules
from .models import Civilite, OrganismeGestionnaire, Professionnel, SituationExercice, cle_identite
from .nomenclatures import GENRES, ROLES, normaliser_metier

COLONNES_GABARIT = [
    "nom_naissance", "nom_usage", "prenoms_naissance", "prenom_usuel", "sexe", "date_naissance",
    "commune_naissance", "pays_naissance", "email", "mobile", "finess_et", "metier", "role", "genre_activite",
    "date_prise_fonction", "date_fin", "rpps",
]
OBLIGATOIRES = {"nom_naissance", "prenoms_naissance", "sexe", "date_naissance", "finess_et"}
LIBELLES_CHAMPS = {
    "nom_naissance": "Nom de naissance", "nom_usage": "Nom d'usage", "prenoms_naissance": "Prénoms de naissance",
    "prenom_usuel": "Prénom usuel", "sexe": "Sexe", "date_naissance": "Date de naissance",
    "commune_naissance": "Commune de naissance (INSEE)", "pays_naissance": "Pays de naissance (INSEE 99xxx)",
    "email": "E-mail", "mobile": "Mobile", "finess_et": "FINESS de l'ESMS", "metier": "Métier",
    "role": "Rôle (code TRE_R85)", "genre_activite": "Genre d'activité", "date_prise_fonction": "Date de prise de fonction",
    "date_fin": "Date de fin", "rpps": "Numéro RPPS",
}
# Usual headers of HR exports, to pre-fill the mapping step.
SYNONYMES = {
    "nom_naissance": ["nom de naissance", "nom naissance", "nom patronymique", "nom de jeune fille", "nom"],
    "nom_usage": ["nom d'usage", "nom usage", "nom marital", "nom d'epouse"],
    "prenoms_naissance": ["prenoms", "prenoms de naissance", "prenom", "prenom(s)", "prenoms etat civil"],
    "prenom_usuel": ["prenom usuel", "prenom d'usage"],
    "sexe": ["sexe", "genre", "civilite"],
    "date_naissance": ["date de naissance", "date naissance", "ne le", "naissance"],
    "commune_naissance": ["commune de naissance", "code commune naissance", "lieu de naissance", "insee naissance"],
    "pays_naissance": ["pays de naissance", "code pays naissance"],
    "email": ["email", "e-mail", "mail", "courriel", "adresse mail"],
    "mobile": ["mobile", "portable", "telephone portable", "tel mobile", "telephone"],
    "finess_et": ["finess", "finess et", "finess etablissement", "finess geographique", "etablissement"],
    "metier": ["metier", "emploi", "poste", "fonction", "intitule de poste", "libelle emploi"],
    "role": ["role", "code role"],
    "genre_activite": ["genre d'activite", "genre activite"],
    "date_prise_fonction": ["date d'entree", "date entree", "date de prise de fonction", "date embauche",
                            "date d'embauche", "debut de contrat"],
    "date_fin": ["date de sortie", "date sortie", "date de fin", "fin de contrat"],
    "rpps": ["rpps", "numero rpps", "n rpps"],
}

BLOQUANT = "erreur"
A_COMPLETER = "a_completer"


class FichierIllisible(FichierRefuse):
    """The file cannot be read as a table (wrong format, no header, beyond a limit)."""


@dataclass
class Probleme:
    ligne: int
    champ: str
    message: str
    gravite: str = BLOQUANT
    personne: str = ""

    def as_dict(self) -> dict:
        return {"ligne": self.ligne, "champ": self.champ, "message": self.message, "gravite": self.gravite,
                "personne": self.personne}

    def __str__(self) -> str:
        niveau = "ERREUR" if self.gravite == BLOQUANT else "à compléter"
        qui = f" ({self.personne})" if self.personne else ""
        return f"ligne {self.ligne}{qui}, champ {self.champ} : {self.message} [{niveau}]"


@dataclass
class LigneRH:
    numero: int
    nom_naissance: str = ""
    nom_usage: str = ""
    prenoms: list[str] = field(default_factory=list)
    prenom_usuel: str = ""
    sexe: str = ""
    date_naissance: date | None = None
    commune_naissance: str = ""
    pays_naissance: str = ""
    email: str = ""
    mobile: str = ""
    finess_et: str = ""
    metier: str = ""
    role: str = ""
    genre_activite: str = ""
    date_prise_fonction: date | None = None
    date_fin: date | None = None
    rpps: str = ""
    bloquee: bool = False

    @cached_property
    def cle(self) -> str:
        """Computed once the row is parsed (first read happens after parsing)."""
        return cle_identite(self.nom_naissance, self.prenoms[0] if self.prenoms else "", self.date_naissance,
                            self.sexe)

    @property
    def libelle(self) -> str:
        """The person as every screen names her (`rules.nom_affiche`)."""
        return rules.nom_affiche(self.nom_naissance, self.nom_usage,
                                 self.prenom_usuel or (self.prenoms[0] if self.prenoms else ""))


@dataclass
class Analyse:
    lignes: list[LigneRH]
    problemes: list[Probleme]
    entetes: list[str]
    mapping: dict[str, str]
    prevus: dict[str, int] = field(default_factory=dict)  # people by status after the commit (rules.statut)

    @property
    def bloquants(self) -> list[Probleme]:
        return [p for p in self.problemes if p.gravite == BLOQUANT]

    @property
    def a_completer(self) -> list[Probleme]:
        return [p for p in self.problemes if p.gravite == A_COMPLETER]

    def rapport(self) -> dict:
        """What is stored on the import: counts, the first SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL problems in
        detail and all of them counted by field (the status page stays small whatever the file)."""
        plafond = reglage("SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL")
        par_champ: dict[str, dict[str, int]] = {}
        for p in self.problemes:
            compte = par_champ.setdefault(p.champ, {BLOQUANT: 0, A_COMPLETER: 0})
            compte[p.gravite] = compte.get(p.gravite, 0) + 1
        return {"lignes": len(self.lignes), "bloquants": len(self.bloquants), "a_completer": len(self.a_completer),
                "problemes": [p.as_dict() for p in self.problemes[:plafond]], "nb_problemes": len(self.problemes),
                "problemes_par_champ": par_champ, "mapping": self.mapping,
                "personnes": sum(self.prevus.values()), "lignes_bloquees": sum(lg.bloquee for lg in self.lignes),
                "prevus": {"a_enregistrer": self.prevus.get(rules.A_ENREGISTRER, 0),
                           "deja_rpps": self.prevus.get(rules.DEJA_RPPS, 0),
                           "non_concerne": self.prevus.get(rules.NON_CONCERNE, 0)}}


# --- reading ----------------------------------------------------------------------------------------------

BOMS = [(b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
        (b"\xef\xbb\xbf", "utf-8", "UTF-8"), (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16")]


def _texte(contenu: bytes) -> str:
    """The text of a CSV: UTF-8, UTF-16 or UTF-32 told by their byte order mark (what Excel writes for
    "Unicode text"), UTF-16 without mark recognised by its zero bytes, else UTF-8 or Windows-1252."""
    for bom, encodage, nom in BOMS:
        if contenu.startswith(bom):
            try:
                texte = contenu[len(bom):].decode(encodage)
            except UnicodeDecodeError as exc:
                raise FichierIllisible(f"le fichier annonce l'encodage {nom} mais n'est pas lisible dans cet encodage "
                                       f"(octet {exc.start + len(bom)}) : enregistrez-le en CSV UTF-8") from exc
            return _sans_binaire(texte)
    debut = contenu[:4096]
    if debut.count(0) > len(debut) // 4:  # UTF-16 without a mark: one zero byte in two for Latin text
        encodage = "utf-16-be" if debut[0::2].count(0) > debut[1::2].count(0) else "utf-16-le"
        try:
            return _sans_binaire(contenu.decode(encodage))
        except UnicodeDecodeError as exc:
            raise FichierIllisible("fichier binaire ou encodage non reconnu : déposez un CSV (UTF-8, UTF-16 ou "
                                   "Windows-1252) ou un classeur XLSX") from exc
    for enc in ("utf-8", "cp1252"):
        try:
            return _sans_binaire(contenu.decode(enc))
        except UnicodeDecodeError:
            continue
    raise FichierIllisible("encodage du fichier non reconnu (UTF-8, UTF-16 ou Windows-1252 attendu)")


def _sans_binaire(texte: str) -> str:
    if "\x00" in texte:
        raise FichierIllisible("le fichier contient des octets nuls : ce n'est pas un texte CSV (déposez un CSV ou "
                               "un classeur XLSX)")
    return texte


def deviner_separateur(ligne: str) -> str:
    """The CSV separator of an HR export from its header line: the most frequent of ; , tab |."""
    return max([";", ",", "\t", "|"], key=ligne.count)


def verifier_taille(taille: int) -> None:
    """The uploaded file's size against SOCLE_PERSONNEL_MAX_FICHIER."""
    max_fichier = reglage("SOCLE_PERSONNEL_MAX_FICHIER")
    if taille > max_fichier:
        raise FichierIllisible(f"le fichier dépasse {taille_lisible(max_fichier)} (limite SOCLE_PERSONNEL_MAX_FICHIER)")


LIGNES_EXCEL = 1_048_576


def _trop_de_colonnes(n: int | None, max_colonnes: int) -> FichierIllisible:
    combien = f"{nombre(n)} colonnes" if n is not None else f"plus de {nombre(max_colonnes)} colonnes"
    return FichierIllisible(f"{combien}, au plus {nombre(max_colonnes)} (limite SOCLE_PERSONNEL_MAX_COLONNES)")


def _trop_de_lignes(max_lignes: int) -> FichierIllisible:
    return FichierIllisible(f"plus de {nombre(max_lignes)} lignes de données (limite SOCLE_PERSONNEL_MAX_LIGNES)")


def _classeur(contenu: bytes, max_colonnes: int, max_lignes: int) -> tuple[list[str], Iterator[tuple[int, list]]]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(contenu))
    except zipfile.BadZipFile as exc:
        raise FichierIllisible("ce fichier .xlsx n'est pas un classeur Excel (archive zip) lisible : enregistrez-le "
                               "à nouveau depuis votre tableur, ou déposez un CSV") from exc
    with archive:
        Decompression.depuis_reglages("SOCLE_PERSONNEL_MAX_DECOMPRESSE", FichierIllisible).verifier_zip(archive)
    try:
        wb = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # never trust the declared dimension (it sizes every row otherwise)
        # The header, cut at max_colonnes + 1 cells whatever the row holds.
        premiere = next(ws.iter_rows(max_row=1, max_col=max_colonnes + 1, values_only=True), None)
    except Exception as exc:  # openpyxl (and defusedxml, which forbids XML entities) raise many kinds
        raise FichierIllisible(f"classeur XLSX illisible : {exc}") from exc
    if premiere is None:
        wb.close()
        raise FichierIllisible("le classeur est vide (aucune ligne d'en-tête)")
    entetes = [str(c).strip() if c is not None else "" for c in premiere]
    while entetes and not entetes[-1]:
        entetes.pop()
    if len(entetes) > max_colonnes:
        wb.close()
        raise _trop_de_colonnes(None, max_colonnes)
    rows = ws.iter_rows(min_row=2, max_col=max(len(entetes), 1), values_only=True)

    def it_xlsx():
        lues = 0
        try:
            for n, row in enumerate(rows, start=2):
                if n > LIGNES_EXCEL:  # a row number far beyond: openpyxl would yield every empty row before it
                    raise FichierIllisible(f"le classeur déclare une ligne au-delà de la ligne {nombre(LIGNES_EXCEL)}, "
                                           "la dernière d'une feuille Excel")
                cells = list(row)
                if any(c not in (None, "") for c in cells):
                    lues += 1
                    if lues > max_lignes:
                        raise _trop_de_lignes(max_lignes)
                    yield n, cells
        except FichierIllisible:
            raise
        except Exception as exc:  # a sheet is parsed while it is read: a bad one fails here
            raise FichierIllisible(f"classeur XLSX illisible : {exc}") from exc
        finally:
            wb.close()
    return entetes, it_xlsx()


class _LignesBornees:
    """Lines for csv.reader; a record (one line, or several when a quoted field spans lines) may not exceed
    SOCLE_PERSONNEL_MAX_LIGNE characters, as csv.reader would hold it whole in memory."""

    def __init__(self, texte: str, max_caracteres: int):
        self.lignes = iter(io.StringIO(texte))
        self.max_caracteres = max_caracteres
        self.caracteres = 0  # of the record being read; reset after each record

    def __iter__(self):
        return self

    def __next__(self) -> str:
        ligne = next(self.lignes)
        self.caracteres += len(ligne)
        if self.caracteres > self.max_caracteres:
            raise FichierIllisible(f"une ligne dépasse {taille_lisible(self.max_caracteres)} "
                                   "(limite SOCLE_PERSONNEL_MAX_LIGNE)")
        return ligne


def _csv(contenu: bytes, max_colonnes: int, max_lignes: int) -> tuple[list[str], Iterator[tuple[int, list]]]:
    texte = _texte(contenu)
    sep = deviner_separateur(texte[:reglage("SOCLE_PERSONNEL_MAX_LIGNE")].split("\n", 1)[0])
    lignes = _LignesBornees(texte, reglage("SOCLE_PERSONNEL_MAX_LIGNE"))
    reader = csv.reader(lignes, delimiter=sep)

    def suivante(n: int) -> list[str] | None:
        try:
            row = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise FichierIllisible(f"ligne {n} : CSV illisible ({exc})") from exc
        lignes.caracteres = 0
        if len(row) > max_colonnes:
            raise _trop_de_colonnes(len(row), max_colonnes)
        return row

    premiere = suivante(1)
    if premiere is None:
        raise FichierIllisible("le fichier est vide (aucune ligne d'en-tête)")
    entetes = [h.strip() for h in premiere]

    def it_csv():
        lues = 0
        n = 2
        while (row := suivante(n)) is not None:
            if any(c.strip() for c in row):
                lues += 1
                if lues > max_lignes:
                    raise _trop_de_lignes(max_lignes)
                yield n, row
            n += 1
    return entetes, it_csv()


def lire_tableau(contenu: bytes, nom_fichier: str) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """Header and rows (line number as the spreadsheet shows it, cells) of a CSV or XLSX file.

    Every limit is checked here (size, XLSX content and zip members, columns, rows, record size): a refused
    file raises FichierIllisible naming the limit, when the header is read or while the rows are."""
    verifier_taille(len(contenu))
    max_colonnes, max_lignes = reglage("SOCLE_PERSONNEL_MAX_COLONNES"), reglage("SOCLE_PERSONNEL_MAX_LIGNES")
    if nom_fichier.lower().endswith((".xlsx", ".xlsm")) or contenu[:2] == b"PK":
        return _classeur(contenu, max_colonnes, max_lignes)
    return _csv(contenu, max_colonnes, max_lignes)


def lire_entetes(contenu: bytes, nom_fichier: str) -> list[str]:
    """The header of a CSV or XLSX file (all limits that can be checked on it, checked)."""
    entetes, rows = lire_tableau(contenu, nom_fichier)
    rows.close()
    return entetes


def est_gabarit_socle(entetes: list[str]) -> bool:
    return [h.strip().lower() for h in entetes] == COLONNES_GABARIT


def deviner_mapping(entetes: list[str]) -> dict[str, str]:
    """Best guess of the column of each Socle field among an HR export's headers (to be checked by a person)."""
    if est_gabarit_socle(entetes) or set(COLONNES_GABARIT) <= {h.strip().lower() for h in entetes}:
        return {c: next(h for h in entetes if h.strip().lower() == c) for c in COLONNES_GABARIT}
    normes = {normaliser_metier(h): h for h in entetes if h}
    pris: set[str] = set()
    out: dict[str, str] = {}
    for champ in COLONNES_GABARIT:
        meilleurs = []
        for syn in [champ.replace("_", " "), *SYNONYMES.get(champ, [])]:
            res = process.extractOne(normaliser_metier(syn), list(normes), scorer=fuzz.ratio)
            if res and res[1] >= 85 and normes[res[0]] not in pris:
                meilleurs.append((res[1], normes[res[0]]))
        if meilleurs:
            out[champ] = max(meilleurs)[1]
            pris.add(out[champ])
    return out


# --- parsing ------------------------------------------------------------------------------------------------

def _str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def parse_date(v, format_date: str = "%d/%m/%Y") -> date | None:
    """A date from a cell: a spreadsheet date, dd/mm/yyyy (or the mapping's format), or ISO yyyy-mm-dd."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = _str(v)
    for fmt in (format_date, "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            d = datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        if fmt == "%d/%m/%y" and d.year > date.today().year:
            d = d.replace(year=d.year - 100)
        return d
    raise ValueError(f"« {s} » n'est pas une date au format jj/mm/aaaa")


def _sexe(v: str) -> str:
    s = normaliser_metier(v)
    return {"m": "M", "h": "M", "homme": "M", "masculin": "M", "1": "M", "monsieur": "M", "mr": "M",
            "f": "F", "femme": "F", "feminin": "F", "2": "F", "madame": "F", "mme": "F"}.get(s, "")


def analyser(contenu: bytes, nom_fichier: str, organisme: OrganismeGestionnaire, mapping: dict[str, str] | None = None,
             format_date: str = "%d/%m/%Y", aujourd_hui: date | None = None) -> Analyse:
    """Dry run: parse and check every row; nothing is written."""
    aujourd_hui = aujourd_hui or date.today()
    entetes, rows = lire_tableau(contenu, nom_fichier)
    if mapping is None:
        if not (est_gabarit_socle(entetes) or set(COLONNES_GABARIT) <= {h.strip().lower() for h in entetes}):
            manquantes = [c for c in COLONNES_GABARIT if c not in {h.strip().lower() for h in entetes}]
            raise FichierIllisible(
                "ce fichier n'est pas au gabarit Socle (colonnes absentes : " + ", ".join(manquantes)
                + ") : associez ses colonnes (écran d'import ou option --mapping)")
        mapping = deviner_mapping(entetes)
    index = {h: i for i, h in enumerate(entetes)}
    absentes = [c for c, col in mapping.items() if col and col not in index]
    if absentes:
        raise FichierIllisible("colonnes de la correspondance absentes du fichier : "
                               + ", ".join(f"{c} → « {mapping[c]} »" for c in absentes))
    manquent = [LIBELLES_CHAMPS[c] for c in OBLIGATOIRES if not mapping.get(c)]
    if manquent:
        raise FichierIllisible("colonnes obligatoires non associées : " + ", ".join(sorted(manquent)))
    ctx = rules.contexte(organisme)
    ets = {e.finess: e for e in organisme.etablissements.all()}
    from socle.organisations.models import Etablissement

    problemes: list[Probleme] = []
    lignes: list[LigneRH] = []
    for numero, cells in rows:
        def cell(champ, cells=cells):
            col = mapping.get(champ)
            if not col:
                return None
            i = index[col]
            return cells[i] if i < len(cells) else None

        ligne = LigneRH(numero=numero)
        pb: list[Probleme] = []

        def err(champ, message, gravite=BLOQUANT, pb=pb, numero=numero):
            pb.append(Probleme(numero, champ, message, gravite))

        ligne.nom_naissance = _str(cell("nom_naissance")).upper()
        ligne.nom_usage = _str(cell("nom_usage")).upper()
        ligne.prenoms = [p.strip() for p in _str(cell("prenoms_naissance")).split(",") if p.strip()]
        ligne.prenom_usuel = _str(cell("prenom_usuel"))
        if not ligne.nom_naissance:
            err("nom_naissance", "nom de naissance absent")
        if not ligne.prenoms:
            err("prenoms_naissance", "prénoms de naissance absents (séparés par des virgules, dans l'ordre)")
        brut = _str(cell("sexe"))
        ligne.sexe = _sexe(brut)
        if not ligne.sexe:
            err("sexe", f"sexe « {brut} » non reconnu (M ou F)" if brut else "sexe absent (M ou F)")
        for champ in ("date_naissance", "date_prise_fonction", "date_fin"):
            try:
                setattr(ligne, champ, parse_date(cell(champ), format_date))
            except ValueError as exc:
                err(champ, str(exc))
        if ligne.date_naissance is None and not any(p.champ == "date_naissance" for p in pb):
            err("date_naissance", "date de naissance absente")
        elif ligne.date_naissance is not None:
            m = rules.date_naissance_error(ligne.date_naissance, aujourd_hui)
            if m:
                err("date_naissance", m)
        if ligne.date_fin and ligne.date_prise_fonction and ligne.date_fin < ligne.date_prise_fonction:
            err("date_fin", f"date de fin {ligne.date_fin:%d/%m/%Y} antérieure à la prise de fonction "
                            f"{ligne.date_prise_fonction:%d/%m/%Y}")
        ligne.commune_naissance = _str(cell("commune_naissance")).upper().zfill(5) if _str(cell("commune_naissance")) \
            else ""
        ligne.pays_naissance = _str(cell("pays_naissance"))
        m = rules.lieu_naissance_error(ligne.commune_naissance, ligne.pays_naissance)
        if m:
            err("commune_naissance" if not ligne.pays_naissance or ligne.commune_naissance else "pays_naissance",
                m, A_COMPLETER)
        ligne.email = _str(cell("email"))
        m = rules.email_error(ligne.email)
        if m:
            err("email", m, A_COMPLETER)
        brut = _str(cell("mobile"))
        if brut.isdigit() and len(brut) == 9 and brut[0] in "67":  # a spreadsheet dropped the leading zero
            brut = "0" + brut
        m = rules.mobile_error(brut)
        ligne.mobile = rules.normaliser_mobile(brut) if not m else brut
        if m:
            err("mobile", m, A_COMPLETER)
        ligne.finess_et = _str(cell("finess_et")).upper()
        if ligne.finess_et.isdigit() and len(ligne.finess_et) == 8:  # a spreadsheet dropped the leading zero
            ligne.finess_et = ligne.finess_et.zfill(9)
        if not ligne.finess_et:
            err("finess_et", "FINESS de l'ESMS absent")
        elif ligne.finess_et not in ets:
            autre = Etablissement.objects.filter(finess=ligne.finess_et).first()
            err("finess_et", f"FINESS « {ligne.finess_et} » : ESMS d'un autre organisme" if autre else
                f"FINESS « {ligne.finess_et} » inconnu parmi les ESMS de {organisme.raison_sociale}")
        ligne.metier = _str(cell("metier"))
        ligne.role = _str(cell("role"))
        if ligne.role and ligne.role not in ROLES:
            err("role", f"rôle « {ligne.role} » inconnu : code TRE_R85 de la liste RPPS+ attendu (ex. 328, 326, 313)")
        ligne.genre_activite = _str(cell("genre_activite")).upper()
        if ligne.genre_activite and ligne.genre_activite not in GENRES:
            err("genre_activite", f"genre d'activité « {ligne.genre_activite} » inconnu (GENR01, GENR08 à GENR13, "
                                  "GENR99)")
        ligne.rpps = _str(cell("rpps"))
        if ligne.rpps:
            m = rpps_error(ligne.rpps)
            if m:
                err("rpps", m)
        for p in pb:
            p.personne = ligne.libelle
        ligne.bloquee = any(p.gravite == BLOQUANT for p in pb)
        problemes.extend(pb)
        lignes.append(ligne)
    problemes.extend(_doublons(lignes))
    prevus = _statuts_prevus(lignes, organisme, ctx, problemes)
    problemes.sort(key=lambda p: (p.ligne, COLONNES_GABARIT.index(p.champ) if p.champ in COLONNES_GABARIT else 99))
    return Analyse(lignes, problemes, entetes, mapping, prevus)


def _statuts_prevus(lignes: list[LigneRH], organisme: OrganismeGestionnaire, ctx, problemes: list[Probleme]
                    ) -> dict[str, int]:
    """What the commit will make of each person (counted once, whatever her number of rows and ESMS), through the
    same rules as the registry (`rules.statut_prevu`); a job title absent from the table asks for a rôle only when
    the person will be "à enregistrer"."""
    existants = {p.cle: p for p in Professionnel.objects.filter(organisme=organisme).only(
        "cle", "rpps", "acces_dui", "mssante", "consulte_dmp")}
    par_personne: dict[str, list[LigneRH]] = {}
    for lg in lignes:
        if not lg.bloquee:
            par_personne.setdefault(lg.cle, []).append(lg)
    prevus = {rules.A_ENREGISTRER: 0, rules.DEJA_RPPS: 0, rules.NON_CONCERNE: 0}
    for cle, lgs in par_personne.items():
        situations = [rules.situation_prevue(lg.metier, lg.role, lg.genre_activite, lg.date_fin, ctx) for lg in lgs]
        prevu = rules.statut_prevu(situations, ctx, rpps=next((lg.rpps for lg in lgs if lg.rpps), ""),
                                   existant=existants.get(cle))
        prevus[prevu.code] += 1
        for lg in lgs:
            message = rules.probleme_metier(lg.metier, lg.role, prevu, ctx)
            if message:
                problemes.append(Probleme(lg.numero, "metier", message, A_COMPLETER, lg.libelle))
    return prevus


def _doublons(lignes: list[LigneRH]) -> list[Probleme]:
    """Same person twice in one ESMS, or one identity with diverging personal data, or one RPPS for two people."""
    out = []
    par_cle: dict[str, LigneRH] = {}
    par_cle_et: dict[tuple[str, str], LigneRH] = {}
    par_rpps: dict[str, LigneRH] = {}
    for lg in lignes:
        if not lg.nom_naissance or not lg.prenoms or lg.date_naissance is None:
            continue
        cle = lg.cle
        avant = par_cle_et.get((cle, lg.finess_et))
        if avant is not None:
            out.append(Probleme(lg.numero, "nom_naissance", f"même identité que la ligne {avant.numero} dans le même "
                                "ESMS : deux personnes avec la même identité, ou une ligne en double", BLOQUANT,
                                lg.libelle))
            lg.bloquee = True
        else:
            par_cle_et[(cle, lg.finess_et)] = lg
            autre = par_cle.get(cle)
            if autre is not None:
                for champ in ("prenoms", "commune_naissance", "pays_naissance", "rpps"):
                    a, b = getattr(autre, champ), getattr(lg, champ)
                    if a and b and a != b:
                        out.append(Probleme(lg.numero, "prenoms_naissance" if champ == "prenoms" else champ,
                                            f"même identité que la ligne {autre.numero} mais {champ.replace('_', ' ')} "
                                            "différent : deux personnes ou une erreur de saisie", BLOQUANT, lg.libelle))
                        lg.bloquee = True
                        break
            else:
                par_cle[cle] = lg
        if lg.rpps:
            autre = par_rpps.get(lg.rpps)
            if autre is not None and autre.cle != cle:
                out.append(Probleme(lg.numero, "rpps", f"numéro RPPS déjà porté par une autre personne ligne "
                                                       f"{autre.numero}", BLOQUANT, lg.libelle))
                lg.bloquee = True
            par_rpps.setdefault(lg.rpps, lg)
    return out


# --- writing ------------------------------------------------------------------------------------------------

class ImportRefuse(Exception):
    def __init__(self, analyse: Analyse):
        super().__init__(f"{len(analyse.bloquants)} erreur(s) bloquante(s) : rien n'a été enregistré")
        self.analyse = analyse


PERSO = ["nom_naissance", "nom_usage", "prenoms", "prenom_usuel", "sexe", "date_naissance", "commune_naissance",
         "pays_naissance", "email", "mobile", "rpps"]


def importer(contenu: bytes, nom_fichier: str, organisme: OrganismeGestionnaire, mapping: dict[str, str] | None = None,
             format_date: str = "%d/%m/%Y", utilisateur=None) -> tuple[Analyse, dict]:
    """Analyse then write everything atomically; refuse (nothing written) while a blocking error remains."""
    analyse = analyser(contenu, nom_fichier, organisme, mapping, format_date)
    if analyse.bloquants:
        raise ImportRefuse(analyse)
    with transaction.atomic():
        resultat = _ecrire(analyse.lignes, organisme)
        tracer(Action.IMPORT, objet=organisme, utilisateur=utilisateur,
               libelle=f"Import du personnel ({nom_fichier}) — {organisme.raison_sociale}",
               details={"fichier": nom_fichier, **{k: v for k, v in resultat.items() if k != "ids"},
                        "professionnels": resultat["ids"][:5000]})
    return analyse, resultat


SITUATION = ["metier", "role", "role_propose", "genre_activite", "genre_propose", "motif_forcage", "nom_exercice",
             "prenom_exercice", "date_prise_fonction", "date_fin"]


def _ecrire(lignes: list[LigneRH], organisme: OrganismeGestionnaire) -> dict:
    """Bulk writes: new records created in batches, changed ones updated in batches, unchanged ones untouched."""
    ctx = rules.contexte(organisme)
    ets = {e.finess: e for e in organisme.etablissements.all()}
    existants = list(Professionnel.objects.filter(organisme=organisme))
    par_rpps = {p.rpps: p for p in existants if p.rpps}
    par_cle = {p.cle: p for p in existants}
    res = {"crees": 0, "modifies": 0, "inchanges": 0, "situations_creees": 0, "situations_modifiees": 0, "ids": []}
    vus: dict[str, Professionnel] = {}
    nouveaux: list[Professionnel] = []
    modifies: list[Professionnel] = []
    paires: list[tuple[Professionnel, LigneRH]] = []
    maintenant = timezone.now()
    for lg in lignes:
        pro = vus.get(lg.cle) or (par_rpps.get(lg.rpps) if lg.rpps else None) or par_cle.get(lg.cle)
        if pro is None:
            pro = Professionnel(organisme=organisme, civilite=Civilite.M if lg.sexe == "M" else Civilite.MME)
            for champ in PERSO:
                setattr(pro, champ, getattr(lg, champ))
            pro.cle = pro.calculer_cle()
            nouveaux.append(pro)
        elif lg.cle not in vus:
            change = False
            for champ in PERSO:
                nouveau = getattr(lg, champ)
                if nouveau and nouveau != getattr(pro, champ):
                    setattr(pro, champ, nouveau)
                    change = True
            if change:
                pro.cle, pro.modifie_le = pro.calculer_cle(), maintenant
                modifies.append(pro)
            else:
                res["inchanges"] += 1
        vus[lg.cle] = pro
        par_cle[pro.cle] = pro
        paires.append((pro, lg))
    Professionnel.objects.bulk_create(nouveaux, batch_size=500)
    Professionnel.objects.bulk_update(modifies, [*PERSO, "cle", "modifie_le"], batch_size=500)
    res["crees"], res["modifies"] = len(nouveaux), len(modifies)
    res["ids"] = [p.pk for p in nouveaux + modifies]
    situations = {(s.professionnel_id, s.etablissement_id): s
                  for s in SituationExercice.objects.filter(professionnel__organisme=organisme)}
    a_creer: dict[tuple[int, int], SituationExercice] = {}
    a_modifier: dict[int, SituationExercice] = {}
    for pro, lg in paires:
        s, etat = _situation(pro, ets[lg.finess_et], lg, ctx, situations)
        if etat == "cree":
            a_creer[(pro.pk, s.etablissement_id)] = s
        elif etat == "modifie":
            a_modifier[s.pk] = s
    SituationExercice.objects.bulk_create(list(a_creer.values()), batch_size=500)
    SituationExercice.objects.bulk_update(list(a_modifier.values()), SITUATION, batch_size=500)
    res["situations_creees"], res["situations_modifiees"] = len(a_creer), len(a_modifier)
    return res


def _situation(pro, et, lg: LigneRH, ctx, situations) -> tuple[SituationExercice, str]:
    """Fill the situation (pro, ESMS) from a row; returns it with "cree", "modifie" or "" (unchanged)."""
    role_p, genre_p = rules.proposer(lg.metier, ctx)
    s = situations.get((pro.pk, et.pk))
    cree = s is None
    if cree:
        s = SituationExercice(professionnel=pro, etablissement=et)
        situations[(pro.pk, et.pk)] = s
    avant = tuple(getattr(s, c) for c in SITUATION)
    if lg.metier:
        s.metier = lg.metier
    s.role_propose, s.genre_propose = role_p, genre_p
    garde = bool(s.motif_forcage) and not cree  # a person chose otherwise, with a reason: keep her choice
    if lg.role:
        s.role = lg.role
    elif not garde:
        s.role = role_p
    if lg.genre_activite:
        s.genre_activite = lg.genre_activite
    elif not garde:
        s.genre_activite = genre_p
    if (lg.role and role_p and lg.role != role_p) or (lg.genre_activite and genre_p and lg.genre_activite != genre_p):
        s.motif_forcage = s.motif_forcage or "valeur indiquée dans le fichier RH"
    s.nom_exercice = s.nom_exercice or lg.nom_usage or lg.nom_naissance
    s.prenom_exercice = s.prenom_exercice or lg.prenom_usuel or (lg.prenoms[0] if lg.prenoms else "")
    if lg.date_prise_fonction:
        s.date_prise_fonction = lg.date_prise_fonction
    if lg.date_fin:
        s.date_fin = lg.date_fin
    if cree:
        return s, "cree"
    return s, ("modifie" if tuple(getattr(s, c) for c in SITUATION) != avant else "")


def gabarit_csv(finess_et: str = "690900014") -> str:
    """Socle's template: header line and one fictitious example row, on `finess_et` (the screen gives one of the
    user's own ESMS, so the example row passes the dry run of her organisation)."""
    exemple = ["EXEMPLE-DÉMO", "", "Camille,Marie", "Camille", "F", "14/03/1985", "69381", "", "camille.exemple@demo.invalid",
               "0612345678", finess_et, "Accompagnant éducatif et social", "", "", "01/09/2020", "", ""]
    return ";".join(COLONNES_GABARIT) + "\n" + ";".join(exemple) + "\n"
