"""Business rules of the prerequisites cockpit, as plain functions on plain data (no HTTP, no query).

A state is anything with `statut`, `date_envoi`, `date_fait` (the EtatEtape model, or EtatSimple in tests);
a missing state means "à faire". For an ESMS, pass the OG's states merged with the ESMS's own: step ids are
distinct between levels, and ESMS steps may depend on OG steps.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from socle.comptes.models import Fonction

from .catalogue import BRANCHES_LIBELLES, ETAPES, ORDRE, Branche, Etape

A_FAIRE, EN_COURS, FAIT, NON_APPLICABLE = "a_faire", "en_cours", "fait", "na"
TERMINES = {FAIT, NON_APPLICABLE}
SEUILS_EXPIRATION = (90, 30, 7)
# Functions that coordinate: they see every actionable step of their perimeter among their next actions.
COORDINATION = {Fonction.CHEF_PROJET.value}
# Functions allowed to change any step besides its owner function.
MODIFICATION_TOUTE_ETAPE = {Fonction.REPRESENTANT_LEGAL.value, Fonction.CHEF_PROJET.value}


@dataclass(frozen=True)
class EtatSimple:
    statut: str = A_FAIRE
    date_envoi: date | None = None
    date_fait: date | None = None
    motif_non_applicable: str = ""


@dataclass(frozen=True)
class Fenetre:
    """Earliest start, earliest and latest typical end of a step."""

    debut: date | None
    fin_min: date | None
    fin_max: date | None


@dataclass(frozen=True)
class Avertissement:
    jalon: str
    etape: str
    gravite: str  # "impossible" | "a_risque" | "depasse"
    message: str


def branches(dui) -> set[str]:
    """Branches of the chain one ESMS takes, from its DUI record (anything with `insi_certificat` and
    `alimentation_dmp`). Without a record: INSi by certificate, as Socle itself calls INSi, and no DMP feed."""
    if dui is None:
        return {Branche.INSI_CERTIFICAT.value}
    out = {Branche.INSI_CERTIFICAT.value if dui.insi_certificat else Branche.INSI_CARTE.value}
    if dui.alimentation_dmp:
        out.add(Branche.DMP_CERTIFICAT.value)
    return out


def branches_organisme(duis: Iterable) -> set[str]:
    """Branches an OG's own steps serve: those of any of its active ESMS (`duis`: one DUI record or None per ESMS;
    an OG without ESMS counts as one ESMS without record)."""
    duis = list(duis) or [None]
    return set().union(*(branches(d) for d in duis))


def hors_branches(etape_id: str, actives: set[str]) -> bool:
    e = ETAPES.get(etape_id)
    return e is not None and bool(e.branches) and not (set(e.branches) & actives)


def appliquer_branches(etats: Mapping, actives: set[str]) -> dict:
    """The states with every step of a branch not taken marked "non applicable" (whatever was recorded for it):
    a card-only ESMS waits for no certificate, a certificate ESMS for no INSi card."""
    out = dict(etats)
    for i in ORDRE:
        if hors_branches(i, actives):
            noms = " ou ".join(BRANCHES_LIBELLES[Branche(b)] for b in ETAPES[i].branches)
            out[i] = EtatSimple(NON_APPLICABLE, motif_non_applicable=f"Hors du parcours retenu (pas de {noms} "
                                                                      "dans le DUI).")
    return out


def statut(etats: Mapping, etape_id: str) -> str:
    e = etats.get(etape_id)
    return e.statut if e is not None else A_FAIRE


def est_termine(etats: Mapping, etape_id: str) -> bool:
    return statut(etats, etape_id) in TERMINES


def prerequis_manquants(etape_id: str, etats: Mapping) -> list[str]:
    """Direct prerequisites not yet done (nor declared not applicable)."""
    return [p for p in ETAPES[etape_id].prerequis if not est_termine(etats, p)]


def est_bloquee(etape_id: str, etats: Mapping) -> bool:
    return not est_termine(etats, etape_id) and bool(prerequis_manquants(etape_id, etats))


def bloquee_par(etape_id: str, etats: Mapping) -> list[str]:
    """The unfinished ancestors that can be worked on now: what actually holds this step back."""
    if est_termine(etats, etape_id):
        return []
    racines: list[str] = []
    vus: set[str] = set()
    pile = list(prerequis_manquants(etape_id, etats))
    while pile:
        p = pile.pop()
        if p in vus:
            continue
        vus.add(p)
        manquants = prerequis_manquants(p, etats)
        if manquants:
            pile.extend(manquants)
        elif p not in racines:
            racines.append(p)
    return [i for i in ORDRE if i in racines]


def actions_suivantes(etats: Mapping, fonctions: Iterable[str], etapes: Iterable[str] | None = None) -> list[Etape]:
    """Steps to do or in progress, not blocked, owned by one of `fonctions` (coordinators get them all)."""
    fonctions = set(fonctions)
    ids = list(etapes) if etapes is not None else ORDRE
    tout = bool(fonctions & COORDINATION)
    return [ETAPES[i] for i in ORDRE if i in ids and not est_termine(etats, i) and not est_bloquee(i, etats)
            and (tout or ETAPES[i].responsable in fonctions)]


def peut_modifier(etape_id: str, fonctions: Iterable[str]) -> bool:
    """Only the step's owner function, the représentant légal or the chef de projet may change a step."""
    fonctions = set(fonctions)
    return ETAPES[etape_id].responsable in fonctions or bool(fonctions & MODIFICATION_TOUTE_ETAPE)


def dates_au_plus_tot(etats: Mapping, aujourdhui: date, etapes: Iterable[str] | None = None) -> dict[str, Fenetre]:
    """Earliest feasible dates along the DAG with the typical delays; done steps keep their real date,
    in-progress steps count from their sending date, and nothing ends before today unless it is done."""
    ids = set(etapes) if etapes is not None else set(ORDRE)
    fen: dict[str, Fenetre] = {}
    for i in ORDRE:
        if i not in ids:
            continue
        e, st = ETAPES[i], etats.get(i)
        s = st.statut if st is not None else A_FAIRE
        if s == FAIT:
            d = st.date_fait or aujourdhui
            fen[i] = Fenetre(st.date_envoi or d, d, d)
            continue
        if s == NON_APPLICABLE:
            fen[i] = Fenetre(None, None, None)
            continue
        prereq = [fen[p] for p in e.prerequis if p in fen]
        if s == EN_COURS and st.date_envoi:
            debut = st.date_envoi
            fin_min = max(debut + timedelta(days=e.delai_min), aujourdhui)
            fin_max = max(debut + timedelta(days=e.delai_max), aujourdhui)
        else:
            debut = max([aujourdhui, *(f.fin_min for f in prereq if f.fin_min)])
            debut_tard = max([aujourdhui, *(f.fin_max for f in prereq if f.fin_max)])
            fin_min = debut + timedelta(days=e.delai_min)
            fin_max = debut_tard + timedelta(days=e.delai_max)
        fen[i] = Fenetre(debut, fin_min, fin_max)
    return fen


def en_retard(etape_id: str, etats: Mapping, aujourdhui: date, jalons: Iterable = ()) -> bool:
    """Late: in progress beyond its longest typical delay, or not done after a confirmed milestone that needs it."""
    if est_termine(etats, etape_id):
        return False
    st = etats.get(etape_id)
    if st is not None and st.statut == EN_COURS and st.date_envoi:
        if aujourdhui > st.date_envoi + timedelta(days=ETAPES[etape_id].delai_max):
            return True
    # a default date nobody confirmed yet ("à confirmer") makes nobody late: it only warns (faisabilite)
    return any(etape_id in j.etapes and j.date_cible < aujourdhui and not getattr(j, "a_confirmer", False)
               for j in jalons)


def faisabilite(jalons: Iterable, fenetres: Mapping[str, Fenetre], etats: Mapping,
                aujourdhui: date) -> list[Avertissement]:
    """Warnings for each milestone whose steps cannot (or may not) be done by its target date."""
    out: list[Avertissement] = []
    for j in jalons:
        libelle = j.libelle + (" (date à confirmer)" if getattr(j, "a_confirmer", False) else "")
        for i in j.etapes:
            if i not in fenetres or est_termine(etats, i):
                continue
            f = fenetres[i]
            titre = ETAPES[i].titre
            if j.date_cible < aujourdhui:
                out.append(Avertissement(j.code, i, "depasse",
                                         f"« {libelle} » : échéance du {j.date_cible:%d/%m/%Y} dépassée, "
                                         f"« {titre} » n'est pas faite."))
            elif f.fin_min and f.fin_min > j.date_cible:
                out.append(Avertissement(j.code, i, "impossible",
                                         f"« {libelle} » ({j.date_cible:%d/%m/%Y}) ne peut pas être tenu : "
                                         f"« {titre} » sera faite au plus tôt le {f.fin_min:%d/%m/%Y}."))
            elif f.fin_max and f.fin_max > j.date_cible:
                out.append(Avertissement(j.code, i, "a_risque",
                                         f"« {libelle} » ({j.date_cible:%d/%m/%Y}) est à risque : avec les délais "
                                         f"habituels, « {titre} » peut finir le {f.fin_max:%d/%m/%Y}."))
    return out


def seuil_expiration(not_after: date, aujourdhui: date) -> int | None:
    """The alert threshold reached by a certificate: 90, 30 or 7 days before expiry, 0 once expired."""
    reste = (not_after - aujourdhui).days
    if reste < 0:
        return 0
    for s in sorted(SEUILS_EXPIRATION):
        if reste <= s:
            return s
    return None


# --- cards (inventory) ------------------------------------------------------------------------------------------

# The forms and channels of each card (Collectif SI MS Pays de la Loire; ARS Île-de-France webinar, 24/04/2024).
CANAUX_CARTE: dict[str, tuple[str, ...]] = {
    "CDE": ("F101", "DS"),
    "CPE": ("F301", "DS", "TOM"),
    "CPA": ("F301", "DS", "TOM"),
    "CPS": ("F201", "DS", "TOM", "ARS_ORDRE"),
}
LIBELLES_CANAL = {"F101": "contrat d'adhésion F101 (avec la demande de carte CDE)", "F201": "formulaire F201",
                  "F301": "formulaire F301", "DS": "Démarches simplifiées", "TOM": "téléservice TOM",
                  "ARS_ORDRE": "ARS ou Ordre (professionnel de santé libéral)"}
DELAI_ACTIVATION_RPPS = timedelta(days=2)  # 48 h after RPPS+ registration


def controler_carte(type_carte: str, canal: str, inscription_rpps: date | None, reception: date | None,
                    activation: date | None) -> list[str]:
    """What is wrong with one card of the inventory, in French: the form or channel of its type, a CPE holder
    given an RPPS+ registration (CPE holders are not in RPPS+), activation before reception, or a card of an
    RPPS+-registered professional activated less than 48 h after the registration."""
    erreurs = []
    permis = CANAUX_CARTE.get(type_carte, ())
    if canal and canal not in permis:
        erreurs.append(f"Une carte {type_carte} ne se commande pas par « {LIBELLES_CANAL.get(canal, canal)} » : "
                       f"canaux possibles : {', '.join(LIBELLES_CANAL[c] for c in permis)}.")
    if type_carte == "CPE" and inscription_rpps:
        erreurs.append("Les titulaires d'une CPE ne sont pas enregistrés dans RPPS+ : laissez vide la date "
                       "d'inscription RPPS+ (la règle des 48 h ne concerne que les professionnels enregistrés).")
    if activation and not reception:
        erreurs.append("Indiquez la date de réception : une carte s'active après sa réception.")
    if activation and inscription_rpps and type_carte != "CPE" and activation < inscription_rpps + DELAI_ACTIVATION_RPPS:
        erreurs.append("Une carte CPx ne peut être activée que 48 h après l'inscription RPPS+ de son titulaire.")
    return erreurs
