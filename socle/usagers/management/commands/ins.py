"""`socle ins <sous-commande>`: INS operations. Each sub-command is a function `fn(options: dict) -> int`
(exit code) living in its own module, imported lazily, so that each area keeps its code apart:
`search` in socle.connecteurs.insi.cli, `qualify` in socle.usagers.batch_cli."""

import importlib

from django.core.management.base import BaseCommand, CommandError


def _arguments_qualify(parser) -> None:
    parser.add_argument("--establishment", required=True, help="FINESS géographique de l'ESMS")
    parser.add_argument("--limit", type=int, default=None, help="nombre maximal d'usagers à traiter")
    parser.add_argument("--rate", type=float, default=None, help="appels INSi par seconde")
    parser.add_argument("--rappeler", action="store_true",
                        help="interroger aussi les identités déjà traitées (récupérées, anomalies ouvertes)")


# name -> (module, function, arguments function: "module:name" or a local callable, help)
SOUS_COMMANDES = {
    "search": (
        "socle.connecteurs.insi.cli",
        "search",
        "socle.connecteurs.insi.cli:ajouter_arguments_search",
        "recherche INSi par traits d'identité (une ligne JSON)",
    ),
    "qualify": (
        "socle.usagers.batch_cli",
        "qualify",
        _arguments_qualify,
        "qualification INS en lot des usagers d'un ESMS",
    ),
}


def _resoudre(cible):
    if callable(cible):
        return cible
    module, nom = cible.split(":")
    return getattr(importlib.import_module(module), nom)


class Command(BaseCommand):
    help = "Opérations INS : search (recherche INSi), qualify (lot de qualification)."

    def add_arguments(self, parser):
        sous = parser.add_subparsers(dest="sous_commande", metavar="{" + ",".join(SOUS_COMMANDES) + "}")
        sous.required = True
        for nom, (_module, _fn, arguments, aide) in SOUS_COMMANDES.items():
            p = sous.add_parser(nom, help=aide)
            _resoudre(arguments)(p)

    def handle(self, *args, **options):
        nom = options.pop("sous_commande")
        module, fonction, _args, _aide = SOUS_COMMANDES[nom]
        try:
            fn = getattr(importlib.import_module(module), fonction)
        except (ImportError, AttributeError):
            raise CommandError(f"La sous-commande « {nom} » n'est pas disponible dans cette version.") from None
        options["stdout"], options["stderr"] = self.stdout, self.stderr
        code = fn(options) or 0
        if code:
            raise SystemExit(code)
