"""`socle dmp-envois`: process the DMP outbox now — every row due, and every row a dead worker left mid-call
(checked with the DMP before anything is sent again). For the daily sweep next to `socle travaux-bloques`, or a
task backend that cannot defer the retries."""

from django.core.management.base import BaseCommand

from socle.documents.envoi_dmp import traiter_tout


class Command(BaseCommand):
    help = "Traite la file d'envoi au DMP (envois dus et envois interrompus)."

    def handle(self, *args, **options):
        compte = traiter_tout()
        if not compte:
            self.stdout.write("Aucun envoi au DMP à traiter.")
            return
        self.stdout.write("Envois au DMP traités : " + ", ".join(f"{k} {v}" for k, v in sorted(compte.items())))
