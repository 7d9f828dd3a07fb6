"""`socle ins <sous-commande>`: INS operations. `search` (one INSi search by traits, printed as one JSON line)
lives with the INSi connector; `qualify` (the backlog batch of one ESMS) with the usagers batch."""

from django.core.management.base import BaseCommand

from socle.connecteurs.insi.cli import ajouter_arguments_search, search
from socle.usagers.batch_cli import qualify


def _arguments_qualify(parser) -> None:
    parser.add_argument("--establishment", required=True, help="FINESS géographique de l'ESMS")
    parser.add_argument("--limit", type=int, default=None, help="nombre maximal d'usagers à traiter")
    parser.add_argument("--rate", type=float, default=None, help="appels INSi par seconde")
    parser.add_argument("--rappeler", action="store_true",
                        help="interroger aussi les identités déjà traitées (récupérées, anomalies ouvertes)")


# name -> (function(options) -> exit code, function adding its arguments, help)
SOUS_COMMANDES = {
    "search": (search, ajouter_arguments_search, "recherche INSi par traits d'identité (une ligne JSON)"),
    "qualify": (qualify, _arguments_qualify, "qualification INS en lot des usagers d'un ESMS"),
}


class Command(BaseCommand):
    help = "Opérations INS : search (recherche INSi), qualify (lot de qualification)."

    def add_arguments(self, parser):
        sous = parser.add_subparsers(dest="sous_commande", metavar="{" + ",".join(SOUS_COMMANDES) + "}")
        sous.required = True
        for nom, (_fn, arguments, aide) in SOUS_COMMANDES.items():
            arguments(sous.add_parser(nom, help=aide))

    def handle(self, *args, **options):
        fn, _arguments, _aide = SOUS_COMMANDES[options.pop("sous_commande")]
        options["stdout"], options["stderr"] = self.stdout, self.stderr
        code = fn(options) or 0
        if code:
            raise SystemExit(code)
