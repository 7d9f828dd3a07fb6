"""Adapters turning each domain's own figures into the dashboard's common shape.

Each adapter takes the ESMS of a dashboard (a list, their OG loaded) and returns the figures of the whole set and,
when `detail` is asked, those of each ESMS, from one pass over grouped queries: a fixed number of queries for an
ESMS or for a grappe of 300 (issue 11: one full computation per ESMS line took 665 queries for 30 ESMS)."""

from socle.organisations.models import Etablissement
from socle.personnel.services import totaux_par_esms
from socle.prerequis import rules
from socle.prerequis.services import vues_organismes
from socle.usagers import affichage
from socle.usagers.services import stats_identites as figures
from socle.usagers.services import statuts_par_etablissement

Figures = tuple[dict, dict[int, dict]]  # (the whole set, per ESMS id)


def _pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


def _prerequis(lignes) -> dict:
    faites = total = bloquees = en_retard = 0
    for lg in lignes:
        if lg.statut == rules.NON_APPLICABLE:  # "faites x/y" over the applicable steps only
            continue
        total += 1
        faites += lg.statut == rules.FAIT
        bloquees += bool(lg.bloquee) and lg.statut not in rules.TERMINES
        en_retard += bool(lg.en_retard)
    return {"faites": faites, "total": total, "bloquees": bloquees, "en_retard": en_retard,
            "taux_faits": _pct(faites, total)}


def stats_prerequis(etablissements: list[Etablissement], detail: bool = False) -> Figures:
    """Prerequisite steps for these ESMS: the OG-level steps of their OG (counted once per OG) plus their own
    ESMS-level steps. `bloquees` = not done and waiting on another step; `en_retard` = past its target."""
    ids = {et.pk for et in etablissements}
    ogs = {et.organisme_id: et.organisme for et in etablissements}
    tout, par_esms = [], {}
    for vue in vues_organismes(ogs.values(), etablissements=etablissements).values():
        lignes_og = list(vue.lignes)
        tout += lignes_og
        for et, ls in vue.esms:
            if et.pk in ids:
                tout += ls
                if detail:
                    par_esms[et.pk] = _prerequis(lignes_og + ls)
    return _prerequis(tout), par_esms


def _rpps(t: dict) -> dict:
    concernes = t["personnes"] - t["non_concernes"]
    return {"enregistres": t["enregistres"], "concernes": concernes, "erreurs": t["erreurs"],
            "a_enregistrer": t["a_enregistrer"], "a_rechercher": t["a_rechercher"],
            "taux_enregistres": _pct(t["enregistres"], concernes), "signe_ecps": t["signe_ecps"]}


def stats_rpps(etablissements: list[Etablissement], detail: bool = False) -> Figures:
    """RPPS+ progress: among the professionals concerned (to register, or already in the RPPS through an
    Ordre), how many have their RPPS number. A person working in two of these ESMS counts once."""
    ensemble, par_esms = totaux_par_esms(etablissements)
    return _rpps(ensemble), ({pk: _rpps(t) for pk, t in par_esms.items()} if detail else {})


def stats_identites(etablissements: list[Etablissement], detail: bool = False) -> Figures:
    """Identity statuses (RNIV) of the usagers followed by these ESMS, from the usagers app's own figures and
    colours (socle.usagers.affichage, the same as on the usagers screens)."""
    s = figures(etablissements, semaines=8)
    qualifiees = s["par_statut"].get("QUAL", 0)
    ensemble = {
        "total": s["total"], "qualifiee": qualifiees, "taux_qualifiees": _pct(qualifiees, s["total"]),
        "statuts": [{"libelle": x["libelle"], "nombre": x["n"], "pourcentage": x["pourcent"],
                     "couleur": affichage.couleur(x["code"])} for x in s["statuts"]],
        "anomalies_total": s["anomalies_total"], "anomalies": s["anomalies"], "progression": s["progression"],
    }
    par_esms = {}
    if detail:
        statuts = statuts_par_etablissement(etablissements)
        for et in etablissements:
            c = statuts.get(et.pk, {})
            total, qual = sum(c.values()), c.get("QUAL", 0)
            par_esms[et.pk] = {"total": total, "qualifiee": qual, "taux_qualifiees": _pct(qual, total)}
    return ensemble, par_esms
