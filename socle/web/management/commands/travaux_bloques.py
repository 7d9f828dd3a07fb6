"""`socle travaux-bloques`: background jobs whose worker died are closed with a message saying what to do
(imports: run again; INS batches: resume). Run it with the daily `socle reminders`; the status pages also do
it when they are opened."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from socle.organisations.tasks import echouer_bloques as finess_bloques
from socle.personnel.tasks import echouer_bloques as personnel_bloques
from socle.usagers.batch import interrompre_bloques


class Command(BaseCommand):
    help = "Clôt les travaux de fond sans signe de vie (imports FINESS et du personnel, lots INSi)."

    def add_arguments(self, parser):
        parser.add_argument("--delai", type=int, default=None,
                            help="minutes sans signe de vie (défaut : SOCLE_TRAVAIL_DELAI_BLOQUE, 15)")

    def handle(self, *args, **opts):
        delai = timedelta(minutes=opts["delai"]) if opts["delai"] is not None else None
        n = {"imports FINESS": finess_bloques(delai), "imports du personnel": personnel_bloques(delai),
             "lots INSi": interrompre_bloques(delai)}
        self.stdout.write("Travaux bloqués clos : " + ", ".join(f"{k} {v}" for k, v in n.items()))
