"""Regression tests of the hardening issue's finding 4: a function held on one ESMS never acts on its OG's own
objects (certificates and their passwords, card inventory, OG-level proofs, homologation), nor shows another
ESMS's usagers; a closed function no longer opens account management."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from socle.comptes import services as comptes
from socle.comptes.models import Fonction, Habilitation
from socle.connecteurs.commun.pki import en_p12, fabriquer
from socle.prerequis import services
from socle.prerequis.models import EtatEtape, Homologation, Statut
from socle.usagers import services as usagers
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.usagers.factories import TRAITS_ALICE

pytestmark = pytest.mark.django_db
MDP = "mdp-certificat-insi"


@pytest.fixture
def og_et_esms():
    og = OrganismeFactory()
    return og, EtablissementFactory(organisme=og), EtablissementFactory(organisme=og)


def _certificat(og):
    cert, key = fabriquer("INSI-AUTO", usage="auth")
    return services.enregistrer_certificat(og, en_p12(cert, key, MDP), "insi.p12", MDP)


@pytest.mark.parametrize("fonction", [Fonction.ADMIN_TECHNIQUE, Fonction.REPRESENTANT_LEGAL])
def test_fonction_sur_un_esms_ne_revele_pas_le_mot_de_passe_du_certificat(client_de, og_et_esms, fonction):
    og, et, _autre = og_et_esms
    cert = _certificat(og)
    user = utilisateur_avec(fonction, etablissement=et)
    user.habilitations.create(fonction=Fonction.ADMIN_TECHNIQUE, etablissement=et)  # given to herself
    c = client_de(user)
    rep = c.post(reverse("prerequis:mot_de_passe", args=[cert.pk]))
    assert rep.status_code in (403, 404) and MDP not in rep.content.decode()
    with pytest.raises(PermissionError):
        services.mot_de_passe_certificat(user, cert)
    # the OG-wide administrateur technique still can
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    assert MDP in client_de(admin).post(reverse("prerequis:mot_de_passe", args=[cert.pk])).content.decode()


@pytest.mark.parametrize("page", ["prerequis:cartes", "prerequis:certificats", "prerequis:homologation",
                                  "prerequis:homologation_pv"])
def test_pages_de_l_organisme_fermees_a_une_fonction_d_esms(client_de, og_et_esms, page):
    og, et, _autre = og_et_esms
    Homologation.objects.create(organisme=og)
    for fonction in (Fonction.ADMIN_TECHNIQUE, Fonction.REPRESENTANT_LEGAL, Fonction.ADMISSION):
        rep = client_de(utilisateur_avec(fonction, etablissement=et)).get(reverse(page, args=[og.finess]))
        assert rep.status_code == 403, (fonction, rep.status_code)
    assert client_de(utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)).get(
        reverse(page, args=[og.finess])).status_code in (200, 302)


def test_preuve_d_une_etape_de_l_organisme_fermee_a_une_fonction_d_esms(client_de, og_et_esms, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    og, et, _autre = og_et_esms
    etat = EtatEtape.objects.create(organisme=og, etape="contrat", statut=Statut.FAIT, date_fait=date.today())
    etat.preuve.save("contrat.pdf", ContentFile(b"%PDF-1.4 contrat"))
    url = reverse("prerequis:preuve", args=[etat.pk])
    assert client_de(utilisateur_avec(Fonction.REPRESENTANT_LEGAL, etablissement=et)).get(url).status_code == 403
    rep = client_de(utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)).get(url)
    assert rep.status_code == 200 and b"contrat" in b"".join(rep.streaming_content)
    rep.close()


def test_directrice_d_un_esms_ne_gere_pas_les_comptes_de_l_organisme(client_de, og_et_esms):
    og, et, _autre = og_et_esms
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, etablissement=et)
    assert not comptes.organismes_administres(directrice).exists()
    c = client_de(directrice)
    assert c.get(reverse("comptes:equipe")).status_code == 403
    assert c.get(reverse("comptes:equipe_og", args=[og.finess])).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the service
        comptes.habiliter(directrice, directrice, Fonction.ADMIN_TECHNIQUE, organisme=og)
    assert not Habilitation.objects.filter(utilisateur=directrice, organisme=og).exists()


def test_fonction_close_n_ouvre_plus_les_comptes(client_de, og_et_esms):
    og, _et, _autre = og_et_esms
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(rl)
    assert c.get(reverse("comptes:equipe")).status_code == 200
    rl.habilitations.update(date_fin=date.today() - timedelta(days=1))
    assert c.get(reverse("comptes:equipe")).status_code == 403
    assert c.get(reverse("comptes:equipe_og", args=[og.finess])).status_code == 404


def test_recherche_d_anteriorite_ne_nomme_pas_l_usager_d_un_autre_esms(client_de, og_et_esms):
    og, et, autre = og_et_esms
    ailleurs = usagers.creer_usager(og, autre, dict(TRAITS_ALICE))
    c = client_de(utilisateur_avec(Fonction.ADMISSION, etablissement=et))
    donnees = {"nom_naissance": "Autre", "prenoms_naissance": "Personne", "sexe": "F",
               "date_naissance": TRAITS_ALICE["date_naissance"].isoformat(), "lieu_naissance": "69123",
               "etablissement": et.pk, "date_admission": date.today().isoformat()}
    page = c.post(reverse("usagers:nouveau"), donnees).content.decode()
    assert ailleurs.nom_naissance not in page and "ALICE" not in page.upper().replace("DONNEES", "")
    assert "1 autre personne née le même jour est suivie dans un autre ESMS" in page
    assert not et.sejours.exists()  # asked to confirm first, nothing created
