"""Regression tests of the hardening issue's findings 5–10 and 13, one or more per finding, named after it
(test_constat_<n>_…)."""

import csv
import io
import json
import re
import signal
import sqlite3
import threading
from datetime import date
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connection, transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction, Utilisateur
from socle.connecteurs.insi.interface import ReponseInsi
from socle.connecteurs.insi.standin import bouchon_local
from socle.core.tableur import neutraliser
from socle.organisations.models import Etablissement
from socle.personnel import export as exp
from socle.personnel.models import ImportPersonnel, Professionnel, SituationExercice
from socle.prerequis import homologation, services
from socle.prerequis.models import Carte, Homologation, Jalon
from socle.usagers import batch
from socle.usagers import services as usagers_services
from socle.usagers.models import AnomalieIns, LigneLot, LotQualification, TypeAnomalie
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- 5. milestones belong to a grappe or an OG, edited by its own chef de projet ------------------------------

def _jalon(js, code="sons_bon_commande"):
    return next(j for j in js if j.code == code)


@pytest.mark.django_db
def test_constat_5_jalons_d_une_grappe_ou_d_un_og_modifies_par_leur_seul_chef_de_projet(client_de):
    g1, g3 = GrappeFactory(), GrappeFactory()
    og1, og3 = OrganismeFactory(), OrganismeFactory()
    g1.membres.add(og1)
    g3.membres.add(og3)
    et1 = EtablissementFactory(organisme=og1)
    sons_g1 = _jalon(services.jalons_de(og1))
    sons_g3 = _jalon(services.jalons_de(og3))
    assert sons_g1.grappe == g1 and sons_g3.grappe == g3 and sons_g1.pk != sons_g3.pk
    url = reverse("prerequis:calendrier")

    # the finding: OG3's chef de projet changed OG1's calendar — OG1's milestones are out of her sight now
    chef_og3 = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og3)
    assert client_de(chef_og3).post(url, {"jalon": sons_g1.pk, "date_cible": "2027-01-15"}).status_code == 404
    # a chef de projet on one ESMS of OG1, or on OG1 itself, sees the grappe's milestone but may not change it
    for chef in (utilisateur_avec(Fonction.CHEF_PROJET, etablissement=et1),
                 utilisateur_avec(Fonction.CHEF_PROJET, organisme=og1)):
        assert client_de(chef).post(url, {"jalon": sons_g1.pk, "date_cible": "2027-01-15"}).status_code == 403
    sons_g1.refresh_from_db()
    assert sons_g1.date_cible != date(2027, 1, 15) and sons_g1.a_confirmer

    # the grappe's chef de projet confirms her grappe's date; OG3's milestone is untouched
    chef_g1 = utilisateur_avec(Fonction.CHEF_PROJET, grappe=g1)
    assert client_de(chef_g1).post(url, {"jalon": sons_g1.pk, "date_cible": "2027-01-15"}).status_code == 302
    sons_g1.refresh_from_db()
    sons_g3.refresh_from_db()
    assert sons_g1.date_cible == date(2027, 1, 15) and not sons_g1.a_confirmer
    assert sons_g3.date_cible != date(2027, 1, 15) and sons_g3.a_confirmer
    trace = EvenementAudit.objects.get(objet_type="prerequis.Jalon", action=Action.MODIFICATION)
    assert trace.utilisateur == chef_g1 and trace.details["grappe"] == g1.pk

    # an OG's own milestone: its chef de projet (on the OG, or on its grappe) edits it, and it replaces the
    # grappe's for that OG only
    propre = Jalon.objects.create(code="sons_bon_commande", libelle="SONS (date propre à l'OG)", programme="SONS",
                                  date_cible=date(2027, 2, 1), organisme=og1)
    chef_og1 = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og1)
    assert client_de(chef_og1).post(url, {"jalon": propre.pk, "date_cible": "2027-02-10"}).status_code == 302
    assert client_de(chef_g1).post(url, {"jalon": propre.pk, "date_cible": "2027-02-12"}).status_code == 302
    assert client_de(chef_og3).post(url, {"jalon": propre.pk, "date_cible": "2027-02-13"}).status_code == 404
    assert _jalon(services.jalons_de(og1)).pk == propre.pk
    assert _jalon(services.jalons_de(og3)).pk == sons_g3.pk


@pytest.mark.django_db
def test_constat_5_jalons_par_defaut_en_lecture_seule_copies_a_confirmer_calendrier_des_og_en_vue(client_de):
    Jalon.assurer_defauts()
    defaut = Jalon.defauts().get(code="sons_bon_commande")
    date_defaut = defaut.date_cible
    og, autre = OrganismeFactory(), OrganismeFactory()
    EtablissementFactory(organisme=og)
    autre_g = GrappeFactory()
    autre_g.membres.add(autre)
    Jalon.objects.create(code="copil_autre", libelle="Copil d'une autre grappe", programme="ESMS Numérique",
                         date_cible=date(2027, 5, 5), grappe=autre_g)

    js = services.jalons_de(og)  # first use: the OG (in no grappe) gets its copy of every default
    assert {j.code for j in js} == set(Jalon.defauts().values_list("code", flat=True))
    assert all(j.organisme == og and j.a_confirmer for j in js)
    services.jalons_de(og)
    assert og.jalons.count() == len(js)  # copied once

    chef = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    c = client_de(chef)
    page = c.get(reverse("prerequis:calendrier")).content.decode()
    assert "à confirmer" in page and "Copil d'une autre grappe" not in page
    # an installation default is read-only, even for a superuser (it is in nobody's calendar)
    admin = Utilisateur.objects.create_superuser("admin-constat", "admin@exemple.invalid", "motdepasse-test")
    for client in (c, client_de(admin)):
        assert client.post(reverse("prerequis:calendrier"),
                           {"jalon": defaut.pk, "date_cible": "2030-01-01"}).status_code == 404
    defaut.refresh_from_db()
    assert defaut.date_cible == date_defaut
    assert not services.peut_modifier_jalon(admin, defaut)

    # the .ics holds the milestones of the OGs in view: the OG's own copies, not another grappe's
    cal = Calendar.from_ical(c.get(reverse("prerequis:calendrier_ics") + f"?og={og.finess}").content)
    uids = {str(e["uid"]) for e in cal.walk("VEVENT") if str(e["uid"]).startswith("jalon-")}
    assert uids == {f"jalon-{j.pk}@socle" for j in js}


# --- 6. formula injection in CSV / XLSX exports -----------------------------------------------------------------

def test_constat_6_neutraliser_une_cellule():
    for v in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutraliser(v) == "'" + v
    for v in ("DUPONT", "", 3, None, date(2020, 1, 1)):
        assert neutraliser(v) == v


def _pro_dangereux() -> tuple[Professionnel, SituationExercice]:
    et = Etablissement(finess="690900014", nom="ESMS")
    pro = Professionnel(nom_naissance='=HYPERLINK("http://exemple.invalid","clic")', nom_usage="@SUM(1+1)",
                        prenoms=["-Camille"], sexe="F", date_naissance=date(1985, 3, 14), mobile="+33612345678",
                        email="camille@exemple.invalid", commune_naissance="69381")
    return pro, SituationExercice(professionnel=pro, etablissement=et, metier="=cmd|' /C calc'!A0",
                                  date_prise_fonction=date(2020, 9, 1))


def test_constat_6_fichier_rpps_plus_neutralise_les_noms_et_garde_le_telephone():
    pro, s = _pro_dangereux()
    structure = {**exp.STRUCTURE_DEFAUT, "colonnes": [*exp.STRUCTURE_DEFAUT["colonnes"],
                                                      {"entete": "Métier", "champ": "metier", "valeur": "code"}]}
    lignes = list(csv.DictReader(io.StringIO(exp.rendre_csv(structure, [(pro, s)]).decode("utf-8-sig")),
                                 delimiter=";"))
    ligne = lignes[0]
    assert ligne["Nom de naissance"] == "'" + pro.nom_naissance
    assert ligne["Nom d'usage"] == "'@SUM(1+1)" and ligne["Prénoms de naissance"] == "'-Camille"
    assert ligne["Métier"].startswith("'=")
    assert ligne["Téléphone mobile"] == "+33612345678"  # the portal reads values literally: kept as typed
    assert ligne["Adresse e-mail"] == "camille@exemple.invalid"
    # erreurs.csv and situations_a_ajouter.csv are read by people: every text cell neutralised
    res = exp.ResultatExport(exclus=[exp.Exclu(pro, "690900014", "=ERREUR")], supplementaires=[(pro, s)])
    for contenu in (res.erreurs_csv(), res.situations_csv()):
        for row in list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))[1:]:
            assert not any(c.startswith(("=", "+", "-", "@")) for c in row), row


@pytest.mark.django_db
def test_constat_6_export_des_anomalies_xlsx_sans_formule(client_de):
    et = EtablissementFactory(nom='=HYPERLINK("http://exemple.invalid","clic")')
    u = usagers_services.creer_usager(et.organisme, et, {"nom_naissance": "DEMOFORMULE", "prenoms_naissance": "ALICE",
                                                         "sexe": "F", "date_naissance": date(1950, 3, 4),
                                                         "lieu_naissance": "69123"})
    AnomalieIns.objects.create(usager=u, etablissement=et, type=TypeAnomalie.NON_TROUVEE, detail="+1-1",
                               creee_le=timezone.now())
    r = client_de(utilisateur_avec(Fonction.ADMISSION, etablissement=et)).get(reverse("usagers:anomalies_export"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    ligne = [c for c in ws[2]]
    assert ligne[1].value == "'" + et.nom and ligne[1].data_type == "s"
    assert ligne[7].value == "'+1-1" and ligne[7].data_type == "s"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


# --- 7. homologation PV: user text escaped before reportlab's markup -----------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("charge", ["balise_non_fermee", "image_du_serveur", "lien_javascript"])
def test_constat_7_pv_homologation_echappe_le_texte_saisi(client_de, tmp_path, charge):
    from PIL import Image

    image = tmp_path / "secret-serveur.png"
    Image.new("RGB", (8, 8), "red").save(image)
    champs = {"membres": "Directrice\nDPO", "reserves": "", "rgpd_finalite": "Identification INS"}
    note = "vérifié"
    if charge == "balise_non_fermee":
        champs["membres"] = "<b>Directrice non fermée\nDPO <i>"
    elif charge == "image_du_serveur":
        champs["reserves"] = f'<img src="{image}" width="50" height="50"/>'
    else:
        note = '<a href="javascript:alert(1)">cliquez</a>'
        champs["rgpd_finalite"] = '<link href="javascript:alert(2)">lien</link>'
    og = OrganismeFactory()
    Homologation.objects.create(organisme=og, checklist={c: {"ok": True, "note": note} for c in homologation.ITEMS},
                                date_commission=date(2026, 11, 20), decision="homologue",
                                rgpd_date_inscription=date(2026, 11, 21), **champs)
    r = client_de(utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)).get(
        reverse("prerequis:homologation_pv", args=[og.finess]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")  # an unclosed <b> was an HTTP 500
    assert b"/Subtype /Image" not in r.content and b"/XObject" not in r.content  # no server file embedded
    assert b"/URI" not in r.content and b"/Annot" not in r.content  # no link kept


# --- 8. access journal ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_constat_8_suppression_sql_du_journal_refusee():
    e = EvenementAudit.objects.create(identifiant="x", action=Action.LECTURE, objet_type="t")
    for sql in ("DELETE FROM audit_evenementaudit", f"DELETE FROM audit_evenementaudit WHERE id = {e.pk}",
                "UPDATE audit_evenementaudit SET identifiant = 'y'"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert EvenementAudit.objects.filter(pk=e.pk, identifiant="x").exists()


@pytest.mark.django_db
def test_constat_8_echec_de_connexion_rattache_au_compte_et_vu_par_le_dpo(client, client_de):
    og, autre = OrganismeFactory(), OrganismeFactory()
    secretaire = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    dpo = utilisateur_avec(Fonction.DPO, organisme=og)
    dpo_autre = utilisateur_avec(Fonction.DPO, organisme=autre)
    client.post(reverse("comptes:login"), {"username": secretaire.username, "password": "faux-mot-de-passe"})
    client.post(reverse("comptes:login"), {"username": "personne-inconnue", "password": "x"})
    echec = EvenementAudit.objects.get(action=Action.ECHEC_CONNEXION, identifiant=secretaire.username)
    assert echec.utilisateur == secretaire and echec.details["compte_existant"] is True
    inconnu = EvenementAudit.objects.get(action=Action.ECHEC_CONNEXION, identifiant="personne-inconnue")
    assert inconnu.utilisateur is None and inconnu.details["identifiant_tente"] == "personne-inconnue"
    page = client_de(dpo).get(reverse("audit:recherche"), {"action": Action.ECHEC_CONNEXION}).content.decode()
    assert secretaire.username in page and "personne-inconnue" not in page
    page = client_de(dpo_autre).get(reverse("audit:recherche"), {"action": Action.ECHEC_CONNEXION}).content.decode()
    assert secretaire.username not in page


@pytest.mark.django_db
def test_constat_8_le_dpo_voit_les_lectures_de_son_og_par_une_autre_og(client_de):
    og_a, og_b = OrganismeFactory(), OrganismeFactory()
    g = GrappeFactory()
    g.membres.add(og_a, og_b)
    et_a = EtablissementFactory(organisme=og_a)
    pro = ProfessionnelFactory(organisme=og_a)
    SituationFactory(professionnel=pro, etablissement=et_a)
    # a gestionnaire RPPS+ working for the grappe (habilitated on the grappe, not on OG A) reads A's staff
    gestionnaire = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, grappe=g)
    assert client_de(gestionnaire).get(reverse("personnel:fiche", args=[pro.pk])).status_code == 200
    lecture = EvenementAudit.objects.get(action=Action.LECTURE, objet_type="personnel.Professionnel",
                                         objet_id=str(pro.pk))
    assert lecture.organisme == og_a
    dpo_a = utilisateur_avec(Fonction.DPO, organisme=og_a)
    page = client_de(dpo_a).get(reverse("audit:recherche"), {"qui": gestionnaire.username}).content.decode()
    assert str(pro) in page and og_a.raison_sociale in page
    dpo_b = utilisateur_avec(Fonction.DPO, organisme=og_b)
    page = client_de(dpo_b).get(reverse("audit:recherche"), {"qui": gestionnaire.username}).content.decode()
    assert str(pro) not in page


@pytest.mark.django_db
def test_constat_8_lectures_du_personnel_des_cartes_et_des_doublons_journalisees(client_de):
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    pro = ProfessionnelFactory(organisme=og)
    s = SituationFactory(professionnel=pro, etablissement=et)
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(rl)
    carte = Carte.objects.create(organisme=og, type="CPE", titulaire_nom="DEMO Titulaire")
    imp = ImportPersonnel.objects.create(organisme=og, nom_fichier="rh.csv", rapport={"problemes": []})
    for url in (reverse("prerequis:cartes", args=[og.finess]), reverse("personnel:import_detail", args=[imp.pk]),
                reverse("personnel:export", args=[og.finess]),
                reverse("personnel:modifier_situation", args=[s.pk])):
        assert c.get(url).status_code == 200, url
    lectures = EvenementAudit.objects.filter(action=Action.LECTURE, utilisateur=rl)
    assert lectures.get(objet_type="prerequis.Carte").details["ids"] == [str(carte.pk)]
    assert lectures.filter(objet_type="personnel.ImportPersonnel", objet_id=str(imp.pk)).exists()
    assert lectures.filter(objet_libelle__startswith="Export RPPS+").exists()
    assert lectures.filter(objet_type="personnel.Professionnel", objet_id=str(pro.pk),
                           details__situation=s.pk).exists()
    assert all(e.organisme == og for e in lectures)

    # the duplicates screen names the usagers it shows
    a = usagers_services.creer_usager(og, et, {"nom_naissance": "DEMOLIN", "prenoms_naissance": "ALICE MARIE",
                                               "sexe": "F", "date_naissance": date(1950, 3, 4),
                                               "lieu_naissance": "69123"})
    b = usagers_services.creer_usager(og, et, {"nom_naissance": "DEMOLLIN", "prenoms_naissance": "ALICE",
                                               "sexe": "F", "date_naissance": date(1950, 3, 4),
                                               "lieu_naissance": "69123"})
    admission = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    assert client_de(admission).get(reverse("usagers:doublons_og", args=[og.finess])).status_code == 200
    e = EvenementAudit.objects.get(utilisateur=admission, details__ecran="doublons probables")
    assert sorted(e.details["ids"]) == sorted([str(a.pk), str(b.pk)]) and e.organisme == og
    assert sorted(e.details["paires_montrees"][0]) == sorted([a.pk, b.pk])


# --- 9. a locked database: the worker and the INS batch wait instead of dying -----------------------------------

class Verrou:
    """An exclusive lock on the (shared in-memory SQLite) test database, held by another connection and released
    after `duree` seconds, like another process writing for a moment."""

    def __init__(self):
        self.cx = sqlite3.connect(connection.settings_dict["NAME"], uri=True, isolation_level=None,
                                  check_same_thread=False)
        self.minuteries: list[threading.Timer] = []
        self.pris = 0

    def prendre(self, duree: float) -> None:
        self.cx.execute("BEGIN EXCLUSIVE")
        self.pris += 1
        t = threading.Timer(duree, lambda: self.cx.execute("ROLLBACK"))
        self.minuteries.append(t)
        t.start()

    def fermer(self) -> None:
        for t in self.minuteries:
            t.join()
        self.cx.close()


@pytest.fixture
def verrou():
    v = Verrou()
    yield v
    v.fermer()


VERROU: list[Verrou] = []


@task()
def tache_simple() -> str:
    return "ok"


@task()
def tache_qui_verrouille(duree: float) -> str:
    """Another process locks the database right when this task's result is to be written."""
    VERROU[0].prendre(duree)
    return "fini"


@pytest.fixture
def signaux():
    """The worker installs its own signal handlers: put pytest's back."""
    anciens = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for s, h in anciens.items():
        signal.signal(s, h)


def _socle_worker():
    call_command("socle_worker", "--batch", "--queue-name", "*", "--no-startup-delay", "--interval", "0.05",
                 "--no-reload", stdout=StringIO())


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_constat_9_le_travailleur_attend_une_base_verrouillee_au_lieu_de_s_arreter(verrou, signaux, caplog):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from socle.cli import translate

    assert translate(["socle", "worker"])[1] == "socle_worker"
    premiere = tache_simple.enqueue()
    verrou.prendre(0.8)
    # django-tasks-db's own loop dies on a lock met when it opens its transaction (the finding)
    with pytest.raises(OperationalError):
        db_worker.Worker(queue_names=["*"], interval=0.05, batch=True, backend_name="default",
                         startup_delay=False, max_tasks=None, worker_id="nu", excluded_queue_names=[]).run()
    _socle_worker()  # the lock is still held: it waits, then runs the task
    assert DBTaskResult.objects.get(pk=premiere.id).status == "SUCCESSFUL"
    assert any("Base de données verrouillée" in r.getMessage() for r in caplog.records)

    # the lock comes while the worker records a task's result (django-tasks-db tries three times in 0.3 s)
    VERROU[:] = [verrou]
    seconde = tache_qui_verrouille.enqueue(1.0)
    _socle_worker()
    resultat = DBTaskResult.objects.get(pk=seconde.id)
    assert resultat.status == "SUCCESSFUL" and resultat.return_value == "fini"


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_constat_9_le_lot_ins_reessaie_ses_ecritures_sur_une_base_verrouillee(verrou):
    et = EtablissementFactory(categorie_code="500")
    gens = [usagers_services.creer_usager(et.organisme, et, {
        "nom_naissance": f"DEMOVERROU{c}", "prenoms_naissance": "ALICE", "sexe": "F",
        "date_naissance": date(1950, 1, i + 1), "lieu_naissance": "69123"}) for i, c in enumerate("ABC")]
    lot = LotQualification.objects.create(etablissement=et, debit=1000)
    LigneLot.objects.bulk_create([LigneLot(lot=lot, usager=u) for u in gens])

    class ClientPendantUneEcriture:
        """INSi answers while another process holds the database for half a second."""

        appels = 0

        def rechercher(self, traits, mode="AUTO"):
            self.appels += 1
            verrou.prendre(0.5)
            return ReponseInsi(cr="01", appels=1)

    client = ClientPendantUneEcriture()
    lot = batch.executer_lot(lot.pk, client=client, pause=lambda s: None)
    assert client.appels == 3  # nobody called twice
    assert lot.etat == LotQualification.Etat.TERMINE and lot.compte()["anomalie"] == 3
    assert AnomalieIns.objects.filter(usager__in=gens, type=TypeAnomalie.NON_TROUVEE).count() == 3


# --- 10. sign-in throttling, no password in a cookie ------------------------------------------------------------

def _connexion(client, username, password, ip="127.0.0.1"):
    return client.post(reverse("comptes:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_constat_10_connexion_bloquee_apres_cinq_echecs_meme_avec_le_bon_mot_de_passe(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    og = OrganismeFactory()
    cible = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    for _ in range(50):
        _connexion(client, cible.username, "pas-le-bon", ip="10.0.0.1")
    r = _connexion(client, cible.username, "motdepasse-test", ip="10.0.0.2")  # the right one, another address
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    assert "Connexion temporairement bloquée" in r.content.decode() and "15 minutes" in r.content.decode()
    blocage = EvenementAudit.objects.filter(action=Action.BLOCAGE_CONNEXION, utilisateur=cible).first()
    assert blocage is not None and blocage.details["identifiant_tente"] == cible.username
    # per address too: failures on several names from one address lock that address out
    autre = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    for i in range(5):
        _connexion(client, f"inconnu-{i}", "x", ip="10.0.0.3")
    assert _connexion(client, autre.username, "motdepasse-test", ip="10.0.0.3").status_code == 429
    # elsewhere, the other account signs in normally
    assert _connexion(client, autre.username, "motdepasse-test", ip="10.0.0.4").status_code == 302


@pytest.mark.django_db
def test_constat_10_compte_cree_avec_un_lien_d_activation_sans_mot_de_passe_transmis(client_de, client):
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(directrice)
    r = c.post(reverse("comptes:equipe_og", args=[og.finess]), {
        "prenom": "Julie", "nom": "Démo", "email": "julie@demo.invalid", "username": "julie",
        "fonction": Fonction.ADMISSION, "etablissement": et.pk}, follow=True)
    assert "julie@demo.invalid" in r.content.decode() and "provisoire" not in r.content.decode()
    julie = Utilisateur.objects.get(username="julie")
    assert not julie.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["julie@demo.invalid"]
    lien = re.search(r"https?://\S+/comptes/activer/\S+/", mail.outbox[0].body).group(0)
    jeton = lien.rstrip("/").rsplit("/", 1)[-1]
    assert jeton not in str(c.cookies)  # nothing secret travels in a cookie (the messages one included)

    c.logout()
    r = client.get(lien)  # Django moves the token out of the address, into the session
    assert r.status_code == 302
    formulaire = r["Location"]
    assert "Choisissez votre mot de passe" in client.get(formulaire).content.decode()
    mdp = "Une-phrase-de-passe-2027"
    r = client.post(formulaire, {"new_password1": mdp, "new_password2": mdp})
    assert r.status_code == 302 and r["Location"] == reverse("comptes:login")
    julie.refresh_from_db()
    assert julie.check_password(mdp)
    assert _connexion(client, "julie", mdp).status_code == 302
    client.logout()
    r = client.get(lien, follow=True)  # one time only
    assert "n'est plus valable" in r.content.decode()


# --- 13. `socle ins search` against a tampered answer -----------------------------------------------------------

RECHERCHE = ["--nom", "ADRTROIS", "--prenoms", "DOMINIQUE", "--sexe", "F", "--naissance", "1997-02-26"]


@pytest.mark.parametrize("alteration", [
    pytest.param(lambda c: c.replace(b"1997-02-26", b"1997-02-XX"), id="date-invalide"),
    pytest.param(lambda c: c.replace(b">00<", b">99<"), id="code-retour-inconnu"),
    pytest.param(lambda c: c[: len(c) // 2], id="xml-tronque"),
    pytest.param(lambda c: c.replace(b"297022A020778", b""), id="matricule-absent"),
    pytest.param(lambda c: re.sub(rb"<([\w:]*)TIQ>.*</\1TIQ>", b"", c, flags=re.S), id="traits-absents"),
])
def test_constat_13_ins_search_sur_reponse_alteree_message_francais_code_1(monkeypatch, alteration):
    service = bouchon_local().service
    origine = service.traiter

    def traiter(corps, pair):
        statut, reponse = origine(corps, pair)
        return statut, alteration(reponse)

    monkeypatch.setattr(service, "traiter", traiter)
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as sortie:
        call_command("ins", "search", *RECHERCHE, stdout=out, stderr=err)
    assert sortie.value.code == 1
    assert err.getvalue().startswith("Réponse INSi rejetée : Réponse du téléservice INSi")
    assert "Traceback" not in err.getvalue() and "Invalid" not in err.getvalue()
    assert json.loads(out.getvalue())["cr"] is None
