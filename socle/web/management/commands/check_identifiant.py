from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.core.identifiants import CHECKS

LABELS = {"finess": gettext_lazy("numéro FINESS"), "rpps": gettext_lazy("numéro RPPS"), "nir": gettext_lazy("NIR / NIA")}


class Command(BaseCommand):
    help = gettext_lazy("Vérifie un identifiant national : socle check finess|rpps|nir NUMERO "
                        "(code retour 0 valide, 1 sinon).")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("type", choices=sorted(CHECKS))
        parser.add_argument("numero")

    def handle(self, *args, **options):
        kind, numero = options["type"], options["numero"]
        error = CHECKS[kind](numero)
        if error:
            raise CommandError(gettext("%(label)s « %(numero)s » invalide : %(erreur)s")
                               % {"label": LABELS[kind], "numero": numero, "erreur": error}, returncode=1)
        self.stdout.write(gettext("%(label)s « %(numero)s » valide.") % {"label": LABELS[kind], "numero": numero})
