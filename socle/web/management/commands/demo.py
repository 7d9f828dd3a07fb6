import contextlib

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.comptes.demo import DEMO_PASSWORD
from socle.web.demo import construire, travailleur


class Command(BaseCommand):
    help = gettext_lazy("Crée ou rafraîchit la base de démonstration (données fictives) puis sert Socle sur 127.0.0.1.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-serve", action="store_true", help=gettext("prépare la base sans lancer le serveur"))
        parser.add_argument("--no-worker", action="store_true",
                            help=gettext("ne lance pas le travailleur des traitements en arrière-plan (lots INS, "
                                         "imports) à côté du serveur"))

    def handle(self, *args, **options):
        if settings.SOCLE_PRODUCTION:
            raise CommandError(gettext("La démonstration crée des comptes au mot de passe connu de tous : elle est "
                                       "refusée en mode production (SOCLE_PRODUCTION=true)."))
        self.stdout.write(gettext("Mise à jour du schéma de la base…"))
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(gettext("Données de démonstration…"))
        ctx = construire(self.stdout)
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(self.style.SUCCESS("\n" + gettext("Socle (démonstration) : %(url)s") % {"url": url}))
        self.stdout.write(gettext("Mot de passe de tous les comptes : %(mdp)s") % {"mdp": DEMO_PASSWORD})
        for persona, username in ctx.comptes.items():
            self.stdout.write("  " + gettext("%(persona)s identifiant : %(username)s")
                              % {"persona": f"{persona:<45}", "username": username})
        for line in ctx.notes:
            self.stdout.write(line)
        if not options["no_serve"]:
            settings.SOCLE_DEMO = True
            with contextlib.ExitStack() as pile:
                if not options["no_worker"]:
                    pile.enter_context(travailleur(self.stdout))
                call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
