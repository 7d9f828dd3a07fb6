"""INSi throughput against the local stand-in, over the real protocol (HTTPS + mutual TLS + SOAP 1.2,
XSD validation on the server side): sequential and 4-thread searches, calls/s and p50/p95 latency.

    .venv/bin/python benchmarks/bench_insi.py [--quick]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")

import django  # noqa: E402

django.setup()

from socle.connecteurs.commun.appelant import Appelant  # noqa: E402
from socle.connecteurs.commun.pki import en_p12  # noqa: E402
from socle.connecteurs.commun.tls import MaterielCertificat  # noqa: E402
from socle.connecteurs.insi.client import ClientInsiSoap  # noqa: E402
from socle.connecteurs.insi.configuration import CertificatsInsi, ConfigurationInsi  # noqa: E402
from socle.connecteurs.insi.interface import TraitsRecherche  # noqa: E402
from socle.connecteurs.insi.pki import assurer_pki  # noqa: E402
from socle.connecteurs.insi.standin import BaseNationale, BouchonInsi, identites_cnam  # noqa: E402
from socle.core.naissance import DateLunaire  # noqa: E402
from socle.fictif.insi import generer_identites  # noqa: E402


def traits_de(fiches, n: int, rng: random.Random) -> list[TraitsRecherche]:
    """~70 % found at the first first name, the rest not found (two unknown first names: 3 calls)."""
    out = []
    for _ in range(n):
        f = rng.choice(fiches)
        prenoms = f.prenoms if rng.random() < 0.7 else ("INCONNU", "AUTRE")
        out.append(TraitsRecherche(f.nom_naissance, prenoms, f.sexe, DateLunaire.lire(f.date_naissance)))
    return out


def mesurer(client, traits, fils: int) -> dict:
    durees, appels = [], 0

    def un(t):
        debut = time.perf_counter()
        rep = client.rechercher(t, mode="AUTO")
        return time.perf_counter() - debut, rep.appels

    debut = time.perf_counter()
    if fils == 1:
        resultats = [un(t) for t in traits]
    else:
        with ThreadPoolExecutor(fils) as ex:
            resultats = list(ex.map(un, traits))
    total = time.perf_counter() - debut
    durees = sorted(d for d, _ in resultats)
    appels = sum(a for _, a in resultats)
    q = statistics.quantiles(durees, n=100)
    return {
        "recherches": len(traits),
        "appels": appels,
        "duree_s": total,
        "recherches_s": len(traits) / total,
        "appels_s": appels / total,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_base, n_req = (2_000, 60) if args.quick else (50_000, 600)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        pki = assurer_pki(Path(tmp))
        fiches = generer_identites(n_base, graine=2026)
        base = BaseNationale(identites_cnam() + fiches)
        with BouchonInsi(pki, base, lenteur=0) as bouchon:
            # an organisation's certificate, as deposited in the cockpit (PKCS#12 in memory)
            cert, cle = pki.emettre_certificat("INSI-AUTO", "ORGANISME BENCH")
            materiel = MaterielCertificat(contenu=en_p12(cert, cle, "bench"), mot_de_passe="bench")
            client = ClientInsiSoap(
                ConfigurationInsi(url=bouchon.url, ca_bundle=str(pki.ca), idam="BENCH", instance="bench", timeout=30),
                CertificatsInsi(auto=materiel),
                Appelant("699999999", "ORGANISME BENCH"),
            )
            client.rechercher(traits_de(fiches, 1, rng)[0], mode="AUTO")  # WSDL load + TLS handshake
            print(f"Bouchon INSi : base de {len(base)} identités, {os.cpu_count()} cœur(s)")
            for fils in (1, 4):
                mesurer(client, traits_de(fiches, 8, rng), fils)  # warm-up: one connection per thread
                r = mesurer(client, traits_de(fiches, n_req, rng), fils)
                print(
                    f"{fils} fil(s) : {r['recherches']} recherches ({r['appels']} appels SOAP) en {r['duree_s']:.2f} s"
                    f" -> {r['recherches_s']:.0f} recherches/s, {r['appels_s']:.0f} appels/s ;"
                    f" latence par recherche p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"
                )


if __name__ == "__main__":
    main()
