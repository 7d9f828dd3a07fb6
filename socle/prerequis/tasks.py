"""Background tasks of the prerequisites cockpit."""

from django.tasks import task

from .services import envoyer_rappels


@task(queue_name="default")
def rappels_quotidiens() -> dict[str, int]:
    """Daily reminders (late steps, expiring certificates); safe to run several times a day."""
    return envoyer_rappels()
