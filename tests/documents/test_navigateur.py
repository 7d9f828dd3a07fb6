"""Browser test: a nurse of an EHPAD fills the DLU of a resident, validates it (ANS kit), asks to send it to the
DMP: without the organisation's DMP certificates the sending is refused, with the reason. (The accepted
sending, through the worker and the DMP stand-in, is tests/documents/test_navigateur_dmp.py.)"""

import pytest

from socle.documents.models import Document, Statut
from socle.documents.validation import precompiler
from socle.usagers import services as usagers_services
from tests.authentification import avec_second_facteur
from tests.browser import page_chromium, se_connecter
from tests.documents.factories import TRAITS, professionnel_avec_compte, qualifier
from tests.organisations.factories import EtablissementFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_infirmiere_remplit_et_valide_un_dlu(live_server):
    precompiler("DLU")  # the schematrons compiled once per process, as a worker does at start
    ehpad = EtablissementFactory(categorie_code="500", nom="EHPAD DÉMO NAVIGATEUR")
    resident = qualifier(usagers_services.creer_usager(ehpad.organisme, ehpad, dict(TRAITS)))
    nurse = avec_second_facteur(professionnel_avec_compte(ehpad))  # documents need PSC or the second factor
    with page_chromium() as page:
        se_connecter(page, live_server.url, nurse.username, "motdepasse-test")
        page.goto(f"{live_server.url}/usagers/{resident.pk}/")
        page.click("text=Documents de l'usager")
        page.click("text=Nouveau DLU")
        page.fill("#id_medecin_nom", "Dr DÉMO Martin")
        page.fill("#id_medecin_telephone", "04 72 00 00 01")
        page.fill("#id_personne_confiance", "DÉMO Bernard (fils)")
        page.select_option("#id_directives_anticipees", "oui")
        page.fill("#id_antecedents", "Hypertension artérielle\nFracture du col du fémur")
        page.fill("#id_allergies", "Pénicilline")
        page.fill("#id_traitements", "Amlodipine 5 mg : 1 le matin")
        page.check("input[name=etat][value='62476001']")
        page.fill("#id_poids", "58")
        page.select_option("#id_bmr", "non")
        page.fill("#id_etablissement_prefere", "Hôpital DÉMO")
        page.click("text=Enregistrer le brouillon")
        page.wait_for_selector("text=DLU enregistré en brouillon")
        page.click("text=Valider le document", no_wait_after=True)
        page.wait_for_selector("text=conforme au XSD", timeout=180000)
        page.screenshot(path="test-results/documents-dlu-valide.png", full_page=True)
        page.click("text=Envoyer au DMP")
        page.wait_for_selector("text=Certificat(s) DMP d'authentification et de signature (cachet) absent(s)")
    doc = Document.objects.get(usager=resident)
    assert doc.statut == Statut.VALIDE and doc.valide_cda
    assert "Pénicilline" in doc.cda and resident.ins in doc.cda
