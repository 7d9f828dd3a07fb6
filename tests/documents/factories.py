"""Fixtures of the documents tests: an EHPAD, a qualified and a provisional resident, a nurse with an account."""

from datetime import date

import pytest

from socle.comptes.models import Fonction
from socle.core.identifiants import nir_key
from socle.documents import services
from socle.usagers import services as usagers_services
from socle.usagers.models import Statut, Usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory, rpps_valide

TRAITS = {
    "nom_naissance": "Démolin",
    "prenoms_naissance": "Alice Marie",
    "date_naissance": date(1940, 3, 4),
    "sexe": "F",
    "lieu_naissance": "69123",
}

# A tiny but complete PDF (one empty page), enough for the upload checks and the N1 body.
PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def qualifier(usager: Usager) -> Usager:
    """Give the record a qualified INS as an INSi answer + a high-trust evidence would (test shortcut)."""
    corps = f"{2 if usager.sexe == 'F' else 1}{usager.date_naissance:%y%m}{usager.lieu_naissance}{usager.pk % 1000:03d}"
    Usager.objects.filter(pk=usager.pk).update(
        matricule_ins=corps,
        cle_ins=f"{nir_key(corps):02d}",
        oid_ins="1.2.250.1.213.1.4.10",
        statut=Statut.QUAL,
    )
    usager.refresh_from_db()
    return usager


@pytest.fixture(name="ehpad")
def fixture_ehpad(db):
    return EtablissementFactory(
        categorie_code="500",
        categorie_libelle="EHPAD",
        nom="EHPAD DÉMO Les Tilleuls",
        commune="Lyon",
        code_postal="69003",
    )


@pytest.fixture(name="resident")
def fixture_resident(ehpad):
    return qualifier(usagers_services.creer_usager(ehpad.organisme, ehpad, dict(TRAITS)))


@pytest.fixture(name="resident_prov")
def fixture_resident_prov(ehpad):
    return usagers_services.creer_usager(
        ehpad.organisme,
        ehpad,
        {**TRAITS, "nom_naissance": "Provisoire", "prenoms_naissance": "Paul", "sexe": "M"},
    )


def professionnel_avec_compte(
    etablissement,
    *,
    profession: str = "60",
    role: str = "",
    genre: str = "GENR01",
    fonction=Fonction.PROFESSIONNEL,
    n: int = 1,
):
    """A professional of the ESMS (RPPS, profession TRE_G15 or rôle TRE_R85, genre d'activité) with a Socle
    account holding `fonction` on the ESMS. Default: a nurse (profession 60)."""
    user = utilisateur_avec(fonction, etablissement=etablissement)
    pro = ProfessionnelFactory(
        organisme=etablissement.organisme, rpps=rpps_valide(100 + n), nom_naissance=f"SOIGNANTE{n}"
    )
    SituationFactory(
        professionnel=pro,
        etablissement=etablissement,
        profession=profession,
        role=role,
        role_propose=role,
        genre_activite=genre,
        genre_propose=genre,
    )
    pro.compte = user
    pro.save(update_fields=["compte"])
    return user


@pytest.fixture(name="infirmiere")
def fixture_infirmiere(ehpad):
    return professionnel_avec_compte(ehpad)


CONTENU_DLU = {
    "medecin_nom": "Dr DÉMO Martin",
    "medecin_telephone": "04 72 00 00 01",
    "personne_confiance": "DÉMO Bernard (fils), 06 00 00 00 02",
    "directives_anticipees": "oui",
    "directives_lieu": "Dans le dossier de soins, classeur rouge",
    "antecedents": "Fracture du col du fémur (2019)\nHypertension artérielle",
    "allergies": "Pénicilline",
    "traitements": "Amlodipine 5 mg : 1 le matin\nParacétamol 1 g si douleur",
    "autonomie_deplacement": "aide",
    "etat": ["62476001", "161898004"],
    "documents_annexes": ["DLU_009"],
    "soins_palliatifs": "non",
    "poids": "58",
    "tension_systolique": "135",
    "tension_diastolique": "80",
    "temperature": "36.8",
    "date_constantes": "2026-11-30",
    "bmr": "non",
    "etablissement_prefere": "Hôpital DÉMO Édouard-Herriot",
    "contacts": "Fils : DÉMO Bernard 06 00 00 00 02",
    "commentaire": "Appareil auditif à droite",
}


def dlu(resident, ehpad, par, contenu=None):
    return services.creer_dlu(
        resident, ehpad, par=par, contenu=dict(contenu or CONTENU_DLU), date_acte=date(2026, 12, 1)
    )
