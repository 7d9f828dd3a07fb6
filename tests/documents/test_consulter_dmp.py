"""« Consulter le DMP »: the usager's consent first (recorded with who / when), then the documents of her DMP
her profile may read (matrix), one opened; every read of the DMP and every refusal in the access log."""

import pytest
from django.urls import reverse

from socle.audit.models import EvenementAudit
from socle.documents import envoi_dmp, services
from socle.documents.models import ChoixUsager
from tests.authentification import connecter_fort
from tests.documents.dmp_outils import deposer_certificats_dmp, fixture_bouchon_dmp, valide  # noqa: F401
from tests.documents.factories import (  # noqa: F401
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    professionnel_avec_compte,
)

OBJET = ChoixUsager.Objet


@pytest.fixture
def dans_le_dmp(resident, ehpad, infirmiere, bouchon_dmp):
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki)
    doc = valide(dlu(resident, ehpad, infirmiere))
    assert envoi_dmp.traiter(envoi_dmp.programmer_envoi(doc, infirmiere).pk).etat == "accepte"
    return doc


def _lectures_dmp(usager):
    return [e.details for e in EvenementAudit.objects.filter(objet_type="usagers.Usager", objet_id=str(usager.pk)).order_by("pk")
            if e.details.get("dmp")]


def test_consentement_puis_liste_et_ouverture(client, resident, ehpad, infirmiere, dans_le_dmp):
    connecter_fort(client, infirmiere)
    url = reverse("documents:dmp", args=[resident.pk])
    page = client.get(url).content.decode()
    assert "Le consentement de l&#x27;usager à la consultation de son DMP n&#x27;est pas recueilli." in page
    assert 'id="dmp-documents"' not in page
    assert _lectures_dmp(resident)[-1]["dmp"] == "consultation refusée"
    r = client.post(reverse("documents:dmp_consentement", args=[resident.pk]),
                    {"exprime_par": "L'usager", "esms": ehpad.pk}, follow=True)
    choix = ChoixUsager.objects.get(usager=resident, objet=OBJET.CONSENTEMENT_CONSULTATION)
    assert choix.recueilli_par == infirmiere and choix.exprime_par == "L'usager" and choix.fin_le is None
    page = r.content.decode()
    assert 'id="dmp-documents"' in page and "DOCUMENT DE LIAISON D" in page and "27/03/2020" in page
    uid = f"1.2.250.1.213.1.1.1.22.2022.1.1^{dans_le_dmp.uid.hex}"
    liste = _lectures_dmp(resident)[-1]
    assert liste["dmp"] == "liste" and liste["documents"] == [uid]
    r = client.get(reverse("documents:dmp_ouvrir", args=[resident.pk]), {"uid": uid, "esms": ehpad.pk})
    assert r.status_code == 200
    page = r.content.decode()
    assert "BOILEAU" in page  # the author of the official DLU, read back from the DMP's metadata
    assert _lectures_dmp(resident)[-1] == {"dmp": "document", "uid": uid, "type": "74207-2"}


def test_opposition_a_la_consultation(client, resident, ehpad, infirmiere, dans_le_dmp):
    services.enregistrer_choix(resident, OBJET.CONSENTEMENT_CONSULTATION, par=infirmiere, exprime_par="L'usager")
    services.enregistrer_choix(resident, OBJET.OPPOSITION_CONSULTATION, par=infirmiere, exprime_par="Sa fille, tutrice")
    connecter_fort(client, infirmiere)
    page = client.get(reverse("documents:dmp", args=[resident.pk])).content.decode()
    assert "opposé à la consultation" in page and 'id="dmp-documents"' not in page
    uid = f"1.2.250.1.213.1.1.1.22.2022.1.1^{dans_le_dmp.uid.hex}"
    r = client.get(reverse("documents:dmp_ouvrir", args=[resident.pk]), {"uid": uid})
    assert r.status_code == 302 and r["Location"].startswith(reverse("documents:dmp", args=[resident.pk]))
    assert not any(d.get("dmp") == "document" and "refus" not in d for d in _lectures_dmp(resident))


def test_role_qui_ne_lit_pas_le_type_403_trace(client, resident, ehpad, infirmiere, dans_le_dmp):
    services.enregistrer_choix(resident, OBJET.CONSENTEMENT_CONSULTATION, par=infirmiere, exprime_par="L'usager")
    # a MJPM (rôle 307): the default matrix gives it no DLU
    mjpm = professionnel_avec_compte(ehpad, profession="99", role="307", genre="GENR08", n=2)
    connecter_fort(client, mjpm)
    page = client.get(reverse("documents:dmp", args=[resident.pk])).content.decode()
    assert "Aucun document lisible" in page and "1 document d'un type que votre rôle ne lit pas" in page
    uid = f"1.2.250.1.213.1.1.1.22.2022.1.1^{dans_le_dmp.uid.hex}"
    r = client.get(reverse("documents:dmp_ouvrir", args=[resident.pk]), {"uid": uid})
    assert r.status_code == 403
    refus = _lectures_dmp(resident)[-1]
    assert refus["refus"] == "matrice" and refus["role"] == "307" and refus["uid"] == uid


def test_hors_perimetre_404(client, resident, dans_le_dmp):
    from tests.organisations.factories import EtablissementFactory

    autre = professionnel_avec_compte(EtablissementFactory(), n=3)
    connecter_fort(client, autre)
    assert client.get(reverse("documents:dmp", args=[resident.pk])).status_code == 404


def test_masquage_transmis_au_dmp(client, resident, ehpad, infirmiere, dans_le_dmp, bouchon_dmp):
    connecter_fort(client, infirmiere)
    r = client.post(reverse("documents:masquer", args=[dans_le_dmp.pk]), {"codes": ["MASQUE_PS"]}, follow=True)
    assert "Masquage enregistré" in r.content.decode()
    dans_le_dmp.refresh_from_db()
    assert dans_le_dmp.statut == "masque"
    ctx = envoi_dmp.contexte_consultation(resident, ehpad, infirmiere)
    (fiche,) = envoi_dmp.client_de(dans_le_dmp).rechercher(ctx)
    assert fiche.masquage == ("MASQUE_PS",) and fiche.version == "2"
    assert [a.transaction for a in bouchon_dmp.journal.appels].count("ITI-57") == 1
