from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socle.personnel.importer import FichierIllisible, ImportRefuse, analyser, importer, verifier_taille
from socle.personnel.models import MappingColonnes

from ._commun import organisme


class Command(BaseCommand):
    help = ("Importe le fichier du personnel (CSV ou XLSX) d'un organisme : gabarit Socle, ou tout export RH avec "
            "une correspondance de colonnes mémorisée (--mapping). --dry-run liste chaque problème sans rien écrire.")

    def add_arguments(self, parser):
        parser.add_argument("fichier")
        parser.add_argument("--og", required=True, help="FINESS juridique de l'organisme gestionnaire")
        parser.add_argument("--dry-run", action="store_true", help="simulation : rien n'est enregistré")
        parser.add_argument("--mapping", help="nom d'une correspondance de colonnes enregistrée pour l'organisme")

    def handle(self, *args, **opts):
        og = organisme(opts["og"])
        path = Path(opts["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        mapping, format_date = None, "%d/%m/%Y"
        if opts["mapping"]:
            m = MappingColonnes.objects.filter(organisme=og, nom=opts["mapping"]).first()
            if m is None:
                noms = ", ".join(MappingColonnes.objects.filter(organisme=og).values_list("nom", flat=True)) or "aucune"
                raise CommandError(f"Correspondance « {opts['mapping']} » inconnue pour cet organisme ({noms}).")
            mapping, format_date = m.correspondances, m.format_date
        try:
            verifier_taille(path.stat().st_size)
            contenu = path.read_bytes()
            if opts["dry_run"]:
                analyse = analyser(contenu, path.name, og, mapping, format_date)
                self._rapport(analyse)
                if analyse.bloquants:
                    raise CommandError(f"Simulation : {len(analyse.bloquants)} erreur(s) bloquante(s), "
                                       f"{len(analyse.a_completer)} information(s) à compléter. Rien n'a été écrit.",
                                       returncode=1)
                self.stdout.write(self.style.SUCCESS(
                    f"Simulation : {len(analyse.lignes)} ligne(s) importables, {len(analyse.a_completer)} "
                    "information(s) à compléter. Rien n'a été écrit."))
                return
            analyse, res = importer(contenu, path.name, og, mapping, format_date)
        except FichierIllisible as exc:
            raise CommandError(f"Fichier refusé : {exc}", returncode=1) from exc
        except ImportRefuse as exc:
            self._rapport(exc.analyse)
            raise CommandError(f"Import refusé : {exc}", returncode=1) from exc
        self._rapport(analyse)
        self.stdout.write(self.style.SUCCESS(
            f"Import terminé : {res['crees']} créé(s), {res['modifies']} modifié(s), {res['inchanges']} inchangé(s) ; "
            f"{res['situations_creees']} situation(s) créée(s), {res['situations_modifiees']} modifiée(s)."))

    def _rapport(self, analyse) -> None:
        for p in analyse.problemes:
            self.stdout.write(str(p))
