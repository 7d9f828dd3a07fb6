"""Adapters turning each domain's own figures into the dashboard's common shape."""

from django.db.models import QuerySet

from socle.organisations.models import Etablissement
from socle.personnel.services import syntheses, totaux_personnes
from socle.prerequis import rules
from socle.prerequis.services import vue_organisme
from socle.usagers import affichage
from socle.usagers.services import stats_identites as figures


def _pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


def stats_prerequis(etablissements: QuerySet[Etablissement]) -> dict:
    """Prerequisite steps for these ESMS: the OG-level steps of their OG (counted once per OG) plus their own
    ESMS-level steps. `bloquees` = not done and waiting on another step; `en_retard` = past its target."""
    ids = set(etablissements.values_list("pk", flat=True))
    faites = total = bloquees = en_retard = 0
    ogs = {et.organisme for et in etablissements.select_related("organisme")}
    for og in ogs:
        vue = vue_organisme(og)
        lignes = list(vue.lignes)
        for et, ls in vue.esms:
            if et.pk in ids:
                lignes += ls
        for lg in lignes:
            total += 1
            faites += lg.statut in rules.TERMINES
            bloquees += bool(lg.bloquee) and lg.statut not in rules.TERMINES
            en_retard += bool(lg.en_retard)
    return {"faites": faites, "total": total, "bloquees": bloquees, "en_retard": en_retard,
            "taux_faits": _pct(faites, total)}


def stats_rpps(etablissements: QuerySet[Etablissement]) -> dict:
    """RPPS+ progress: among the professionals concerned (to register, or already in the RPPS through an
    Ordre), how many have their RPPS number. A person working in two of these ESMS counts once."""
    t = totaux_personnes(syntheses(etablissements))
    concernes = t["personnes"] - t["non_concernes"]
    return {"enregistres": t["enregistres"], "concernes": concernes, "erreurs": t["erreurs"],
            "a_enregistrer": t["a_enregistrer"], "a_rechercher": t["a_rechercher"],
            "taux_enregistres": _pct(t["enregistres"], concernes)}


def stats_identites(etablissements: QuerySet[Etablissement]) -> dict:
    """Identity statuses (RNIV) of the usagers followed by these ESMS, from the usagers app's own figures and
    colours (socle.usagers.affichage, the same as on the usagers screens)."""
    s = figures(etablissements, semaines=8)
    qualifiees = s["par_statut"].get("QUAL", 0)
    return {
        "total": s["total"], "qualifiee": qualifiees, "taux_qualifiees": _pct(qualifiees, s["total"]),
        "statuts": [{"libelle": x["libelle"], "nombre": x["n"], "pourcentage": x["pourcent"],
                     "couleur": affichage.couleur(x["code"])} for x in s["statuts"]],
        "anomalies_total": s["anomalies_total"], "anomalies": s["anomalies"], "progression": s["progression"],
    }
