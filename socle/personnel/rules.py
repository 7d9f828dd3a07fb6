"""Business rules of the staff registry, as plain functions: field checks (French messages naming the rule),
the métier → rôle proposal, and the "who must register" status of a professional."""

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from socle import referentiels
from socle.core.identifiants import rpps_error
from socle.referentiels import ReferentielInvalide

from .models import MetierRole, OrganismeGestionnaire, Professionnel, RegleEnregistrement, SituationExercice
from .nomenclatures import (
    GENRE_PAR_NUMERO,
    GENRES,
    PROFESSIONS_DEJA_RPPS,
    ROLE_PROPOSE_METIER,
    ROLES,
    normaliser_metier,
)

A_ENREGISTRER = "a_enregistrer"
NON_CONCERNE = "non_concerne"
DEJA_RPPS = "deja_rpps"
LIBELLES_STATUT = {A_ENREGISTRER: "À enregistrer", NON_CONCERNE: "Non concerné", DEJA_RPPS: "Déjà au RPPS"}

_COMMUNE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_PAYS_RE = re.compile(r"^99\d{3}$")


def nom_affiche(nom_naissance: str, nom_usage: str = "", prenom: str = "") -> str:
    """The one name form of a professional on every screen and file a person reads (dry run, lists, erreurs.csv):
    birth name, the used name in brackets when it differs, then the first name: « MARTIN (DURAND) Camille »."""
    nom = nom_naissance or ""
    if nom_usage and nom_usage != nom_naissance:
        nom = f"{nom} ({nom_usage})" if nom else f"({nom_usage})"
    return f"{nom} {prenom or ''}".strip()


# --- field checks -------------------------------------------------------------------------------------------

def normaliser_mobile(valeur: str) -> str:
    """French mobile in national form 06/07 + 8 digits; "+33 6 …", "0033 7 …", dots and spaces accepted."""
    v = re.sub(r"[\s.\-/()]", "", valeur or "")
    if v.startswith("+33"):
        v = "0" + v[3:]
    elif v.startswith("0033"):
        v = "0" + v[4:]
    return v


@lru_cache(maxsize=65536)  # pure; a board over a grappe checks the same thousands of numbers at each view
def mobile_error(valeur: str) -> str | None:
    v = normaliser_mobile(valeur)
    if not v:
        return "mobile absent : il est obligatoire pour activer l'e-CPS"
    if not re.fullmatch(r"0[67]\d{8}", v):
        return f"« {valeur} » n'est pas un mobile français (06 ou 07 suivi de 8 chiffres, ou +33 6 / +33 7)"
    return None


@lru_cache(maxsize=65536)  # pure, and Django's validator costs about 10 µs an address
def email_error(valeur: str) -> str | None:
    if not valeur:
        return "e-mail absent : il est obligatoire pour activer l'e-CPS"
    try:
        validate_email(valeur)
    except ValidationError:
        return f"« {valeur} » n'est pas une adresse e-mail valide"
    return None


def lieu_naissance_error(commune: str, pays: str) -> str | None:
    if commune and not _COMMUNE_RE.match(commune):
        return f"commune de naissance « {commune} » : un code commune INSEE a 5 caractères (ex. 69381, 2A004)"
    if pays and not _PAYS_RE.match(pays):
        return f"pays de naissance « {pays} » : un code pays INSEE a 5 chiffres et commence par 99 (ex. 99134)"
    if pays == "99100" and not commune:
        return "né(e) en France (99100) : la commune de naissance (code INSEE) est obligatoire"
    if not commune and not pays:
        return ("lieu de naissance absent : code commune INSEE pour une naissance en France, "
                "code pays INSEE 99xxx pour une naissance à l'étranger")
    return None


def date_naissance_error(d: date | None, aujourd_hui: date | None = None) -> str | None:
    aujourd_hui = aujourd_hui or date.today()
    if d is None:
        return "date de naissance absente"
    if d > aujourd_hui:
        return f"date de naissance {d:%d/%m/%Y} dans le futur"
    if d.year < aujourd_hui.year - 100:
        return f"date de naissance {d:%d/%m/%Y} invraisemblable (plus de 100 ans)"
    if d.year > aujourd_hui.year - 14:
        return f"date de naissance {d:%d/%m/%Y} invraisemblable (moins de 14 ans)"
    return None


def anomalies_rpps(pro: Professionnel, situation: SituationExercice | None = None) -> list[tuple[str, str]]:
    """What prevents registering this professional through RPPS+: (champ, message) pairs. Empty = ready."""
    out = anomalies_personne(pro)
    if situation is not None:
        out += anomalies_situation(situation)
    return out


def anomalies_personne(pro: Professionnel, aujourd_hui: date | None = None) -> list[tuple[str, str]]:
    """The état civil and contact part of `anomalies_rpps`: the same for each of the person's situations."""
    out: list[tuple[str, str]] = []
    if not pro.nom_naissance:
        out.append(("nom_naissance", "nom de naissance absent"))
    if not pro.prenoms:
        out.append(("prenoms_naissance", "prénoms de naissance absents"))
    if pro.sexe not in ("M", "F"):
        out.append(("sexe", "sexe absent ou inconnu (M ou F)"))
    err = date_naissance_error(pro.date_naissance, aujourd_hui)
    if err:
        out.append(("date_naissance", err))
    err = lieu_naissance_error(pro.commune_naissance, pro.pays_naissance)
    if err:
        out.append(("lieu_naissance", err))
    err = email_error(pro.email)
    if err:
        out.append(("email", err))
    err = mobile_error(pro.mobile)
    if err:
        out.append(("mobile", err))
    if pro.rpps:
        err = rpps_error(pro.rpps)
        if err:
            out.append(("rpps", err))
    return out


def anomalies_situation(situation: SituationExercice) -> list[tuple[str, str]]:
    """The situation part of `anomalies_rpps` (rôle, genre d'activité, date de prise de fonction)."""
    out: list[tuple[str, str]] = []
    if not situation.role:
        out.append(("role", "rôle (TRE_R85) absent et non déduit du métier : complétez la table métier → rôle"))
    elif situation.role not in ROLES:
        out.append(("role", f"rôle « {situation.role} » hors de la liste RPPS+ (JDV_J121)"))
    if not situation.genre_activite:
        out.append(("genre_activite", "genre d'activité absent et non déduit du métier"))
    elif situation.genre_activite not in GENRES:
        out.append(("genre_activite", f"genre d'activité « {situation.genre_activite} » inconnu (JDV_J116)"))
    if situation.date_prise_fonction is None:
        out.append(("date_prise_fonction", "date de prise de fonction absente"))
    return out


# --- métier → rôle ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LigneMetier:
    metier: str
    role: str
    genre: str
    concerne: bool


def lire_table_metiers(path: Path | str) -> list[LigneMetier]:
    """Read a métier table `metier;role_numero;genre_activite[;role]` (the field table's layout). role_numero 0
    = not concerned; `role` (TRE_R85 code) is optional, Socle proposes one for the 24 known métiers."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        lignes = []
        for n, row in enumerate(reader, start=2):
            metier = (row.get("metier") or "").strip()
            if not metier:
                continue
            numero = (row.get("role_numero") or "").strip()
            genre = (row.get("genre_activite") or "").strip().upper()
            if not genre and numero.isdigit() and int(numero) in GENRE_PAR_NUMERO:
                genre = GENRE_PAR_NUMERO[int(numero)]
            if genre and genre not in GENRES:
                raise ValueError(f"ligne {n}, colonne genre_activite : « {genre} » n'est pas un genre d'activité "
                                 "RPPS+ (GENR01, GENR08 à GENR13, GENR99)")
            role = (row.get("role") or "").strip() or ROLE_PROPOSE_METIER.get(metier, "")
            if role and role not in ROLES:
                raise ValueError(f"ligne {n}, colonne role : « {role} » n'est pas un rôle RPPS+ (JDV_J121)")
            concerne = not (numero == "0" or (not genre and not numero))
            lignes.append(LigneMetier(metier, role, genre, concerne))
    return lignes


def table_metiers_par_defaut() -> list[LigneMetier]:
    """The sector's reference table: settings.PERSONNEL_METIERS_CSV, by default the field table vendored in
    socle/referentiels (SOCLE_METIERS_CSV names another one). Unreadable or invalid: ReferentielInvalide."""
    return list(_table_metiers(str(settings.PERSONNEL_METIERS_CSV)))


@cache
def _table_metiers(chemin: str) -> tuple[LigneMetier, ...]:
    remede = ("ce fichier est celui de socle/referentiels : restaurez-le depuis le dépôt ou réinstallez Socle"
              if Path(chemin) == referentiels.chemin(referentiels.TABLE_METIERS)
              else "corrigez le fichier ou le réglage SOCLE_METIERS_CSV qui le désigne")
    try:
        lignes = lire_table_metiers(chemin)
    except FileNotFoundError:
        raise ReferentielInvalide(chemin, "table métier → rôle absente", remede) from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise ReferentielInvalide(chemin, f"table métier → rôle invalide ({e})", remede) from e
    if not lignes:
        raise ReferentielInvalide(chemin, "table métier → rôle vide (en-tête attendu : "
                                          "metier;role_numero;genre_activite[;role])", remede)
    return tuple(lignes)


def charger_metiers(organisme: OrganismeGestionnaire, lignes: list[LigneMetier], source: str,
                    remplacer: bool = True) -> tuple[int, int]:
    """Create or update the OG's rows; with `remplacer=False` rows already there (maybe edited) are kept.
    Returns (created, updated)."""
    existants = {m.cle: m for m in MetierRole.objects.filter(organisme=organisme)}
    crees = maj = 0
    for ligne in lignes:
        cle = normaliser_metier(ligne.metier)
        m = existants.get(cle)
        if m is None:
            m = MetierRole(organisme=organisme, metier=ligne.metier, role=ligne.role, genre_activite=ligne.genre,
                           concerne=ligne.concerne, source=source)
            m.save()
            existants[cle] = m
            crees += 1
        elif remplacer and (m.role, m.genre_activite, m.concerne) != (ligne.role, ligne.genre, ligne.concerne):
            m.role, m.genre_activite, m.concerne, m.source = ligne.role, ligne.genre, ligne.concerne, source
            m.save()
            maj += 1
    return crees, maj


def preremplir_organisme(organisme: OrganismeGestionnaire) -> None:
    """Give a new OG its métier table (sector default) and its rule set, without touching existing ones."""
    if not MetierRole.objects.filter(organisme=organisme).exists():
        charger_metiers(organisme, table_metiers_par_defaut(), "table de référence (grappe 2023-2024)",
                        remplacer=False)
    RegleEnregistrement.objects.get_or_create(organisme=organisme)


@dataclass
class Contexte:
    """What the rules need for one OG, loaded once for a whole list."""

    regles: RegleEnregistrement
    metiers: dict[str, MetierRole] = field(default_factory=dict)
    _deja_rpps: dict[str, str | None] = field(default_factory=dict, repr=False)
    _statuts: dict[tuple, "Statut"] = field(default_factory=dict, repr=False)

    def metier(self, titre: str) -> MetierRole | None:
        return self.metiers.get(normaliser_metier(titre)) if titre else None

    def profession_deja_rpps(self, metier: str) -> str | None:
        """`profession_deja_rpps` under these rules, once per job title (a board reads thousands of lines
        with a few dozen titles)."""
        if metier not in self._deja_rpps:
            self._deja_rpps[metier] = profession_deja_rpps(metier, self.regles)
        return self._deja_rpps[metier]


def contexte(organisme: OrganismeGestionnaire) -> Contexte:
    preremplir_organisme(organisme)
    regles = RegleEnregistrement.objects.get(organisme=organisme)
    return Contexte(regles, {m.cle: m for m in MetierRole.objects.filter(organisme=organisme)})


def contextes(organismes) -> dict[int, Contexte]:
    """`contexte` of several OG in two queries whatever their number (an OG without its table or its rule set
    yet gets them first, as `contexte` does)."""
    ogs = list(organismes)

    def lire():
        metiers: dict[int, dict[str, MetierRole]] = {og.pk: {} for og in ogs}
        for m in MetierRole.objects.filter(organisme__in=ogs):
            metiers[m.organisme_id][m.cle] = m
        return {r.organisme_id: r for r in RegleEnregistrement.objects.filter(organisme__in=ogs)}, metiers

    regles, metiers = lire()
    incomplets = [og for og in ogs if not metiers[og.pk] or og.pk not in regles]
    if incomplets:  # once per OG, the first time
        for og in incomplets:
            preremplir_organisme(og)
        regles, metiers = lire()
    return {og.pk: Contexte(regles[og.pk], metiers[og.pk]) for og in ogs}


def profession_deja_rpps(metier: str, regles: RegleEnregistrement) -> str | None:
    """Label of the profession if the métier title names one already registered by an Ordre or the ARS."""
    cle = f" {normaliser_metier(metier)} "
    for mot in regles.professions_deja_rpps:
        mot_n = normaliser_metier(mot)
        if mot_n and f" {mot_n} " in cle:
            return PROFESSIONS_DEJA_RPPS.get(mot_n, mot)
    return None


def situation_active(s: SituationExercice, aujourd_hui: date | None = None) -> bool:
    return s.date_fin is None or s.date_fin >= (aujourd_hui or date.today())


@dataclass(frozen=True)
class Statut:
    code: str
    motif: str

    @property
    def libelle(self) -> str:
        return LIBELLES_STATUT[self.code]


def statut(pro: Professionnel, situations: list[SituationExercice], ctx: Contexte,
           aujourd_hui: date | None = None) -> Statut:
    """À enregistrer / non concerné / déjà au RPPS, with the reason, from the OG's rules. Without an RPPS number
    the answer depends only on what the key below holds: a board of thousands of people with a few dozen job
    titles computes each case once."""
    if pro.rpps:
        return Statut(DEJA_RPPS, f"numéro RPPS {pro.rpps} connu")
    aujourd_hui = aujourd_hui or date.today()
    cle = (pro.acces_dui, bool(pro.mssante), bool(pro.consulte_dmp),
           tuple((s.metier, s.genre_activite, situation_active(s, aujourd_hui)) for s in situations))
    connu = ctx._statuts.get(cle)
    if connu is None:
        connu = ctx._statuts[cle] = _statut(pro, situations, ctx, aujourd_hui)
    return connu


def _statut(pro: Professionnel, situations: list[SituationExercice], ctx: Contexte, aujourd_hui: date) -> Statut:
    actives = [s for s in situations if situation_active(s, aujourd_hui)]
    for s in actives or situations:
        profession = ctx.profession_deja_rpps(s.metier)
        if profession:
            return Statut(DEJA_RPPS, f"{profession} : déjà enregistré(e) au RPPS par son Ordre ou l'ARS — "
                                     "rechercher son numéro, ne pas primo-enregistrer")
    if not actives:
        return Statut(NON_CONCERNE, "plus aucune situation d'exercice en cours (date de fin passée)")
    r = ctx.regles
    raisons = []
    for s in actives:
        m = ctx.metier(s.metier)
        if r.critere_dui:
            if pro.acces_dui:
                raisons.append("accède aux données de santé du DUI (indiqué sur la fiche)")
            elif pro.acces_dui is None and s.genre_activite in r.genres_acces_dui and (m is None or m.concerne):
                raisons.append(f"accède au DUI : genre d'activité {s.genre_activite} "
                               f"({GENRES.get(s.genre_activite, '')})")
    if r.critere_mssante and pro.mssante:
        raisons.append("dispose d'une boîte MSSanté nominative")
    if r.critere_dmp and pro.consulte_dmp:
        raisons.append("consulte le DMP")
    if raisons:
        return Statut(A_ENREGISTRER, " ; ".join(dict.fromkeys(raisons)))
    metiers = ", ".join(sorted({s.metier for s in actives if s.metier})) or "sans métier"
    if pro.acces_dui is False:
        return Statut(NON_CONCERNE, "n'accède pas au DUI (indiqué sur la fiche) et aucun autre critère")
    non_concernes = [(s.metier, m) for s in actives if (m := ctx.metier(s.metier)) is not None and not m.concerne]
    if non_concernes:
        titre, m = non_concernes[0]
        ligne = f" (ligne « {m.metier} »)" if m.metier != titre else ""
        return Statut(NON_CONCERNE, f"métier « {titre} » jugé non concerné dans la table métier → rôle{ligne}")
    return Statut(NON_CONCERNE, f"aucun critère de l'organisme rempli ({metiers})")


def proposer(metier: str, ctx: Contexte) -> tuple[str, str]:
    """(rôle, genre) proposed by the OG's table for a job title; ('', '') when unknown or not concerned."""
    m = ctx.metier(metier)
    if m is None or not m.concerne:
        return "", ""
    return m.role, m.genre_activite


def statut_prevu(situations: list[SituationExercice], ctx: Contexte, *, rpps: str = "",
                 existant: Professionnel | None = None) -> Statut:
    """What the commit of an HR file will make of one person: `statut` on the rows of the file (one situation per
    row, its rôle and genre proposed by the table as the commit does) and the flags already on her record. The dry
    run and the commit thus say the same thing."""
    pro = Professionnel(rpps=rpps or (existant.rpps if existant else ""),
                        acces_dui=existant.acces_dui if existant else None,
                        mssante=existant.mssante if existant else "",
                        consulte_dmp=existant.consulte_dmp if existant else False)
    return statut(pro, situations, ctx)


def situation_prevue(metier: str, role: str, genre: str, date_fin: date | None, ctx: Contexte) -> SituationExercice:
    """The situation the commit writes for a row (unsaved): the file's rôle and genre, else the table's."""
    role_p, genre_p = proposer(metier, ctx)
    return SituationExercice(metier=metier, role=role or role_p, genre_activite=genre or genre_p, date_fin=date_fin)


def probleme_metier(metier: str, role: str, prevu: Statut, ctx: Contexte) -> str | None:
    """The dry run's word on a job title absent from the table: a rôle is to choose only when the person will be
    "à enregistrer"; someone already in the RPPS (Infirmier, Psychologue…) or not concerned needs none."""
    if not metier or role or ctx.metier(metier) is not None or prevu.code != A_ENREGISTRER:
        return None
    return (f"métier « {metier} » absent de la table métier → rôle : rôle à choisir (la personne sera à enregistrer "
            f"au RPPS : {prevu.motif})")
