"""Backlog batch against the local INSi stand-in: anomalies by type, restart after a crash without calling
anybody twice (calls counted on the stand-in side), CLI entry point, task, screen, authorisation hook."""

import io
import itertools
import json
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from socle.comptes.models import Fonction
from socle.connecteurs.insi.standin import FicheNationale, base
from socle.usagers import batch, batch_cli, services
from socle.usagers.models import AnomalieIns, LigneLot, LotQualification, Usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import deposer_certificat_insi, fixture_journal, matricule_pour  # noqa: F401

IMMEDIAT = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                        "QUEUES": ["default", "imports", "ins"]}}


@pytest.fixture(autouse=True)
def sans_exigence_certificat(settings):
    """The batch mechanics are tested apart from the certificate and homologation requirements, which have their
    own tests (test_lot_exige_un_certificat_insi_du_cockpit here, tests/prerequis/test_chaine.py) with the real
    default hook."""
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False
    settings.SOCLE_INSI_EXIGER_HOMOLOGATION = False


_SERIE = itertools.count(int(time.time()) % 100000)


def _lettres(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
        if not n:
            return out


def _peupler(et, n_trouves=8, prefixe="DEMOLOT"):
    """n_trouves people present in the national base with the same traits, 1 with another birthplace code,
    1 with another first-name list, 2 absent, 1 technical error. The OG deposits its INSI-AUTO certificate
    (issued by the stand-in's CA) if it has none yet."""
    og = et.organisme
    if not og.certificats.exists():
        deposer_certificat_insi(og, "INSI-AUTO")
    gens = []
    prefixe += _lettres(next(_SERIE))  # the stand-in base lives as long as the process: unique names
    for i in range(n_trouves + 5):
        nom = f"{prefixe}{chr(65 + i // 26)}{chr(65 + i % 26)}"
        d = date(1930, 1, 1) + timedelta(days=97 * i + et.pk)
        sexe = "F" if i % 2 else "M"
        u = services.creer_usager(og, et, {"nom_naissance": nom, "prenoms_naissance": "ALICE" if sexe == "F" else "BASILE",
                                           "sexe": sexe, "date_naissance": d, "lieu_naissance": "69123"})
        mat, cle = matricule_pour(sexe, d, "69123", u.pk)
        fiche = {"matricule": mat, "cle": cle, "nom_naissance": nom, "prenoms": [u.premier_prenom], "sexe": sexe,
                 "date_naissance": d.isoformat(), "lieu_naissance": "69123"}
        if i < n_trouves:
            base.ajouter(fiche)
        elif i == n_trouves:  # birth commune merged since: the base answers another code
            base.ajouter(FicheNationale.depuis({**fiche, "lieu_naissance": "69999", "anciens_lieux": ["69123"]}))
        elif i == n_trouves + 1:  # national list starts with another first name: INSi answers 01
            base.ajouter({**fiche, "prenoms": ["MARIE", u.premier_prenom]})
        elif i == n_trouves + 4:
            Usager.objects.filter(pk=u.pk).update(nom_naissance="ERREURTECHNIQUE")
        gens.append(u)
    return gens


class Coupure(Exception):
    pass


class ClientQuiTombe:
    """Wraps the real client of the OG; the process 'dies' right after the stand-in answered the n-th call."""

    def __init__(self, n, organisme):
        self.reel, self.n, self.faits = services.client_insi(organisme, "AUTO"), n, 0

    def rechercher(self, traits, mode="AUTO"):
        rep = self.reel.rechercher(traits, mode=mode)
        self.faits += 1
        if self.faits == self.n:
            raise Coupure("arrêt brutal du worker")
        return rep


@pytest.mark.django_db
def test_lot_anomalies_par_type(journal):
    et = EtablissementFactory()
    _peupler(et)
    lot = batch.preparer_lot(et, debit=50)
    assert lot.lignes.count() == 13
    batch.executer_lot(lot.pk, pause=lambda s: None)
    lot.refresh_from_db()
    c = lot.compte()
    assert lot.etat == "termine" and c["ok"] == 8 and c["anomalie"] == 5
    types = Counter(AnomalieIns.objects.filter(ligne__lot=lot).values_list("type", flat=True))
    # the person whose national list starts with another first name is not found by INSi (01) either
    assert types == {"non_trouvee": 3, "commune": 1, "technique": 1}
    assert {a.cn for a in journal.appels} == {"INSI-AUTO"}
    depose = et.organisme.certificats.get()  # the OG's own certificate, not the installation's
    assert {(a.serie, a.organisation) for a in journal.appels} == {(depose.numero_serie, et.organisme.raison_sociale)}
    qualifies = Usager.objects.filter(sejours__etablissement=et, statut="RECUP")
    assert qualifies.count() == 8 and all(u.matricule_ins for u in qualifies)
    # nothing overwritten silently: the commune-nouvelle person keeps its typed code
    anomalie = AnomalieIns.objects.get(ligne__lot=lot, type="commune")
    assert anomalie.usager.lieu_naissance == "69123" and anomalie.ecarts["lieu_naissance"] == ["69123", "69999"]


@pytest.mark.django_db
def test_reprise_apres_coupure_sans_double_appel(journal):
    et = EtablissementFactory()
    gens = _peupler(et)
    lot = batch.preparer_lot(et, debit=50)
    with pytest.raises(Coupure):
        batch.executer_lot(lot.pk, client=ClientQuiTombe(5, et.organisme), pause=lambda s: None)
    etats = Counter(lot.lignes.values_list("etat", flat=True))
    assert etats["appel"] == 1 and etats["a_faire"] == 8 and etats["ok"] + etats["anomalie"] == 4
    avant = len(journal.appels)
    assert avant == 5
    batch.executer_lot(lot.pk, pause=lambda s: None)  # restart
    lot.refresh_from_db()
    assert lot.etat == "termine" and not lot.lignes.filter(etat__in=["a_faire", "appel"]).exists()
    # every person reached the stand-in exactly once (one first name each: one SOAP call per person)
    par_nom = Counter(a.nom for a in journal.appels)
    noms = set(Usager.objects.filter(pk__in=[g.pk for g in gens]).values_list("nom_naissance", flat=True))
    assert set(par_nom) == noms and all(n == 1 for n in par_nom.values()), par_nom
    assert len(journal.appels) == 13
    # the interrupted one is not lost: it waits in the anomaly queue
    interrompue = lot.lignes.get(anomalies__type="interrompu")
    assert interrompue.etat == "anomalie"
    # a third run calls nobody
    batch.executer_lot(lot.pk, pause=lambda s: None)
    assert len(journal.appels) == 13


@pytest.mark.django_db
def test_debit_respecte_par_les_pauses(journal):
    et = EtablissementFactory()
    _peupler(et, n_trouves=3)
    lot = batch.preparer_lot(et, debit=2)
    pauses, t = [], [0.0]

    def pause(s):
        pauses.append(s)
        t[0] += s

    batch.executer_lot(lot.pk, pause=pause, horloge=lambda: t[0])
    # 8 calls at 2 calls/s: a 0.5 s wait before each call but the first
    assert pauses == [pytest.approx(0.5)] * 7


@pytest.mark.django_db
def test_commande_relancee_apres_coupure_reprend_le_lot_sans_rappeler_personne(journal):
    """Hardening finding 3: kill -9 during `socle ins qualify`, then the same command. It resumes the ESMS's
    unfinished batch (no new batch), and nobody already answered is called again — counted on the stand-in."""
    et = EtablissementFactory()
    gens = _peupler(et)
    lot = batch.preparer_lot(et, debit=50)
    with pytest.raises(Coupure):
        batch.executer_lot(lot.pk, client=ClientQuiTombe(5, et.organisme), pause=lambda s: None)
    LotQualification.objects.filter(pk=lot.pk).update(etat="en_cours")  # as the killed worker left it
    assert len(journal.appels) == 5
    out, err = io.StringIO(), io.StringIO()
    assert batch_cli.qualify({"establishment": et.finess, "rate": 50, "stdout": out, "stderr": err}) == 0
    assert f"Reprise du lot {lot.pk} inachevé" in out.getvalue()
    assert LotQualification.objects.filter(etablissement=et).count() == 1
    par_nom = Counter(a.nom for a in journal.appels)
    assert len(journal.appels) == 13 and all(n == 1 for n in par_nom.values()), par_nom
    # run again: a new batch, but everyone was answered (recovered or in the anomaly queue): no call at all
    assert batch_cli.qualify({"establishment": et.finess, "rate": 50, "stdout": out, "stderr": err}) == 0
    nouveau = LotQualification.objects.filter(etablissement=et).latest("pk")
    assert nouveau.pk != lot.pk and nouveau.lignes.count() == 0 and len(journal.appels) == 13
    # unless a new call is asked for: the people in the anomaly queue are called again, the recovered ones too
    assert batch_cli.qualify({"establishment": et.finess, "rate": 50, "rappeler": True,
                              "stdout": out, "stderr": err}) == 0
    assert len(journal.appels) == 13 + len(gens)


@pytest.mark.django_db
def test_eligibilite_exclut_les_identites_deja_traitees(journal):
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=2)
    batch.executer_lot(batch.preparer_lot(et, debit=50).pk, pause=lambda s: None)
    assert not batch.eligibles(et).exists()  # 2 recovered, 5 in the anomaly queue
    anomalie = AnomalieIns.objects.filter(usager__in=gens, resolue_le__isnull=True).first()
    anomalie.resolue_le = timezone.now()
    anomalie.save()
    assert list(batch.eligibles(et)) == [anomalie.usager]  # its anomaly handled: it may be called again
    assert batch.eligibles(et, rappeler=True).count() == len(gens)


@pytest.mark.django_db
def test_lot_exclut_qualifiees_douteuses_et_limite(journal):
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=3)
    services.definir_attributs(gens[0], douteuse=True, fictive=False, homonyme=False)
    Usager.objects.filter(pk=gens[1].pk).update(statut="QUAL")
    lot = batch.preparer_lot(et, limite=3)
    assert lot.lignes.count() == 3
    ids = set(lot.lignes.values_list("usager_id", flat=True))
    assert gens[0].pk not in ids and gens[1].pk not in ids
    # people waiting in an unfinished batch are not queued a second time
    lot2 = batch.preparer_lot(et)
    assert not ids & set(lot2.lignes.values_list("usager_id", flat=True))


@pytest.mark.django_db
def test_commande_socle_ins_qualify(journal):
    et = EtablissementFactory()
    _peupler(et, n_trouves=4)
    out, err = io.StringIO(), io.StringIO()
    code = batch_cli.qualify({"establishment": et.finess, "limit": 5, "rate": 50, "stdout": out, "stderr": err})
    assert code == 0
    resume = json.loads(out.getvalue().strip().splitlines()[-1])
    assert resume["total"] == 5 and resume["ins_recupere"] == 4 and resume["anomalies"] == 1
    assert batch_cli.qualify({"establishment": "000000000", "stdout": out, "stderr": err}) == 1
    assert "introuvable" in err.getvalue()


@pytest.mark.django_db
def test_commande_par_call_command(journal):
    from django.core.management import call_command

    et = EtablissementFactory()
    _peupler(et, n_trouves=2)
    out = io.StringIO()
    call_command("ins", "qualify", "--establishment", et.finess, "--rate", "50", stdout=out)
    assert '"ins_recupere": 2' in out.getvalue()


@pytest.mark.django_db
def test_batch_autorise_branche_certificat():
    et = EtablissementFactory()
    assert services.batch_autorise(et.organisme) == (True, "")
    with override_settings(SOCLE_INSI_EXIGER_CERTIFICAT=True):  # no certificate deposited in the cockpit
        ok, message = services.batch_autorise(et.organisme)
        assert not ok and "Aucun certificat" in message
        with pytest.raises(PermissionError):
            batch.preparer_lot(et)
    with override_settings(SOCLE_INSI_EXIGER_CERTIFICAT=False):
        assert services.batch_autorise(et.organisme)[0] is True


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIAT)
def test_ecran_lot_tache_et_progression(client_de, journal):
    et = EtablissementFactory()
    _peupler(et, n_trouves=3)
    user = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    c = client_de(user)
    assert c.get(reverse("usagers:lots")).status_code == 200
    r = c.post(reverse("usagers:lots"), {"etablissement": et.pk, "debit": "50"})
    assert r.status_code == 302
    lot = LotQualification.objects.get(etablissement=et)
    assert lot.etat == "termine" and lot.compte()["ok"] == 3  # ran through the task backend
    r = c.get(reverse("usagers:lot", args=[lot.pk]), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert 'id="progression"' in html and "<html" not in html and "100 %" in html
    r = c.get(reverse("usagers:anomalies") + "?type=non_trouvee")
    html = r.content.decode()
    assert "Conduite à tenir" in html and "nom de NAISSANCE" in html
    # another OG's admission cannot see the batch
    autre = utilisateur_avec(Fonction.ADMISSION, etablissement=EtablissementFactory())
    assert client_de(autre).get(reverse("usagers:lot", args=[lot.pk])).status_code == 404


@pytest.mark.django_db
def test_anomalie_resolue_quand_identite_acceptee(journal):
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=0)
    lot = batch.preparer_lot(et, debit=50)
    batch.executer_lot(lot.pk, pause=lambda s: None)
    u = gens[0]  # commune-nouvelle case: accept INSi's answer by hand
    appel = u.appels_insi.get()
    services.accepter_identite(u, appel)
    assert not AnomalieIns.objects.filter(usager=u, resolue_le__isnull=True).exists()
    assert LigneLot.objects.filter(lot=lot).count() == 5


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIAT)
def test_reprise_par_l_ecran(client_de, journal):
    et = EtablissementFactory()
    _peupler(et, n_trouves=3)
    lot = batch.preparer_lot(et, debit=50)
    with pytest.raises(Coupure):
        batch.executer_lot(lot.pk, client=ClientQuiTombe(2, et.organisme), pause=lambda s: None)
    c = client_de(utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=et.organisme))
    # the crash just happened: the batch still looks alive, no second runner is started
    c.post(reverse("usagers:lot_reprendre", args=[lot.pk]))
    lot.refresh_from_db()
    assert lot.etat == "en_cours" and len(journal.appels) == 2
    # five minutes later, no sign of life from the batch: it may be resumed
    LotQualification.objects.filter(pk=lot.pk).update(battement=timezone.now() - timedelta(minutes=5))
    c.post(reverse("usagers:lot_reprendre", args=[lot.pk]))
    lot.refresh_from_db()
    assert lot.etat == "termine" and len(journal.appels) == 8
    assert Counter(a.nom for a in journal.appels).most_common(1)[0][1] == 1


@pytest.mark.django_db
def test_sexe_indetermine_va_en_anomalie_sans_appel(journal):
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=1)
    Usager.objects.filter(pk=gens[0].pk).update(sexe="I")
    lot = batch.preparer_lot(et, debit=50)
    batch.executer_lot(lot.pk, pause=lambda s: None)
    a = AnomalieIns.objects.get(usager=gens[0])
    assert a.type == "incomplet" and "R-SX-01" in a.detail
    assert gens[0].nom_naissance not in {x.nom for x in journal.appels}


@pytest.mark.django_db
def test_nouvelle_anomalie_remplace_l_ancienne(journal):
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=0)
    for rappeler in (False, True):  # the second batch is an explicit new call
        batch.executer_lot(batch.preparer_lot(et, debit=50, rappeler=rappeler).pk, pause=lambda s: None)
    ouvertes = AnomalieIns.objects.filter(usager__in=gens, resolue_le__isnull=True)
    assert ouvertes.count() == len(gens) and AnomalieIns.objects.filter(usager__in=gens).count() == 2 * len(gens)
    assert "lieu de naissance : saisi « 69123 »" in ouvertes.get(type="commune").detail


@pytest.mark.django_db
def test_export_excel_des_anomalies(client_de, journal):
    from io import BytesIO

    from openpyxl import load_workbook

    from socle.audit.models import Action, EvenementAudit

    et = EtablissementFactory()
    _peupler(et, n_trouves=1)
    batch.executer_lot(batch.preparer_lot(et, debit=50).pk, pause=lambda s: None)
    c = client_de(utilisateur_avec(Fonction.ADMISSION, etablissement=et))
    r = c.get(reverse("usagers:anomalies_export") + "?type=non_trouvee")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    assert ws["A1"].value == "FINESS ESMS" and ws.max_row == 1 + 3  # 2 absent + 1 other first-name list
    assert {ws.cell(row=i, column=7).value for i in range(2, ws.max_row + 1)} == {"Identité non trouvée"}
    assert "NAISSANCE" in ws["J2"].value  # the conduct to follow travels with the line
    assert EvenementAudit.objects.filter(action=Action.EXPORT, objet_type="usagers.AnomalieIns").exists()
    autre = utilisateur_avec(Fonction.ADMISSION, etablissement=EtablissementFactory())
    ws = load_workbook(BytesIO(client_de(autre).get(reverse("usagers:anomalies_export")).content)).active
    assert ws.max_row == 1  # another OG's anomalies are not exported


@pytest.mark.django_db
def test_lot_exige_un_certificat_insi_du_cockpit(settings):
    """Default configuration: no INSi batch until the OG's administrateur technique has deposited an
    INSi-ready AUTH_CLI certificate in the prerequisites cockpit (issue 6 hook)."""
    from socle.connecteurs.commun.pki import en_pem, fabriquer
    from socle.prerequis.services import enregistrer_certificat

    settings.SOCLE_INSI_EXIGER_CERTIFICAT = True
    et = EtablissementFactory()
    ok, message = services.batch_autorise(et.organisme)
    assert not ok and "INSI-AUTO" in message
    with pytest.raises(PermissionError):
        batch.preparer_lot(et)
    signature, _ = fabriquer("INSI-AUTO", usage="sign")
    enregistrer_certificat(et.organisme, en_pem(signature), "signature.pem")
    assert services.batch_autorise(et.organisme)[0] is False  # a signing certificate does not open INSi
    cert, _ = fabriquer("INSI-AUTO", usage="auth")
    enregistrer_certificat(et.organisme, en_pem(cert), "insi-auto.pem")
    ok, message = services.batch_autorise(et.organisme)
    assert ok and "INSI-AUTO" in message
    # the cockpit sees an INSi-ready certificate, but without its private key the batch could not call INSi
    with pytest.raises(services.AppelInsiRefuse, match="clé privée"):
        batch.preparer_lot(et)
    deposer_certificat_insi(et.organisme, "INSI-AUTO")  # the PKCS#12, certificate and key
    batch.preparer_lot(et)


class ClientRefuse:
    """The real client of the OG until the n-th call, then the téléservice refuses every call (e.g. a revoked
    certificate): a permanent error, not worth retrying."""

    def __init__(self, n, organisme):
        self.reel, self.n, self.faits = services.client_insi(organisme, "AUTO"), n, 0

    def rechercher(self, traits, mode="AUTO"):
        self.faits += 1
        if self.faits >= self.n:
            from socle.connecteurs.insi.interface import InsiErreurPermanente

            raise InsiErreurPermanente("Certificat client refusé par le téléservice", code="certificat")
        return self.reel.rechercher(traits, mode=mode)


@pytest.mark.django_db
def test_erreur_permanente_arrete_le_lot_sans_rien_perdre(journal):
    """A permanent refusal stops the batch at once (no useless calls, no anomaly per person); after the fix,
    resuming calls the remaining people, the refused one included, each once."""
    et = EtablissementFactory()
    gens = _peupler(et, n_trouves=6)
    lot = batch.preparer_lot(et, debit=50)
    client = ClientRefuse(4, et.organisme)
    batch.executer_lot(lot.pk, client=client, pause=lambda s: None)
    lot.refresh_from_db()
    assert lot.etat == "interrompu" and "refuse les appels" in lot.message and client.faits == 4
    assert not AnomalieIns.objects.filter(ligne__lot=lot, type="technique").exists()
    assert lot.lignes.filter(etat="a_faire").count() == len(gens) - 3
    batch.executer_lot(lot.pk, pause=lambda s: None)  # certificate replaced: resume
    lot.refresh_from_db()
    assert lot.etat == "termine" and not lot.lignes.filter(etat__in=["a_faire", "appel"]).exists()
    par_nom = Counter(a.nom for a in journal.appels)
    # the refused call never reached the stand-in: after the resume everyone reached it exactly once
    assert all(n == 1 for n in par_nom.values()) and len(par_nom) == len(gens)
