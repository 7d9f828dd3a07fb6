"""`socle dmp-standin [--port 8444]`: run the local DMP stand-in alone (HTTPS with mutual TLS, own test CA,
SOAP 1.2 + MTOM: ITI-41 / ITI-43 on /repository, ITI-18 / ITI-57 on /registry). Beyond the XSD and the CI-SIS
header it checks every CDA received against the structuration-minimale schematron of the vendored ANS kit
(compiled once at start). Prints the URL and the files to configure a client with."""

from django.core.management.base import BaseCommand

from socle.connecteurs.dmp.standin import BouchonDmp, dossier_donnees, pki_locale
from socle.documents.validation import STRUCTURATION_MINIMALE, appliquer_schematron, precompiler


def structuration_minimale(cda: bytes) -> list[str]:
    """The errors of the structuration-minimale layer, as the stand-in reports them (XDSRegistryError)."""
    erreurs, _avertissements = appliquer_schematron(cda, STRUCTURATION_MINIMALE)
    return [f"Structuration minimale : {e.message}" for e in erreurs]


class Command(BaseCommand):
    help = "Lance le bouchon DMP local (XDS.b, HTTPS avec TLS mutuel) sur 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8444)
        parser.add_argument("--hote", default="127.0.0.1")
        parser.add_argument("--base", default="", help="fichier SQLite du registre et de l'entrepôt")
        parser.add_argument("--sans-schematron", action="store_true",
                            help="ne pas appliquer la structuration minimale (démarrage plus rapide)")

    def handle(self, *args, **options):
        pki = pki_locale()
        valideurs = []
        if not options["sans_schematron"]:
            self.stdout.write("Compilation du schématron de structuration minimale (une fois)…")
            precompiler("N1")
            valideurs.append(structuration_minimale)
        base = options["base"] or str(dossier_donnees() / "dmp.sqlite3")
        bouchon = BouchonDmp(pki, base, hote=options["hote"], port=options["port"], valideurs_cda=valideurs)
        self.stdout.write(f"Bouchon DMP : https://{options['hote']}:{bouchon.port} (/repository, /registry)")
        self.stdout.write(f"  registre et entrepôt : {base}")
        self.stdout.write(f"  AC à faire confiance (et qui émet les certificats DMP des organismes) : {pki.ca}")
        self.stdout.write("  réglages d'un client : SOCLE_DMP_URL, SOCLE_DMP_CA_BUNDLE (ci-dessus)")
        self.stdout.write("Ctrl+C pour arrêter.")
        try:
            bouchon.servir()
        except KeyboardInterrupt:
            pass
        finally:
            bouchon.arreter()
