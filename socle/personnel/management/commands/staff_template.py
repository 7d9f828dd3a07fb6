from django.core.management.base import BaseCommand

from socle.personnel.importer import gabarit_csv


class Command(BaseCommand):
    help = ("Affiche le gabarit Socle du fichier du personnel : « ; », UTF-8, dates jj/mm/aaaa, prénoms séparés par "
            "des virgules, avec une ligne d'exemple fictive.")

    def add_arguments(self, parser):
        parser.add_argument("--sans-exemple", action="store_true", help="seulement la ligne d'en-tête")

    def handle(self, *args, **opts):
        texte = gabarit_csv()
        if opts["sans_exemple"]:
            texte = texte.splitlines()[0] + "\n"
        self.stdout.write(texte, ending="")
