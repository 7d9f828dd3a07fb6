from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socle.personnel.services import rapport_csv, rapprocher_annuaire

from ._commun import organisme


class Command(BaseCommand):
    help = ("Rapproche le personnel d'un organisme de l'extraction publique de l'Annuaire Santé "
            "(PS_LibreAcces_Personne_activite, zip ou texte) : déjà au RPPS, à vérifier, partis, manquants.")

    def add_arguments(self, parser):
        parser.add_argument("fichier")
        parser.add_argument("--og", required=True, help="FINESS juridique de l'organisme gestionnaire")
        parser.add_argument("--out", help="écrit le détail (trouvés, à vérifier, partis, manquants) dans ce CSV")

    def handle(self, *args, **opts):
        og = organisme(opts["og"])
        path = Path(opts["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            run = rapprocher_annuaire(path, og, nom_fichier=path.name)
        except ImportError as exc:
            raise CommandError("Le moteur de rapprochement (socle.personnel.annuaire) n'est pas installé.") from exc
        except ValueError as exc:  # AnnuaireInvalide
            raise CommandError(f"Fichier refusé : {exc}", returncode=1) from exc
        if opts.get("out"):
            Path(opts["out"]).write_bytes(rapport_csv(run))
        r = run.resume
        self.stdout.write(self.style.SUCCESS(
            f"Rapprochement : {r['trouves']} déjà au RPPS ({r['rpps_renseignes']} numéro(s) ajouté(s) aux fiches), "
            f"{r['a_verifier']} à vérifier, {r['partis']} parti(s) à clôturer sur le portail, "
            f"{r['manquants']} toujours absent(s)."))
