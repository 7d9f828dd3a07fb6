"""Browser test of the FINESS upload screen: a chef de projet loads the real extract and reads the summary."""


import pytest
from django.urls import reverse

from socle.comptes.models import Fonction
from socle.organisations.finess_import import importer
from socle.organisations.models import Etablissement, ImportFiness, OrganismeGestionnaire
from tests.browser import RESULTS as RESULTATS
from tests.browser import page_chromium
from tests.chemins import EXTRAIT_FINESS
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import GrappeFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chef_de_projet_importe_l_extrait(live_server, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "imports", "ins"]}}
    settings.MEDIA_ROOT = tmp_path / "media"
    extrait = EXTRAIT_FINESS
    importer(extrait, departements=["01"])  # the grappe's organisations, loaded by the installation's administrator
    grappe = GrappeFactory()
    grappe.membres.set(OrganismeGestionnaire.objects.all())
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    with page_chromium() as page:
        page.goto(live_server.url + reverse("organisations:import_finess"))
        page.fill("#id_username", chef.username)
        page.fill("#id_password", "motdepasse-test")
        page.click("button[type=submit]")
        page.wait_for_url("**/organisations/import-finess/")
        page.screenshot(path=str(RESULTATS / "import-finess-formulaire.png"), full_page=True)
        page.set_input_files("#id_fichier", str(extrait))
        page.click("text=Lancer l'import")
        page.wait_for_selector("text=Anomalies FINESS à signaler")
        texte = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
        page.screenshot(path=str(RESULTATS / "import-finess.png"), full_page=True)
    assert "Terminé" in texte and "010780906" in texte
    assert ImportFiness.objects.get().statut == ImportFiness.Statut.TERMINE
    assert Etablissement.objects.count() == 10  # her grappe's ESMS; the file's others are not hers to create
