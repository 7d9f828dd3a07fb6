"""`socle insi-standin [--port 8443]`: run the local INSi stand-in alone (HTTPS, mutual TLS, own test CA).
Prints the URL and the certificate files to configure a client with."""

from django.conf import settings
from django.core.management.base import BaseCommand

from socle.connecteurs.insi.pki import P12_PASSWORD
from socle.connecteurs.insi.standin import BouchonInsi, base, charger_base_configuree, pki_locale


class Command(BaseCommand):
    help = "Lance le bouchon INSi local (HTTPS avec TLS mutuel) sur 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8443)
        parser.add_argument("--hote", default="127.0.0.1")
        parser.add_argument("--base", default="", help="fichier JSON d'identités à ajouter à la base nationale fictive")

    def handle(self, *args, **options):
        charger_base_configuree()
        if options["base"]:
            n = base.charger_json(options["base"])
            self.stdout.write(f"{n} identité(s) chargée(s) depuis {options['base']}")
        pki = pki_locale()
        bouchon = BouchonInsi(
            pki, base, hote=options["hote"], port=options["port"], lenteur=settings.SOCLE_INSI_STANDIN_LENTEUR
        )
        self.stdout.write(f"Bouchon INSi : https://{options['hote']}:{bouchon.port}/lps ({len(base)} identités)")
        self.stdout.write(f"  AC à faire confiance (et qui émet les certificats des organismes) : {pki.ca}")
        self.stdout.write(f"  INSI-AUTO de l'installation : {pki.auto.cert} + {pki.auto.key} (ou {pki.auto_p12})")
        self.stdout.write(f"  INSI-MANU de l'installation : {pki.manu.cert} + {pki.manu.key} (ou {pki.manu_p12})")
        self.stdout.write(f"  mot de passe des PKCS#12 de test : {P12_PASSWORD}")
        self.stdout.write("Ctrl+C pour arrêter.")
        try:
            bouchon.servir()
        except KeyboardInterrupt:
            pass
        finally:
            bouchon.arreter()
