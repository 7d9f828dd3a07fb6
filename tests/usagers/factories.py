"""Fixtures and helpers for the usagers tests (import the fixtures you use into the test module)."""

from datetime import date

import pytest
from django.utils import timezone

from socle.comptes.models import Fonction
from socle.connecteurs.commun.pki import en_p12
from socle.connecteurs.insi.interface import IdentiteINS, ReponseInsi
from socle.connecteurs.insi.standin import bouchon_local, pki_locale
from socle.core.identifiants import nir_key
from socle.usagers import services
from socle.usagers.models import AppelInsi
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory

TRAITS_ALICE = {"nom_naissance": "Démolin", "prenoms_naissance": "Alice Marie", "date_naissance": date(1950, 3, 4),
                "sexe": "F", "lieu_naissance": "69123"}


def matricule_pour(sexe: str, d: date, lieu: str, ordre: int) -> tuple[str, str]:
    body = f"{1 if sexe == 'M' else 2}{d:%y%m}{lieu}{ordre % 1000:03d}"
    return body, f"{nir_key(body):02d}"


MDP_CERTIFICAT = "Mdp-certificat-test-1"


def homologuer(organisme) -> None:
    """The OG's auto-homologation step marked "fait": required before any INSi call by certificate."""
    from datetime import date

    from socle.prerequis.models import EtatEtape

    EtatEtape.objects.update_or_create(organisme=organisme, etablissement=None, etape="homologation",
                                       defaults={"statut": "fait", "date_envoi": date(2026, 1, 5),
                                                 "date_fait": date(2026, 2, 5)})


def deposer_certificat_insi(organisme, cn: str = "INSI-AUTO", serie: int | None = None, homologue: bool = True):
    """What the OG's administrateur technique does in the cockpit: deposit a PKCS#12 (password stored
    encrypted) of an INSi certificate — here issued by the local stand-in's CA, O = the OG's name. By default the
    OG has also pronounced its auto-homologation, without which no INSi call by certificate is made."""
    from socle.prerequis.services import enregistrer_certificat

    if homologue:
        homologuer(organisme)
    cert, cle = pki_locale().emettre_certificat(cn, organisme.raison_sociale[:60], serie=serie)
    return enregistrer_certificat(organisme, en_p12(cert, cle, MDP_CERTIFICAT), f"{cn.lower()}.p12", MDP_CERTIFICAT)


@pytest.fixture(name="journal")
def fixture_journal(settings):
    """The local INSi stand-in's journal, emptied (SOCLE_INSI_URL empty selects the stand-in). These tests run
    as a single-organisation installation (SOCLE_INSI_CERTIFICATS_INSTALLATION: an OG without a deposited
    certificate calls with the stand-in's own ones), restored afterwards; the per-organisation certificates
    are tested in test_usagers_certificats.py and by the batch tests, which deposit them."""
    settings.SOCLE_INSI_CERTIFICATS_INSTALLATION = True
    j = bouchon_local().journal
    j.vider()
    return j


@pytest.fixture(name="etablissement")
def fixture_etablissement(db):
    """An EHPAD whose OG has pronounced its auto-homologation (INSi calls by certificate are refused before)."""
    et = EtablissementFactory(categorie_code="500")
    homologuer(et.organisme)
    return et


@pytest.fixture(name="usager_prov")
def fixture_usager_prov(etablissement):
    return services.creer_usager(etablissement.organisme, etablissement, dict(TRAITS_ALICE))


@pytest.fixture(name="admission")
def fixture_admission(etablissement):
    return utilisateur_avec(Fonction.ADMISSION, etablissement=etablissement)


@pytest.fixture(name="appel_factice")
def fixture_appel_factice(db):
    """An INSi answer stored as if INSi had returned it (for pure rule tests on accept)."""

    def _make(usager, nom=None, prenoms=None, cle=None, lieu=None, cr="00"):
        mat, k = matricule_pour(usager.sexe, usager.date_naissance, usager.lieu_naissance, usager.pk)
        reponse = {"nom_naissance": nom or usager.nom_naissance,
                   "prenoms_naissance": prenoms or usager.prenoms_naissance,
                   "premier_prenom": (prenoms or usager.prenoms_naissance).split(" ")[0], "sexe": usager.sexe,
                   "date_naissance": usager.date_naissance.isoformat(),
                   "lieu_naissance": lieu or usager.lieu_naissance, "matricule_ins": mat, "cle_ins": cle or k,
                   "oid_ins": "1.2.250.1.213.1.4.8"}
        return AppelInsi.objects.create(usager=usager, mode="MANU", le=timezone.now(), cr=cr, reponse=reponse)

    return _make


class FauxInsi:
    """In-process InsiClient for pure-rule tests: answers from a dict keyed by birth name."""

    def __init__(self, identites: dict[str, IdentiteINS] | None = None):
        self.identites = identites or {}
        self.appels: list[str] = []

    def rechercher(self, traits, mode="MANU"):
        self.appels.append(traits.nom_naissance)
        i = self.identites.get(traits.nom_naissance)
        return ReponseInsi(cr="00", identite=i) if i else ReponseInsi(cr="01")

    def rechercher_carte_vitale(self, donnees_vitale, mode="MANU"):
        return ReponseInsi(cr="01")


def usager_qualifie(etablissement, traits: dict | None = None, *, oid: str = "1.2.250.1.213.1.4.8", **extra):
    """An usager whose identity is qualified, as the INSi acceptance + document check leave it (INS with a valid
    key), built directly for the exchange tests."""
    t = dict(traits or TRAITS_ALICE)
    u = services.creer_usager(etablissement.organisme, etablissement, t)
    mat, cle = matricule_pour(u.sexe, u.date_naissance, u.lieu_naissance, u.pk)
    type(u).objects.filter(pk=u.pk).update(statut="QUAL", matricule_ins=mat, cle_ins=cle, oid_ins=oid,
                                           date_appel_insi=timezone.now(), **extra)
    u.refresh_from_db()
    return u
