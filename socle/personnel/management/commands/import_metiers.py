from django.core.management.base import BaseCommand, CommandError

from socle.personnel.rules import charger_metiers, lire_table_metiers

from ._commun import organisme


class Command(BaseCommand):
    help = ("Charge une table métier → rôle (metier;role_numero;genre_activite[;role]) dans la table d'un "
            "organisme ; les lignes du fichier remplacent celles de même métier, les autres sont gardées.")

    def add_arguments(self, parser):
        parser.add_argument("fichier")
        parser.add_argument("--og", required=True, help="FINESS juridique de l'organisme gestionnaire")

    def handle(self, *args, **opts):
        og = organisme(opts["og"])
        try:
            lignes = lire_table_metiers(opts["fichier"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"Table refusée : {exc}", returncode=1) from exc
        crees, maj = charger_metiers(og, lignes, f"fichier {opts['fichier']}")
        self.stdout.write(self.style.SUCCESS(f"{len(lignes)} métier(s) lus : {crees} ajouté(s), {maj} mis à jour."))
