from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socle.organisations.models import Etablissement, Grappe
from socle.personnel.export import exporter_pour
from socle.personnel.importer import FichierIllisible, verifier_taille
from socle.personnel.services import importer_retour_portail

from ._commun import organisme


class Command(BaseCommand):
    help = ("RPPS+ : « export » écrit les fichiers d'enregistrement en masse (un par FINESS géographique, 200 lignes "
            "au plus) et erreurs.csv ; « retour » enregistre les numéros RPPS reçus du portail.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("export", help="fichiers d'enregistrement en masse")
        e.add_argument("--og", help="FINESS juridique de l'organisme gestionnaire")
        e.add_argument("--grappe", type=int, help="identifiant de la grappe (tous ses organismes)")
        e.add_argument("--out", required=True, help="dossier de sortie")
        r = sub.add_parser("retour", help="numéros RPPS reçus (nom;prenom;date_naissance;rpps)")
        r.add_argument("fichier")
        r.add_argument("--og", required=True)
        r.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **opts):
        if opts["action"] == "export":
            self.export(opts)
        else:
            self.retour(opts)

    def export(self, opts):
        if not opts["og"] and not opts["grappe"]:
            raise CommandError("Précisez --og FINESS_EJ ou --grappe ID.")
        ets = Etablissement.objects.select_related("organisme")
        if opts["grappe"]:
            grappe = Grappe.objects.filter(pk=opts["grappe"]).first()
            if grappe is None:
                raise CommandError(f"Grappe {opts['grappe']} inconnue.")
            ets = ets.filter(organisme__grappes=grappe)
            objet = grappe
        if opts["og"]:
            og = organisme(opts["og"])
            ets = ets.filter(organisme=og)
            objet = og
        res = exporter_pour(objet, ets.order_by("finess"))
        fichiers = res.ecrire(Path(opts["out"]))
        self.stdout.write(res.resume())
        self.stdout.write(self.style.SUCCESS(f"{len(fichiers)} fichier(s) écrit(s) dans {opts['out']}"))

    def retour(self, opts):
        og = organisme(opts["og"])
        chemin = Path(opts["fichier"])
        try:
            verifier_taille(chemin.stat().st_size)
            res = importer_retour_portail(chemin.read_bytes(), og, dry_run=opts["dry_run"], nom_fichier=chemin.name)
        except FichierIllisible as exc:
            raise CommandError(f"Fichier refusé : {exc}", returncode=1) from exc
        for e in res.erreurs:
            self.stdout.write(e)
        if res.nb_erreurs > len(res.erreurs):
            self.stdout.write(f"… et {res.nb_erreurs - len(res.erreurs)} autre(s) erreur(s)")
        if res.erreurs:
            raise CommandError(f"{res.nb_erreurs} erreur(s) : aucun numéro enregistré.", returncode=1)
        verbe = "seraient enregistrés" if opts["dry_run"] else "enregistré(s)"
        self.stdout.write(self.style.SUCCESS(f"{len(res.appliques)} numéro(s) RPPS {verbe}, {res.deja} déjà connu(s)."))
