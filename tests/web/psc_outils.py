"""Helpers of the Pro Santé Connect tests: a running stand-in wired into Socle, identities built from staff
records, and the browser-less round trip (Socle → stand-in's e-CPS page → Socle)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from socle.connecteurs.psc.standin import BouchonPsc, IdentiteTest, activite, exercice
from socle.web.psc import configuration

SECRET = "secret-client-du-bouchon-psc-de-test-0123456789"  # ≥ 32 bytes: HS256 key


def demarrer() -> BouchonPsc:
    b = BouchonPsc(client_id="socle-test", client_secret=SECRET).demarrer()
    configuration.installer_bouchon(b)
    return b


def identite_de(pro, situations, profession: str = "60") -> IdentiteTest:
    acts = [activite(s.etablissement.finess, s.etablissement.nom, finess_ej=s.etablissement.organisme.finess,
                     role=s.role, genre=s.genre_activite) for s in situations]
    return IdentiteTest(f"8{pro.rpps}", pro.prenom_usuel, pro.nom_naissance, [exercice(profession, acts)])


def aller_retour(client, bouchon: BouchonPsc, sni: str, decision: str = "approuver", suite: str = ""):
    """Click "Se connecter avec Pro Santé Connect", approve on the stand-in's e-CPS page, come back to Socle.
    Returns Socle's answer to the callback."""
    depart = client.get("/comptes/pro-sante-connect/" + (f"?next={suite}" if suite else ""))
    assert depart.status_code == 302 and depart["Location"].startswith(bouchon.url + "/auth?"), depart
    page = requests.get(depart["Location"], timeout=10)
    assert page.status_code == 200 and "Approuver sur mon e-CPS" in page.text
    approbation = requests.post(depart["Location"], data={"identite": sni, "decision": decision},
                                allow_redirects=False, timeout=10)
    assert approbation.status_code == 302, approbation.text
    retour = urlsplit(approbation.headers["Location"])
    return client.get(f"{retour.path}?{retour.query}")
