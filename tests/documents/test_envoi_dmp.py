"""The DMP outbox: refused without qualified identity / valid CDA / certificates; sent by the worker's
function to the stand-in over mutual TLS with a signed VIHF; temporary errors retried with backoff,
permanent ones stop the row and show the DMP's reason; a crash mid-send never registers a document twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from socle.audit.models import EvenementAudit
from socle.connecteurs.dmp.interface import DmpErreurTemporaire
from socle.documents import envoi_dmp, services
from socle.documents.models import Document, EnvoiDmp, Statut
from tests.documents.dmp_outils import cda_pour, deposer_certificats_dmp, fixture_bouchon_dmp, valide  # noqa: F401
from tests.documents.factories import (  # noqa: F401
    PDF_MINIMAL,
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
)

E = EnvoiDmp.Etat


class Coupure(BaseException):
    """The worker dies (kill -9): nothing after this point runs, no except clause catches it."""


@pytest.fixture
def pret(resident, ehpad, infirmiere, bouchon_dmp):
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki)
    return valide(dlu(resident, ehpad, infirmiere))


def _envois_iti41(bouchon, document):
    uid = f"1.2.250.1.213.1.1.1.22.2022.1.1^{document.uid.hex}"
    return bouchon.journal.envois(uid)


def test_refus_sans_certificats_dmp(resident, ehpad, infirmiere, bouchon_dmp):
    doc = valide(dlu(resident, ehpad, infirmiere))
    with pytest.raises(services.DocumentInvalide) as exc:
        envoi_dmp.programmer_envoi(doc, infirmiere)
    assert "Certificat(s) DMP d'authentification et de signature (cachet)" in str(exc.value)
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki, signature=False)
    raisons = services.demander_envoi(doc, infirmiere)
    assert len(raisons) == 1 and "de signature (cachet)" in raisons[0] and "d'authentification" not in raisons[0]
    assert not EnvoiDmp.objects.exists()


def test_refus_identite_non_qualifiee(resident_prov, ehpad, infirmiere, bouchon_dmp):
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki)
    doc = valide(dlu(resident_prov, ehpad, infirmiere), cda="<x/>")
    with pytest.raises(services.DocumentInvalide) as exc:
        envoi_dmp.programmer_envoi(doc, infirmiere)
    assert "qualifiée" in str(exc.value)


def test_envoi_accepte(pret, infirmiere, bouchon_dmp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        envoi = envoi_dmp.programmer_envoi(pret, infirmiere)
    assert len(rappels) == 1  # the task is queued once the transaction commits
    pret.refresh_from_db()
    assert pret.statut == Statut.ENVOYE and envoi.etat == E.EN_ATTENTE
    envoi = envoi_dmp.traiter(envoi.pk)
    assert envoi.etat == E.ACCEPTE and envoi.entry_uuid.startswith("urn:uuid:") and envoi.essais == 1
    pret.refresh_from_db()
    assert pret.statut == Statut.ACCEPTE
    (appel,) = _envois_iti41(bouchon_dmp, pret)
    assert appel.resultat == "Success" and appel.organisation == pret.etablissement.organisme.raison_sociale
    assert appel.structure == f"1{pret.etablissement.finess}"
    # a second run sends nothing
    envoi_dmp.traiter(envoi.pk)
    assert len(_envois_iti41(bouchon_dmp, pret)) == 1
    assert EvenementAudit.objects.filter(objet_type="documents.Document", objet_id=str(pret.pk),
                                         details__transition="envoye→accepte").exists()


class ClientQuiTombe:
    """The real client; the worker dies right after (apres=True) or right before (False) the ITI-41 call."""

    def __init__(self, document, apres: bool):
        self.vrai = envoi_dmp.client_de(document)
        self.apres = apres

    def envoyer(self, *args, **kwargs):
        if self.apres:
            self.vrai.envoyer(*args, **kwargs)
        raise Coupure

    def __getattr__(self, nom):
        return getattr(self.vrai, nom)


def test_coupure_apres_l_envoi_jamais_deux_envois(pret, infirmiere, bouchon_dmp):
    envoi = envoi_dmp.programmer_envoi(pret, infirmiere)
    with pytest.raises(Coupure):
        envoi_dmp.traiter(envoi.pk, client=ClientQuiTombe(pret, apres=True))
    envoi.refresh_from_db()
    assert envoi.etat == E.APPEL  # the claim was committed before the call
    assert len(_envois_iti41(bouchon_dmp, pret)) == 1
    envoi = envoi_dmp.traiter(envoi.pk)  # restart: asks the DMP first
    assert envoi.etat == E.ACCEPTE and "pas de second envoi" in envoi.historique[-1]["evenement"]
    assert len(_envois_iti41(bouchon_dmp, pret)) == 1
    assert bouchon_dmp.registre.compter() == 1
    pret.refresh_from_db()
    assert pret.statut == Statut.ACCEPTE


def test_coupure_avant_l_envoi_renvoye_une_fois(pret, infirmiere, bouchon_dmp):
    envoi = envoi_dmp.programmer_envoi(pret, infirmiere)
    with pytest.raises(Coupure):
        envoi_dmp.traiter(envoi.pk, client=ClientQuiTombe(pret, apres=False))
    assert _envois_iti41(bouchon_dmp, pret) == []
    envoi = envoi_dmp.traiter(envoi.pk)  # not in the DMP: back in the queue, with a delay
    assert envoi.etat == E.EN_ATTENTE and envoi.prochain_essai > timezone.now()
    EnvoiDmp.objects.filter(pk=envoi.pk).update(prochain_essai=timezone.now() - timedelta(seconds=1))
    envoi = envoi_dmp.traiter(envoi.pk)
    assert envoi.etat == E.ACCEPTE
    assert len(_envois_iti41(bouchon_dmp, pret)) == 1


class ClientIndisponible:
    def __init__(self):
        self.appels = 0

    def envoyer(self, *args, **kwargs):
        self.appels += 1
        raise DmpErreurTemporaire("Le DMP n'a pas répondu dans le délai de 20 s.", code="delai")


def test_erreur_temporaire_nouvel_essai_apres_attente(pret, infirmiere, bouchon_dmp, settings):
    settings.SOCLE_DMP_ESSAIS_MAX = 2
    envoi = envoi_dmp.programmer_envoi(pret, infirmiere)
    indisponible = ClientIndisponible()
    avant = timezone.now()
    envoi = envoi_dmp.traiter(envoi.pk, client=indisponible)
    assert envoi.etat == E.EN_ATTENTE and envoi.essais == 1 and envoi.code_erreur == "delai"
    assert timedelta(seconds=59) < envoi.prochain_essai - avant < timedelta(seconds=62)
    envoi_dmp.traiter(envoi.pk, client=indisponible)  # not due yet: no call
    assert indisponible.appels == 1
    EnvoiDmp.objects.filter(pk=envoi.pk).update(prochain_essai=timezone.now())
    envoi = envoi_dmp.traiter(envoi.pk, client=indisponible)
    # the second failure reaches SOCLE_DMP_ESSAIS_MAX: the row stops, the author reads why
    assert envoi.etat == E.REJETE and "Abandon après 2 essais" in envoi.derniere_erreur
    pret.refresh_from_db()
    assert pret.statut == Statut.REJETE and "Abandon" in pret.motif_rejet
    assert envoi_dmp.attente(1) == timedelta(minutes=1) and envoi_dmp.attente(3) == timedelta(minutes=4)
    assert envoi_dmp.attente(20) == timedelta(hours=1)


def test_erreur_permanente_rejet_avec_le_motif_du_dmp(resident, ehpad, infirmiere, bouchon_dmp):
    deposer_certificats_dmp(ehpad.organisme, bouchon_dmp.pki)
    doc = dlu(resident, ehpad, infirmiere)
    cda = cda_pour(doc).replace('<templateId root="1.2.250.1.213.1.1.1.1"/>', "", 1)  # header not CI-SIS
    valide(doc, cda)
    envoi = envoi_dmp.traiter(envoi_dmp.programmer_envoi(doc, infirmiere).pk)
    assert envoi.etat == E.REJETE and envoi.code_erreur == "XDSRegistryError" and envoi.essais == 1
    doc.refresh_from_db()
    assert doc.statut == Statut.REJETE and "1.2.250.1.213.1.1.1.1" in doc.motif_rejet
    # corrected and sent again: the same outbox row, a new try
    valide(doc)
    Document.objects.filter(pk=doc.pk).update(statut=Statut.REJETE)
    doc.refresh_from_db()
    envoi = envoi_dmp.traiter(envoi_dmp.programmer_envoi(doc, infirmiere).pk)
    assert envoi.etat == E.ACCEPTE and envoi.essais == 1


def test_remplacement_rplc(pret, infirmiere, bouchon_dmp):
    envoi_dmp.traiter(envoi_dmp.programmer_envoi(pret, infirmiere).pk)
    pret.refresh_from_db()
    v2 = services.remplacer(pret, par=infirmiere)
    valide(v2, cda_pour(v2).replace('<versionNumber value="1"/>', '<versionNumber value="2"/>', 1))
    envoi = envoi_dmp.traiter(envoi_dmp.programmer_envoi(v2, infirmiere).pk)
    assert envoi.etat == E.ACCEPTE
    pret.refresh_from_db()
    assert pret.statut == Statut.REMPLACE
    ctx = envoi_dmp.contexte_de(v2)
    client = envoi_dmp.client_de(v2)
    statuts = {f.unique_id.split("^")[1]: f.statut.rsplit(":", 1)[1] for f in client.rechercher(ctx, tous_statuts=True)}
    assert statuts == {pret.uid.hex: "Deprecated", v2.uid.hex: "Approved"}
