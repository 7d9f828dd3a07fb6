from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.organisations.finess_import import EcritureInterrompue
from socle.organisations.models import ImportFiness
from socle.organisations.tasks import lancer_import


class Command(BaseCommand):
    help = gettext_lazy(
        "Importe l'open data FINESS (flux JSON « structures » ou CSV etalab, éventuellement .gz/.zip). "
        "Tout ou rien : si un enregistrement est rejeté, rien n'est enregistré (code retour 1), sauf avec "
        "--ignorer-rejets."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("fichier", help=gettext("fichier FINESS (.json, .csv, .gz ou .zip)"))
        parser.add_argument("--departement", action="append", default=[], metavar="DEP",
                            help=gettext("ne garder que ce département (01, 2A, 974…) ; répétable"))
        parser.add_argument("--categorie", action="append", default=[], metavar="CODE",
                            help=gettext("ne garder que cette catégorie d'établissement (500, 182…) ; répétable"))
        parser.add_argument("--dry-run", action="store_true", help=gettext("simuler : tout vérifier, ne rien enregistrer"))
        parser.add_argument("--ignorer-rejets", action="store_true",
                            help=gettext("enregistrer les enregistrements valides et lister les rejetés (fichier national)"))
        parser.add_argument("--sans-anomalies", action="store_true",
                            help=gettext("ne pas calculer les anomalies FINESS des organismes importés"))
        parser.add_argument("--confirmer-rattachements", action="store_true",
                            help=gettext("appliquer les changements d'organisme gestionnaire d'un ESMS existant "
                                         "(chacun journalisé) ; sans cette option ils sont rejetés"))
        parser.add_argument("--quiet", action="store_true", help=gettext("pas de barre de progression"))

    def handle(self, *args, **options):
        chemin = Path(options["fichier"])
        if not chemin.is_file():
            raise CommandError(gettext("fichier introuvable : %(chemin)s") % {"chemin": chemin}, returncode=1)
        # The installation's operator: the whole reference may change; the run leaves the same ImportFiness
        # record and audit event as an import from the screen.
        try:
            run = lancer_import(chemin=chemin, en_arriere_plan=False, options={
                "departements": options["departement"], "categories": options["categorie"],
                "dry_run": options["dry_run"], "ignorer_rejets": options["ignorer_rejets"],
                "sans_anomalies": options["sans_anomalies"], "progression": None if not options["quiet"] else False,
                "confirmer_rattachements": options["confirmer_rattachements"], "organismes_autorises": None})
        except EcritureInterrompue as exc:
            raise CommandError(f"{chemin.name} : {exc}", returncode=1) from exc
        if run.statut == ImportFiness.Statut.ERREUR:
            raise CommandError(f"{chemin.name} : {run.message}", returncode=1)
        for ligne in run.resume:
            self.stdout.write(ligne)
        self.stdout.write(gettext("Import FINESS n° %(n)s enregistré (statut : %(statut)s).")
                          % {"n": run.pk, "statut": run.get_statut_display()})
        if run.statut == ImportFiness.Statut.REJETE:
            raise CommandError(gettext("%(n)s enregistrement(s) rejeté(s) : import annulé, base inchangée.")
                               % {"n": run.compteurs.get("nb_rejets", 0)}, returncode=1)
