"""End to end: the chef de projet marks the ANS contract and CDE card done with its evidence; her next actions
change (the CDE card's reception, then the card orders, follow)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from socle.comptes.models import Fonction
from socle.prerequis import services
from socle.prerequis.models import EtatEtape, Statut
from tests.browser import RESULTS, page_chromium
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chef_de_projet_marks_contract_done_and_next_actions_change(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    og = OrganismeFactory(raison_sociale="ASSOCIATION TEST NAVIGATEUR")
    EtablissementFactory(organisme=og)
    g = GrappeFactory()
    g.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=g)
    chef.username = "chef-navigateur"
    chef.set_password("motdepasse-test")
    chef.save()
    jour = services.aujourdhui()
    services.marquer(chef, og, "finess", Statut.FAIT, date_fait=jour - timedelta(days=5),
                     preuve=SimpleUploadedFile("finess.pdf", b"%PDF finess"))
    preuve = tmp_path / "contrat-adhesion-signe.pdf"
    preuve.write_bytes(b"%PDF-1.4 contrat d'adhesion signe (test)")

    with page_chromium() as page:
        page.goto(f"{live_server.url}/comptes/connexion/?next=/prerequis/")
        page.fill("#id_username", "chef-navigateur")
        page.fill("#id_password", "motdepasse-test")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/prerequis/")
        actions = page.locator("#actions").inner_text()
        assert "commander la carte CDE (CGU, contrat d'adhésion F101" in actions
        assert "Réceptionner la carte CDE" not in actions
        page.screenshot(path=str(RESULTS / "prerequis-avant.png"), full_page=True)

        page.locator("#actions tr", has_text="commander la carte CDE").get_by_role("link", name="Mettre à jour").click()
        page.select_option("#id_statut", "fait")
        page.fill("#id_date_envoi", (jour - timedelta(days=2)).isoformat())
        page.fill("#id_date_fait", jour.isoformat())
        page.set_input_files("#id_preuve", str(preuve))
        page.click("#form-etape button[type=submit]")
        page.wait_for_url(f"{live_server.url}/prerequis/og/{og.finess}/")
        assert "enregistrée" in page.locator(".messages").inner_text()

        page.goto(f"{live_server.url}/prerequis/")
        actions = page.locator("#actions").inner_text()
        assert "Réceptionner la carte CDE" in actions
        assert "commander la carte CDE (CGU" not in actions
        page.screenshot(path=str(RESULTS / "prerequis-apres.png"), full_page=True)

    etat = EtatEtape.objects.get(organisme=og, etape="contrat_cde")
    with etat.preuve.open("rb") as fh:
        assert etat.statut == Statut.FAIT and fh.read().startswith(b"%PDF-1.4 contrat")
