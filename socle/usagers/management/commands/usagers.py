"""`socle usagers import FILE --esms FINESS [--dry-run] [--format csv|xlsx|fhir|hl7]` and
`socle usagers export --esms FINESS --format csv|fhir|hl7 [--depuis DATE|dernier] --out FILE`: the DUI exchanges
of one ESMS, through the same use cases as the screens (same records, same audit)."""

import json
import sys
from datetime import datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from socle.organisations.models import Etablissement
from socle.usagers.echanges import exporter, importer
from socle.usagers.echanges.commun import FORMATS, ImportIllisible
from socle.usagers.models import EchangeDui


def _esms(finess: str) -> Etablissement:
    et = Etablissement.objects.select_related("organisme").filter(finess=finess).first()
    if et is None:
        raise CommandError(f"ESMS de FINESS {finess} inconnu dans Socle")
    return et


def _depuis(texte: str | None):
    if not texte or texte == "dernier":
        return texte
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            d = datetime.strptime(texte, fmt)
        except ValueError:
            continue
        if fmt != "%Y-%m-%dT%H:%M:%S":
            d = datetime.combine(d.date(), time.min)
        return timezone.make_aware(d) if timezone.is_naive(d) else d
    raise CommandError(
        f"--depuis « {texte} » : date AAAA-MM-JJ, JJ/MM/AAAA, AAAA-MM-JJTHH:MM:SS ou « dernier »"
    )


class Command(BaseCommand):
    help = (
        "Échanges d'usagers avec le DUI d'un ESMS : import (CSV, XLSX, FHIR, HL7) et export (CSV, FHIR, HL7)."
    )

    def add_arguments(self, parser):
        sous = parser.add_subparsers(dest="sous_commande", metavar="{import,export}")
        sous.required = True
        imp = sous.add_parser("import", help="importer les usagers d'un export du DUI")
        imp.add_argument("fichier")
        imp.add_argument("--esms", required=True, help="FINESS géographique de l'ESMS")
        imp.add_argument("--dry-run", action="store_true", help="simulation : rien n'est enregistré")
        imp.add_argument("--format", choices=FORMATS, default=None)
        imp.add_argument("--acks", default=None, help="HL7 : fichier où écrire un ACK par message")
        exp = sous.add_parser("export", help="exporter les identités vers le DUI")
        exp.add_argument("--esms", required=True, help="FINESS géographique de l'ESMS")
        exp.add_argument("--format", choices=exporter.FORMATS_EXPORT, required=True)
        exp.add_argument("--depuis", default=None, help="date, ou « dernier » (depuis le dernier export)")
        exp.add_argument("--out", required=True, help="fichier à écrire (- pour la sortie standard)")

    def handle(self, *args, **o):
        if o["sous_commande"] == "import":
            return self._importer(o)
        return self._exporter(o)

    def _importer(self, o) -> None:
        et = _esms(o["esms"])
        chemin = Path(o["fichier"])
        if not chemin.is_file():
            raise CommandError(f"fichier introuvable : {chemin}")
        ech = EchangeDui.objects.create(
            etablissement=et, sens=EchangeDui.Sens.IMPORT, nom_fichier=chemin.name, format=o["format"] or ""
        )
        ech.passer(EchangeDui.Statut.EN_COURS)
        try:
            a = importer.importer(chemin, et, o["format"], simulation=o["dry_run"], nom_fichier=chemin.name)
        except ImportIllisible as exc:
            ech.passer(EchangeDui.Statut.REFUSE, rapport={"fichier": str(exc)})
            raise CommandError(f"Fichier refusé, rien n'a été importé : {exc}") from None
        except importer.ImportRefuse as exc:
            ech.passer(
                EchangeDui.Statut.REFUSE,
                rapport={**exc.analyse.rapport(), "refus": str(exc)},
                format=exc.analyse.format,
            )
            for p in exc.analyse.problemes[:200]:
                self.stderr.write(str(p))
            raise CommandError(str(exc)) from None
        final = EchangeDui.Statut.SIMULE if o["dry_run"] else EchangeDui.Statut.TERMINE
        ech.passer(final, rapport=a.rapport(), format=a.format)
        for p in a.problemes[:200]:
            self.stderr.write(str(p))
        if o["acks"] and a.format == "hl7":
            self._acks(chemin, et, a, Path(o["acks"]))
        self.stdout.write(
            json.dumps(
                {
                    "simulation": o["dry_run"],
                    **a.comptes(),
                    **{k: v for k, v in a.resultat.items() if not k.startswith("ids_")},
                },
                ensure_ascii=False,
            )
        )

    def _acks(self, chemin, et, a, sortie: Path) -> None:
        from socle.usagers.echanges import hl7v2

        p = importer.parametres(et)
        par_numero: dict[int, list] = {}
        for pb in a.bloquants:
            par_numero.setdefault(pb.numero, []).append(pb)
        with open(sortie, "w", encoding="utf-8") as f:
            for n, texte in hl7v2.messages(chemin, p.encodage):
                f.write(hl7v2.accuse(texte, par_numero.get(n, []), etablissement=et.finess) + "\r\n")

    def _exporter(self, o) -> None:
        et = _esms(o["esms"])
        depuis = _depuis(o["depuis"])
        if o["out"] == "-":
            ech = exporter.exporter(et, o["format"], sys.stdout, depuis=depuis)
        else:
            with open(o["out"], "w", encoding="utf-8", newline="") as f:
                ech = exporter.exporter(et, o["format"], f, depuis=depuis)
        self.stderr.write(json.dumps(ech.rapport, ensure_ascii=False))
