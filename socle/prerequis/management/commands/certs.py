import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext, gettext_lazy

from socle.prerequis.certificats import CertificatError, lire


class Command(BaseCommand):
    help = gettext_lazy("Outils sur les certificats logiciels. « inspect FICHIER » affiche ses caractéristiques en JSON.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("inspect", help=gettext("lire un certificat PEM, DER ou PKCS#12 et l'afficher en JSON"))
        p.add_argument("fichier")
        p.add_argument("--password-env", dest="password_env", metavar="VAR",
                       help=gettext("variable d'environnement contenant le mot de passe du PKCS#12"))

    def _erreur(self, message: str) -> None:
        self.stderr.write(gettext("Erreur : %(message)s") % {"message": message})
        sys.exit(1)

    def handle(self, *args, **opts):
        chemin = Path(opts["fichier"])
        if not chemin.is_file():
            self._erreur(gettext("fichier introuvable : %(chemin)s") % {"chemin": chemin})
        mot_de_passe = None
        if opts.get("password_env"):
            var = opts["password_env"]
            if var not in os.environ:
                self._erreur(gettext("la variable d'environnement %(var)s n'est pas définie.") % {"var": var})
            mot_de_passe = os.environ[var]
        try:
            info = lire(chemin.read_bytes(), mot_de_passe)
        except CertificatError as exc:
            self._erreur(f"{chemin.name} : {exc}")
        self.stdout.write(json.dumps(info.en_json(), ensure_ascii=False))
