from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError

from socle.personnel.importer import FichierIllisible, Probleme, verifier_taille
from socle.personnel.models import ImportPersonnel, MappingColonnes
from socle.personnel.tasks import executer_import

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
        m = None
        if opts["mapping"]:
            m = MappingColonnes.objects.filter(organisme=og, nom=opts["mapping"]).first()
            if m is None:
                noms = ", ".join(MappingColonnes.objects.filter(organisme=og).values_list("nom", flat=True)) or "aucune"
                raise CommandError(f"Correspondance « {opts['mapping']} » inconnue pour cet organisme ({noms}).")
        try:
            verifier_taille(path.stat().st_size)
        except FichierIllisible as exc:
            raise CommandError(f"Fichier refusé : {exc}", returncode=1) from exc
        # The same record and the same two steps as the screen: dry run, then (unless --dry-run) commit.
        imp = ImportPersonnel.objects.create(organisme=og, nom_fichier=path.name[:255], mapping=m,
                                             fichier=ContentFile(path.read_bytes(), name=path.name))
        executer_import(imp, valider=False)
        rapport = imp.rapport
        if imp.statut == ImportPersonnel.Statut.ECHEC:
            raise CommandError(f"Fichier refusé : {rapport.get('fichier', '')}", returncode=1)
        self._rapport(rapport)
        if rapport.get("bloquants"):
            imp.effacer_fichier()
            quoi = "Simulation" if opts["dry_run"] else "Import refusé"
            raise CommandError(f"{quoi} : {rapport['bloquants']} erreur(s) bloquante(s), {rapport['a_completer']} "
                               f"information(s) à compléter. Rien n'a été écrit (import n° {imp.pk}).", returncode=1)
        if opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS(
                f"Simulation : {rapport['lignes']} ligne(s) importables, {rapport['a_completer']} information(s) à "
                f"compléter. Rien n'a été écrit (import n° {imp.pk}, à valider depuis l'écran ou sans --dry-run)."))
            return
        executer_import(imp, valider=True)
        if imp.statut != ImportPersonnel.Statut.IMPORTE:
            raise CommandError(f"Import refusé : {imp.rapport.get('refus') or imp.rapport.get('fichier', '')}",
                               returncode=1)
        res = imp.rapport["resultat"]
        self.stdout.write(self.style.SUCCESS(
            f"Import terminé : {res['crees']} créé(s), {res['modifies']} modifié(s), {res['inchanges']} inchangé(s) ; "
            f"{res['situations_creees']} situation(s) créée(s), {res['situations_modifiees']} modifiée(s) "
            f"(import n° {imp.pk})."))

    def _rapport(self, rapport: dict) -> None:
        for p in rapport.get("problemes", []):
            self.stdout.write(str(Probleme(**p)))
        reste = rapport.get("nb_problemes", 0) - len(rapport.get("problemes", []))
        if reste > 0:
            self.stdout.write(f"… et {reste} autre(s) problème(s) (comptés par champ dans le rapport de l'import).")
