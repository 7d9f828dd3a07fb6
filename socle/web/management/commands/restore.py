from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.web.sauvegarde import SauvegardeErreur, restaurer


class Command(BaseCommand):
    help = gettext_lazy("Restaure une archive de « socle backup » (base, fichiers déposés, clés). Arrêtez le "
                        "service web et les workers avant.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true",
                            help=gettext("écrase une installation qui contient déjà des données"))

    def handle(self, *args, **options):
        try:
            m = restaurer(options["archive"], force=options["force"])
        except SauvegardeErreur as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(gettext("Sauvegarde du %(date)s restaurée (base %(format)s, %(n)s fichier(s) déposé(s)).")
                          % {"date": m.cree_le, "format": m.format_base, "n": m.fichiers_media})
