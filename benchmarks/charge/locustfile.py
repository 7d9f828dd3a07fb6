"""Load test of Socle: the personas' daily mix against a running server (benchmarks/charge/lancer.sh starts one).

Every simulated person signs in through the real sign-in form with an account of her own (distinct accounts:
django-axes throttling counts per account and per address), then works on her perimeter with a pause of
CHARGE_PAUSE_MIN to CHARGE_PAUSE_MAX seconds between two pages:

* secrétaire d'admission (one ESMS): searches an usager by name or by birth date, opens a record, opens the
  qualification page, saves the traits unchanged (the INSi call is not part of the mix);
* directrice (one OG of 10 ESMS): the OG's dashboard, an ESMS's dashboard;
* gestionnaire RPPS+ (one OG): the OG's RPPS+ board, an ESMS's staff list, a search in it;
* chef de projet (a grappe of 30 ESMS): the grappe's dashboard, an ESMS's dashboard;
* chef de projet of the regional grappe (300 ESMS, one person, CHARGE_REGION=0 to leave her out): its dashboard.

Requests are named by kind ("usagers : dossier", …) so the report gives p50/p95 per kind. The figures are reset
CHARGE_CHAUFFE seconds (10) after every person has signed in: a sign-in checks a PBKDF2 password (about 0.5 s of
CPU each), and 50 of them at once saturate the server for the first seconds; sign-ins keep their own line, and
errors are all kept.

Targets (accounts, usagers, ESMS, grappes) come from the file written by preparer.py (CHARGE_CIBLES)."""

import itertools
import json
import os
import random
import re
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

CIBLES = json.loads(Path(os.environ.get(
    "CHARGE_CIBLES", Path(__file__).resolve().parents[2] / "var" / "charge" / "cibles.json")).read_text())
PAUSE = (float(os.environ.get("CHARGE_PAUSE_MIN", "1")), float(os.environ.get("CHARGE_PAUSE_MAX", "3")))
RNG = random.Random(int(os.environ.get("CHARGE_GRAINE", "2026")))
CONNEXION = "connexion"  # prefix of the sign-in requests' names (not reset with the others)
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _comptes(persona: str):
    liste = list(CIBLES[persona])
    RNG.shuffle(liste)
    return itertools.cycle(liste)


COMPTES = {p: _comptes(p) for p in ("admission", "directrice", "rh", "chef_projet", "chef_projet_region")}
_connectes = {"n": 0, "programme": False, "remis": False}
CHAUFFE = float(os.environ.get("CHARGE_CHAUFFE", "10"))  # seconds between the last sign-in and the reset


def _remettre_a_zero(environment) -> None:
    """Reset every figure but the sign-ins' once all the people have signed in; the error list is kept."""
    stats = environment.runner.stats
    for (nom, _methode), entree in stats.entries.items():
        if not nom.startswith(CONNEXION):
            entree.reset()
    stats.total.reset()
    _connectes["remis"] = True
    print(f"[charge] {_connectes['n']} personnes connectées, {CHAUFFE:.0f} s plus tard : mesures remises à zéro "
          "(hors connexions)", flush=True)


class Persona(HttpUser):
    abstract = True
    persona = ""
    wait_time = between(*PAUSE)

    def on_start(self) -> None:
        self.cible = next(COMPTES[self.persona])
        self.connexion()
        _connectes["n"] += 1
        runner = self.environment.runner
        if not _connectes["programme"] and runner is not None and _connectes["n"] >= runner.target_user_count:
            # the requests queued behind the last sign-ins still finish late: let them through first
            _connectes["programme"] = True
            gevent.spawn_later(CHAUFFE, _remettre_a_zero, self.environment)

    def connexion(self) -> None:
        r = self.client.get("/comptes/connexion/", name=f"{CONNEXION} : formulaire")
        m = _TOKEN.search(r.text or "")
        with self.client.post("/comptes/connexion/", name=f"{CONNEXION} : envoi", allow_redirects=False,
                              catch_response=True,
                              data={"username": self.cible["compte"], "password": CIBLES["mot_de_passe"],
                                    "csrfmiddlewaretoken": m.group(1) if m else "", "next": ""}) as rep:
            if rep.status_code != 302 or "/comptes/connexion/" in rep.headers.get("Location", ""):
                rep.failure(f"connexion refusée pour {self.cible['compte']} (HTTP {rep.status_code})")

    def page(self, url: str, nom: str, params: dict | None = None) -> None:
        """GET a page that must answer 200 itself (a redirect to the sign-in page is an error)."""
        with self.client.get(url, params=params, name=nom, allow_redirects=False, catch_response=True) as rep:
            if rep.status_code != 200:
                rep.failure(f"HTTP {rep.status_code} sur {url}")


class SecretaireAdmission(Persona):
    persona = "admission"
    weight = 5

    def _usager(self) -> dict:
        return RNG.choice(self.cible["usagers"])

    @task(3)
    def recherche_nom(self) -> None:
        nom = self._usager()["nom_naissance"]
        self.page("/usagers/", "usagers : recherche par nom", {"q": nom[:RNG.randint(3, max(3, len(nom)))]})

    @task(2)
    def recherche_date(self) -> None:
        a, m, j = self._usager()["date_naissance"].split("-")
        self.page("/usagers/", "usagers : recherche par date de naissance", {"q": f"{j}/{m}/{a}"})

    @task(3)
    def dossier(self) -> None:
        self.page(f"/usagers/{self._usager()['pk']}/", "usagers : dossier")

    @task(2)
    def qualification(self) -> None:
        self.page(f"/usagers/{self._usager()['pk']}/qualifier/", "usagers : qualification (page)")

    @task(1)
    def enregistrer(self) -> None:
        """Save the traits as they are (what the desk does after checking them): no change, no INSi call."""
        u = self._usager()
        data = {k: u[k] or "" for k in ("nom_naissance", "prenoms_naissance", "premier_prenom", "date_naissance",
                                        "sexe", "lieu_naissance", "nom_utilise", "prenom_utilise")}
        data.update(action="enregistrer", csrfmiddlewaretoken=self.client.cookies.get("csrftoken", ""))
        url = f"/usagers/{u['pk']}/qualifier/"
        with self.client.post(url, data=data, name="usagers : qualification (enregistrer)", allow_redirects=False,
                              catch_response=True, headers={"Referer": self.host + url}) as rep:
            if rep.status_code != 302:
                rep.failure(f"HTTP {rep.status_code} à l'enregistrement de {url}")


class Directrice(Persona):
    persona = "directrice"
    weight = 2

    @task(1)
    def tableau_organisme(self) -> None:
        self.page("/pilotage/", "pilotage : tableau de l'organisme (10 ESMS)")

    @task(3)
    def tableau_esms(self) -> None:
        self.page(f"/pilotage/esms/{RNG.choice(self.cible['esms'])}/", "pilotage : tableau d'un ESMS")


class GestionnaireRpps(Persona):
    persona = "rh"
    weight = 2

    @task(1)
    def tableau_rpps(self) -> None:
        self.page("/personnel/", "personnel : tableau RPPS+ de l'organisme")

    @task(3)
    def liste_esms(self) -> None:
        self.page(f"/personnel/esms/{RNG.choice(self.cible['esms'])}/", "personnel : liste d'un ESMS")

    @task(1)
    def recherche(self) -> None:
        self.page(f"/personnel/esms/{RNG.choice(self.cible['esms'])}/", "personnel : recherche dans une liste",
                  {"q": RNG.choice(["MAR", "BER", "PET", "ROU", "LAN", "Aide", "Infirm", "Educ"])})


class ChefDeProjet(Persona):
    persona = "chef_projet"
    weight = 1

    @task(3)
    def tableau_grappe(self) -> None:
        self.page(f"/pilotage/grappe/{self.cible['grappe']}/", "pilotage : tableau de grappe (30 ESMS)")

    @task(1)
    def tableau_esms(self) -> None:
        self.page(f"/pilotage/esms/{RNG.choice(self.cible['esms'])}/", "pilotage : tableau d'un ESMS")


class ChefDeProjetRegion(Persona):
    persona = "chef_projet_region"
    fixed_count = 1 if os.environ.get("CHARGE_REGION", "1") != "0" else 0
    wait_time = between(5, 10)

    @task
    def tableau_region(self) -> None:
        self.page(f"/pilotage/grappe/{self.cible['grappe']}/", "pilotage : tableau de grappe régionale (300 ESMS)")


@events.test_stop.add_listener
def _fin(environment, **_kw) -> None:
    if not _connectes["remis"]:
        print("[charge] toutes les personnes ne se sont pas connectées : mesures non remises à zéro", flush=True)
