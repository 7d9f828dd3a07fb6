"""Adapters turning each domain's own figures into the dashboard's common shape. A domain not installed
yet simply gives no figure."""

from django.db.models import QuerySet

from socle.organisations.models import Etablissement


def _pct(part: int, total: int) -> float:
    return 100.0 * part / total if total else 0.0


def stats_prerequis(etablissements: QuerySet[Etablissement]) -> dict:
    """Prerequisite steps for these ESMS: the OG-level steps of their OG (counted once per OG) plus their own
    ESMS-level steps. `bloquees` = not done and waiting on another step; `en_retard` = past its target."""
    from socle.prerequis import rules
    from socle.prerequis.services import vue_organisme

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
