"""Every INSi call is made on behalf of an organisation and presents the certificate that organisation deposited
in the prerequisites cockpit (issued here by the local stand-in's test CA, O = the OG's name, distinct serial
numbers): the stand-in records, per call, the client certificate's CN, organisation and serial number.

Default configuration of a multi-organisation installation: no installation-wide fallback
(SOCLE_INSI_CERTIFICATS_INSTALLATION false), certificate required for batches."""

import itertools
import time
from datetime import date, timedelta

import pytest
from django.urls import reverse

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction
from socle.connecteurs.insi.pki import ORGANISATION_BOUCHON
from socle.connecteurs.insi.standin import base, bouchon_local
from socle.usagers import batch, services
from socle.usagers.models import AppelInsi, LotQualification
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.usagers.factories import MDP_CERTIFICAT, deposer_certificat_insi, homologuer, matricule_pour

pytestmark = pytest.mark.django_db
_SERIE = itertools.count(int(time.time() * 10) % 10_000_000)


@pytest.fixture(name="journal")
def fixture_journal(settings):
    settings.SOCLE_INSI_CERTIFICATS_INSTALLATION = False
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = True
    j = bouchon_local().journal
    j.vider()
    return j


def _personnes(et, n: int) -> list[str]:
    """n usagers of the ESMS known to the national base (unique names for this process's base)."""
    noms = []
    for i in range(n):
        nom = f"CERTIF{next(_SERIE)}{chr(65 + i)}"
        d = date(1940, 1, 1) + timedelta(days=31 * i + et.pk)
        u = services.creer_usager(et.organisme, et, {"nom_naissance": nom, "prenoms_naissance": "ALICE", "sexe": "F",
                                                     "date_naissance": d, "lieu_naissance": "69123"})
        mat, cle = matricule_pour("F", d, "69123", u.pk)
        base.ajouter({"matricule": mat, "cle": cle, "nom_naissance": nom, "prenoms": ["ALICE"], "sexe": "F",
                      "date_naissance": d.isoformat(), "lieu_naissance": "69123"})
        noms.append(u.nom_naissance)
    return noms


def test_un_lot_ins_de_l_organisme_a_utilise_le_certificat_insi_auto_depose_par_a(journal):
    lots = []
    for nom, serie in (("ASSOCIATION ALPHA CERTIF", next(_SERIE) * 16 + 0xA), ("FONDATION BETA CERTIF",
                                                                              next(_SERIE) * 16 + 0xB)):
        og = OrganismeFactory(raison_sociale=nom)
        et = EtablissementFactory(organisme=og)
        auto = deposer_certificat_insi(og, "INSI-AUTO", serie=serie)
        deposer_certificat_insi(og, "INSI-MANU")  # never presented by a batch
        assert auto.format == "pkcs12" and auto.numero_serie == format(serie, "X")
        assert auto.mot_de_passe_chiffre and MDP_CERTIFICAT not in auto.mot_de_passe_chiffre  # stored encrypted
        lots.append((og, auto, _personnes(et, 3), batch.preparer_lot(et, debit=50)))
    for _og, _auto, _noms, lot in lots:
        batch.executer_lot(lot.pk, pause=lambda s: None)
    par_nom = {a.nom: a for a in journal.appels}
    assert len(journal.appels) == 6
    for og, auto, noms, lot in lots:
        lot.refresh_from_db()
        assert lot.compte()["ok"] == 3
        vus = {(par_nom[n].cn, par_nom[n].serie, par_nom[n].organisation) for n in noms}
        assert vus == {("INSI-AUTO", auto.numero_serie, og.raison_sociale)}
    assert lots[0][1].numero_serie != lots[1][1].numero_serie


def test_appel_manuel_avec_le_certificat_insi_manu_de_l_organisme_sinon_son_insi_auto(journal):
    # OG A deposited both: a person's call presents INSI-MANU
    et_a = EtablissementFactory(organisme=OrganismeFactory(raison_sociale="ASSOCIATION MANU"))
    deposer_certificat_insi(et_a.organisme, "INSI-AUTO")
    manu = deposer_certificat_insi(et_a.organisme, "INSI-MANU")
    admission = utilisateur_avec(Fonction.ADMISSION, etablissement=et_a)
    u = services.creer_usager(et_a.organisme, et_a, {"nom_naissance": "ADRTROIS", "prenoms_naissance": "DOMINIQUE",
                                                     "sexe": "F", "date_naissance": date(1997, 2, 26),
                                                     "lieu_naissance": "2A020"})
    appel = services.appeler_insi(u, user=admission)
    assert appel.cr == "00" and appel.mode == "MANU"
    assert [(a.cn, a.serie, a.organisation) for a in journal.appels] == [
        ("INSI-MANU", manu.numero_serie, "ASSOCIATION MANU")]
    assert manu.numero_serie in appel.reponse["certificat"]
    trace = EvenementAudit.objects.filter(action=Action.APPEL_SERVICE, objet_id=str(u.pk)).get()
    assert manu.numero_serie in trace.details["certificat"]
    # OG B deposited only INSI-AUTO: documented fallback, the person's call presents B's INSI-AUTO
    journal.vider()
    et_b = EtablissementFactory(organisme=OrganismeFactory(raison_sociale="FONDATION AUTO SEUL"))
    auto_b = deposer_certificat_insi(et_b.organisme, "INSI-AUTO")
    v = services.creer_usager(et_b.organisme, et_b, {"nom_naissance": "CORSE", "prenoms_naissance": "ANTHONY",
                                                     "sexe": "M", "date_naissance": date(1980, 3, 2),
                                                     "lieu_naissance": "2B020"})
    assert services.appeler_insi(v, user=admission).cr == "00"
    assert [(a.cn, a.serie) for a in journal.appels] == [("INSI-AUTO", auto_b.numero_serie)]


def test_organisme_sans_certificat_refus_clair_sans_appel(journal, settings, client_de):
    et = EtablissementFactory(organisme=OrganismeFactory(raison_sociale="CCAS SANS CERTIFICAT"))
    homologuer(et.organisme)  # homologation pronounced: what is missing here is only the certificate
    u = services.creer_usager(et.organisme, et, {"nom_naissance": "ADRTROIS", "prenoms_naissance": "DOMINIQUE",
                                                 "sexe": "F", "date_naissance": date(1997, 2, 26),
                                                 "lieu_naissance": "2A020"})
    with pytest.raises(services.AppelInsiRefuse) as exc:
        services.appeler_insi(u)
    message = str(exc.value)
    assert "Aucun certificat INSI-MANU" in message and "CCAS SANS CERTIFICAT" in message
    assert "cockpit des prérequis" in message and "Aucun appel INSi n'a été fait" in message
    # the screen says it, and nothing is sent nor stored
    admission = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    r = client_de(admission).post(reverse("usagers:qualifier", args=[u.pk]), {
        "nom_naissance": u.nom_naissance, "prenoms_naissance": u.prenoms_naissance,
        "premier_prenom": u.premier_prenom, "date_naissance": u.date_naissance.isoformat(), "sexe": u.sexe,
        "lieu_naissance": u.lieu_naissance, "nom_utilise": "", "prenom_utilise": "", "type_justificatif": "",
        "pays_cni": "FR", "action": "appeler"})
    assert r.status_code == 200 and "Aucun certificat INSI-MANU" in r.content.decode()
    # batches: refused before anything is queued, also when the cockpit hook is lifted
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False
    with pytest.raises(services.AppelInsiRefuse, match="Aucun certificat INSI-AUTO"):
        batch.preparer_lot(et)
    # an INSI-MANU certificate never authenticates a batch
    deposer_certificat_insi(et.organisme, "INSI-MANU")
    with pytest.raises(services.AppelInsiRefuse, match="INSI-AUTO"):
        batch.preparer_lot(et)
    assert journal.appels == [] and not AppelInsi.objects.filter(usager=u).exists()
    assert not LotQualification.objects.filter(etablissement=et).exists()


def test_repli_mono_organisme_explicite(journal, settings):
    """SOCLE_INSI_CERTIFICATS_INSTALLATION (single-organisation installation): an OG that deposited nothing
    calls with the installation's certificates (here the stand-in's own); a deposited one still wins."""
    settings.SOCLE_INSI_CERTIFICATS_INSTALLATION = True
    et = EtablissementFactory()
    homologuer(et.organisme)  # the installation's certificates too are calls by certificate
    u = services.creer_usager(et.organisme, et, {"nom_naissance": "ADRTROIS", "prenoms_naissance": "DOMINIQUE",
                                                 "sexe": "F", "date_naissance": date(1997, 2, 26),
                                                 "lieu_naissance": "2A020"})
    assert services.appeler_insi(u).cr == "00"
    assert [(a.cn, a.organisation) for a in journal.appels] == [("INSI-MANU", ORGANISATION_BOUCHON)]
    manu = deposer_certificat_insi(et.organisme, "INSI-MANU")
    assert services.appeler_insi(u).cr == "00"
    assert (journal.appels[-1].serie, journal.appels[-1].organisation) == (manu.numero_serie,
                                                                         et.organisme.raison_sociale)


def test_reprise_d_un_lot_apres_retrait_du_certificat_refusee_sans_appel(journal):
    """`socle ins qualify` resumes the ESMS's unfinished batch: if the OG's INSI-AUTO certificate was removed
    meanwhile, the resume is refused in French and nobody is called."""
    import io

    from socle.usagers import batch_cli

    et = EtablissementFactory(organisme=OrganismeFactory(raison_sociale="ASSOCIATION REPRISE"))
    depose = deposer_certificat_insi(et.organisme, "INSI-AUTO")
    _personnes(et, 2)
    lot = batch.preparer_lot(et, debit=50)
    depose.delete()
    err = io.StringIO()
    code = batch_cli.qualify({"establishment": et.finess, "rate": 50, "stdout": io.StringIO(), "stderr": err})
    assert code == 1 and "Aucun certificat INSI-AUTO" in err.getvalue()
    assert journal.appels == [] and lot.lignes.filter(etat="a_faire").count() == 2
