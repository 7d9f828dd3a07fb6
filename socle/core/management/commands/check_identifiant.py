from django.core.management.base import BaseCommand, CommandError

from socle.core.identifiants import CHECKS

LABELS = {"finess": "numéro FINESS", "rpps": "numéro RPPS", "nir": "NIR / NIA"}


class Command(BaseCommand):
    help = "Vérifie un identifiant national : socle check finess|rpps|nir NUMERO (code retour 0 valide, 1 sinon)."

    def add_arguments(self, parser):
        parser.add_argument("type", choices=sorted(CHECKS))
        parser.add_argument("numero")

    def handle(self, *args, **options):
        kind, numero = options["type"], options["numero"]
        error = CHECKS[kind](numero)
        if error:
            raise CommandError(f"{LABELS[kind]} « {numero} » invalide : {error}", returncode=1)
        self.stdout.write(f"{LABELS[kind]} « {numero} » valide.")
