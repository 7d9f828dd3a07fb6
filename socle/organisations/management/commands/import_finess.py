from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.organisations.finess_import import FormatInconnu, importer
from socle.organisations.tasks import tracer_rattachements


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
        try:
            res = importer(
                chemin, departements=options["departement"], categories=options["categorie"],
                dry_run=options["dry_run"], ignorer_rejets=options["ignorer_rejets"],
                anomalies=not options["sans_anomalies"], progression=None if not options["quiet"] else False,
                confirmer_rattachements=options["confirmer_rattachements"],
            )
        except FormatInconnu as exc:
            raise CommandError(f"{chemin.name} : {exc}", returncode=1) from exc
        for ligne in res.lignes():
            self.stdout.write(ligne)
        if res.applique:
            tracer_rattachements(res, None, source=f"commande import-finess {chemin.name}")
            tracer(Action.IMPORT, objet_type="organisations.ImportFiness", objet_id=chemin.name,
                   libelle=f"Import FINESS {chemin.name}", details={"ej": res.ej.as_dict(), "et": res.et.as_dict(),
                                                                      "rejets": res.nb_rejets})
        if res.rejets and not options["ignorer_rejets"]:
            raise CommandError(gettext("%(n)s enregistrement(s) rejeté(s) : import annulé, base inchangée.")
                               % {"n": res.nb_rejets}, returncode=1)
