"""Background tasks of the usagers app (queue "ins", run by `socle worker`)."""

from django.tasks import task

from .batch import executer_lot


@task(queue_name="ins")
def executer_lot_ins(lot_id: int) -> dict:
    """Run or resume an INSi backlog batch; returns the per-state counts."""
    return executer_lot(lot_id).compte()
