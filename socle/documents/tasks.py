"""Background tasks of the documents app (queue "dmp", run by `socle worker`)."""

from django.tasks import task

from .envoi_dmp import traiter


@task(queue_name="dmp")
def envoyer_au_dmp(envoi_id: int) -> str:
    """Send one document of the DMP outbox (or reconcile it after a crash); returns the row's state."""
    return traiter(envoi_id).etat
