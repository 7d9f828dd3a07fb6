from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.web.sauvegarde import SauvegardeErreur, sauvegarder


class Command(BaseCommand):
    help = gettext_lazy("Sauvegarde l'installation dans une archive : base de données, fichiers déposés et clé "
                        "SOCLE_SECRETS_KEY (à conserver chiffrée, comme la base).")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help=gettext("archive à écrire (.tar.gz)"))
        parser.add_argument("--format", choices=["natif", "json"], default="natif",
                            help=gettext("natif : copie SQLite ou pg_dump (défaut) ; json : dumpdata, "
                                         "restaurable sur l'autre moteur"))

    def handle(self, *args, **options):
        try:
            m = sauvegarder(options["out"], format_base=options["format"])
        except SauvegardeErreur as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(gettext("Sauvegarde écrite : %(out)s (base %(moteur)s au format %(format)s, "
                                  "%(n)s fichier(s) déposé(s), clé des secrets incluse).")
                          % {"out": options["out"], "moteur": m.moteur, "format": m.format_base,
                             "n": m.fichiers_media})
