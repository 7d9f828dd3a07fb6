"""`socle documents <sous-commande>`: `export` (every document of an ESMS as CDA files) and `matrice` (load or
export the reading matrix)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from socle.documents import droits
from socle.documents.export import ExportImpossible, exporter


class Command(BaseCommand):
    help = (
        "Documents : export (un fichier CDA par document d'un ESMS), matrice (charger / exporter la matrice)."
    )

    def add_arguments(self, parser):
        sous = parser.add_subparsers(dest="sous_commande", metavar="{export,matrice}")
        sous.required = True
        p = sous.add_parser("export", help="écrit chaque document de l'ESMS en CDA R2 (un .xml par document)")
        p.add_argument("--esms", required=True, help="FINESS géographique de l'ESMS")
        p.add_argument("--out", required=True, help="dossier (vide) où écrire les fichiers")
        p = sous.add_parser("matrice", help="charge une nouvelle version de la matrice d'accès, ou l'exporte")
        p.add_argument("--charger", help="fichier CSV (type_code;role;genre_activite;lecture)")
        p.add_argument("--libelle", default="Matrice chargée en ligne de commande")
        p.add_argument(
            "--officielle", action="store_true", help="la matrice officielle de la CNAM (vérifiée)"
        )
        p.add_argument("--exporter", help="écrit la matrice en vigueur dans ce fichier CSV")

    def handle(self, *args, **options):
        if options["sous_commande"] == "export":
            try:
                fichiers = exporter(options["esms"], Path(options["out"]))
            except ExportImpossible as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{len(fichiers)} document(s) écrit(s) dans {options['out']}")
            return
        if options["charger"]:
            try:
                contenu = Path(options["charger"]).read_text(encoding="utf-8-sig")
                m = droits.charger(
                    contenu,
                    libelle=options["libelle"],
                    source=Path(options["charger"]).name,
                    a_verifier=not options["officielle"],
                )
            except (OSError, UnicodeDecodeError, droits.MatriceInvalide) as exc:
                raise CommandError(f"Matrice refusée : {exc}") from exc
            self.stdout.write(f"Matrice version {m.version} chargée ({m.regles.count()} lignes).")
        if options["exporter"]:
            Path(options["exporter"]).write_text(droits.exporter(droits.matrice_active()), encoding="utf-8")
            self.stdout.write(f"Matrice en vigueur écrite dans {options['exporter']}.")
        if not options["charger"] and not options["exporter"]:
            raise CommandError("Indiquez --charger FICHIER ou --exporter FICHIER.")
