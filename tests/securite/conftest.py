"""The attack suite's world (built once for the module, rolled back at its end) and its closing summary."""

import logging

import pytest
from django.db import transaction
from django.test import override_settings

from socle.connecteurs.insi.interface import ReponseInsi

from .monde import Bilan, ajouter_personne_partagee, construire, figer, ouvrir_sessions, planter_personas

BILAN = Bilan()

IMMEDIAT = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                        "QUEUES": ["default", "imports", "ins"]}}


class InsiMuet:
    """In-process INSi: nobody is found, nothing leaves the process (the suite is about rights, not INSi)."""

    def rechercher(self, traits, mode="MANU"):
        return ReponseInsi(cr="01")

    def rechercher_carte_vitale(self, donnees_vitale, mode="MANU"):
        return ReponseInsi(cr="01")


@pytest.fixture(scope="module")
def monde(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two organisations, their data planted with markers and payloads, the personas signed in. Background
    tasks run at once (a FINESS import or an INSi batch started by a request is really carried out)."""
    from socle.usagers import batch, services

    media = tmp_path_factory.mktemp("media-attaques")
    rapide = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the personas sign in with force_login
    with (django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, TASKS=IMMEDIAT, PASSWORD_HASHERS=rapide),
          pytest.MonkeyPatch.context() as mp):
        mp.setattr(services, "client_insi", lambda organisme, mode="MANU", *, user=None: InsiMuet())
        mp.setitem(batch.executer_lot.__kwdefaults__, "pause", lambda secondes: None)
        # thousands of expected 403/404: Django's request log would only slow the suite down
        mp.setattr(logging.getLogger("django.request"), "disabled", True)
        with transaction.atomic():
            m = construire(media)
            ouvrir_sessions(m)
            planter_personas(m)
            ajouter_personne_partagee(m)
            figer(m, media, tmp_path_factory.mktemp("media-intact"))
            BILAN.monde_pret = True
            BILAN.plantes = m.plantes
            yield m
            transaction.set_rollback(True)


@pytest.fixture(scope="session")
def bilan():
    return BILAN


def pytest_terminal_summary(terminalreporter):
    b = BILAN
    if not b.monde_pret:
        return
    tr = terminalreporter
    tr.section("suite d'attaque (marqueur « attaque »)")
    nb = sum(b.requetes.values())
    variantes = sum(len(v) for v in b.routes.values())
    tr.write_line(f"motifs d'URL essayés : {len(b.routes)} / {b.nb_routes} (hors admin, fichiers statiques, "
                  f"page de connexion) ; personas : {len(b.personas)} ; couples route × variante : {variantes}")
    tr.write_line(f"requêtes : {nb} ({', '.join(f'{m} {n}' for m, n in sorted(b.requetes.items()))}) ; "
                  f"réponses : {', '.join(f'{s}: {n}' for s, n in sorted(b.statuts.items()))}")
    ouvertes = sum(1 for s in b.controles.values() if s in (200, 302))
    tr.write_line(f"contrôle (le propriétaire ouvre la route avec les mêmes paramètres) : {ouvertes} / "
                  f"{len(b.controles)} routes")
    sans_effet = sorted(r for r, cotes in b.efficaces.items() if not all(cotes.values()))
    tr.write_line(f"corps POST plausibles : le propriétaire écrit des données avec {len(b.efficaces) - len(sans_effet)}"
                  f" / {len(b.efficaces)} ; sans écriture (refus métier attendu ou corps à revoir) : "
                  f"{', '.join(sans_effet) or 'aucun'}")
    charges = sum(len(v) for v in b.plantes.values())
    tr.write_line(f"charges plantées : {len(b.plantes)} champs, {charges} couples champ × charge "
                  f"(script, img, formule) ; champs affichés sur au moins un écran ou export : "
                  f"{len(b.champs_vus & set(b.plantes))}")
    caches = sorted(set(b.plantes) - b.champs_vus)
    if caches and len(b.routes) == b.nb_routes:
        tr.write_line(f"  champs plantés jamais affichés : {', '.join(caches)}")
    tr.write_line(f"exports tableur vérifiés : {len(b.tableurs)} routes, {sum(b.tableurs.values())} cellules ; "
                  f"CSRF : {len(b.csrf)} points POST sans jeton ({sum(1 for s in b.csrf.values() if s == 403)} "
                  f"refusés en 403) ; requêtes sans compte : {b.anonymes}")
    if b.problemes:
        tr.write_line(f"problèmes : {sum(len(v) for v in b.problemes.values())} sur {len(b.problemes)} routes "
                      f"({', '.join(sorted(b.problemes))})")
