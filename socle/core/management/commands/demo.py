from django.core.management import call_command
from django.core.management.base import BaseCommand

from socle.core.demo import DEMO_PASSWORD, construire


class Command(BaseCommand):
    help = "Crée ou rafraîchit la base de démonstration (données fictives) puis sert Socle sur 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-serve", action="store_true", help="prépare la base sans lancer le serveur")

    def handle(self, *args, **options):
        self.stdout.write("Mise à jour du schéma de la base…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Données de démonstration…")
        ctx = construire(self.stdout)
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nSocle (démonstration) : {url}"))
        self.stdout.write(f"Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        for persona, username in ctx.comptes.items():
            self.stdout.write(f"  {persona:<45} identifiant : {username}")
        for line in ctx.notes:
            self.stdout.write(line)
        if not options["no_serve"]:
            from django.conf import settings

            settings.SOCLE_DEMO = True
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
