"""Background tasks of the usagers app (queue "ins", run by `socle worker`)."""

from django.tasks import task

from .batch import executer_lot


@task(queue_name="ins")
def executer_lot_ins(lot_id: int) -> dict:
    """Run or resume an INSi backlog batch; returns the per-state counts."""
    return executer_lot(lot_id).compte()


@task(queue_name="imports")
def traiter_import_dui(echange_id: int, valider: bool) -> str:
    """Dry run or commit of a large DUI file uploaded from the screen (usagers.echanges)."""
    from .echanges.travaux import executer_import

    return executer_import(echange_id, valider).statut
