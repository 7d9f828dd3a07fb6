"""Screens, rights, audit, calendar export, reminders, homologation PV."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from icalendar import Calendar

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction
from socle.connecteurs.commun.pki import en_p12, en_pem, fabriquer
from socle.prerequis import calendrier, homologation, services
from socle.prerequis.models import EtatEtape, Homologation, Jalon, RappelEnvoye, Statut
from socle.prerequis.services import IDS_ESMS, IDS_OG
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def og():
    o = OrganismeFactory()
    EtablissementFactory(organisme=o)
    EtablissementFactory(organisme=o)
    return o


def _faire(user, og, *ids, jours=10):
    jour = services.aujourdhui()
    for i in ids:
        services.marquer(user, og, i, Statut.FAIT, date_envoi=jour - timedelta(days=jours + 1),
                         date_fait=jour - timedelta(days=jours), preuve=SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4 x"))


def test_index_and_og_page_show_next_actions(client_de, og):
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(rl)
    html = c.get("/prerequis/").content.decode()
    assert "Aucune action en attente" in html  # finess is the chef de projet's
    services.marquer(rl, og, "finess", Statut.FAIT, date_fait=services.aujourdhui(),
                     preuve=SimpleUploadedFile("finess.pdf", b"x"))
    html = c.get("/prerequis/").content.decode()
    assert "commander la carte CDE" in html
    r = c.get(f"/prerequis/og/{og.finess}/")
    assert r.status_code == 200 and "prochaines-actions" in r.content.decode()


def test_rights_404_out_of_perimeter_403_wrong_function(client_de, og):
    autre = OrganismeFactory()
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    c = client_de(rh)
    assert c.get(f"/prerequis/og/{autre.finess}/").status_code == 404
    assert c.get(f"/prerequis/og/{autre.finess}/etape/contrat_cde/").status_code == 404
    r = c.post(f"/prerequis/og/{og.finess}/etape/finess/", {"statut": "en_cours", "date_envoi": "2026-01-01"})
    assert r.status_code == 403
    assert not EtatEtape.objects.exists()
    assert c.post(f"/prerequis/og/{og.finess}/certificats/", {}).status_code == 403
    assert c.post(f"/prerequis/og/{og.finess}/homologation/", {}).status_code == 403


def test_marking_a_step_with_evidence_is_checked_and_traced(client_de, og):
    chef = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    c = client_de(chef)
    jour = services.aujourdhui()
    url = f"/prerequis/og/{og.finess}/etape/contrat_cde/"
    r = c.post(url, {"statut": "fait", "date_fait": jour.isoformat()})
    assert "Étape bloquée" in r.content.decode()  # finess first
    _faire(chef, og, "finess")
    r = c.post(url, {"statut": "fait", "date_fait": jour.isoformat()})
    assert "Joignez la pièce justificative" in r.content.decode()
    r = c.post(url, {"statut": "fait", "date_fait": (jour + timedelta(days=2)).isoformat(),
                     "preuve": SimpleUploadedFile("contrat.pdf", b"%PDF contrat")})
    assert "dans le futur" in r.content.decode()
    r = c.post(url, {"statut": "fait", "date_fait": jour.isoformat(),
                     "preuve": SimpleUploadedFile("contrat.exe", b"MZ")})
    assert "Type de fichier non accepté" in r.content.decode()
    r = c.post(url, {"statut": "fait", "date_envoi": jour.isoformat(), "date_fait": jour.isoformat(),
                     "preuve": SimpleUploadedFile("contrat.pdf", b"%PDF contrat")})
    assert r.status_code == 302
    etat = EtatEtape.objects.get(organisme=og, etape="contrat_cde")
    with etat.preuve.open("rb") as fh:
        assert etat.statut == Statut.FAIT and fh.read() == b"%PDF contrat"
    ev = EvenementAudit.objects.filter(objet_type="prerequis.EtatEtape", objet_id=str(etat.pk)).get()
    assert ev.action == Action.CREATION and ev.details["apres"]["statut"] == "fait" and ev.utilisateur == chef
    r = c.get(f"/prerequis/preuves/{etat.pk}/")
    # reading the whole streaming content closes the response (and its file); a second close() would send
    # request_finished again, and close_old_connections would drop the test's PostgreSQL connection
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF contrat"
    r = c.post(url, {"statut": "na"})
    assert "pourquoi" in r.content.decode()
    # another OG's user cannot download the evidence
    c2 = client_de(utilisateur_avec(Fonction.CHEF_PROJET, organisme=OrganismeFactory()))
    assert c2.get(f"/prerequis/preuves/{etat.pk}/").status_code == 404


def test_esms_step_needs_esms_and_owner(og):
    et = og.etablissements.first()
    at = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, etablissement=et)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    with pytest.raises(services.EtapeError, match="niveau ESMS"):
        services.marquer(chef, og, "lecteurs", Statut.EN_COURS, date_envoi=services.aujourdhui())
    _faire(chef, og, "finess", "contrat_cde", "cde_reception")
    services.marquer(at, og, "lecteurs", Statut.EN_COURS, etablissement=et, date_envoi=services.aujourdhui())
    with pytest.raises(PermissionError):
        services.marquer(at, og, "lecteurs", Statut.EN_COURS, etablissement=og.etablissements.last(),
                         date_envoi=services.aujourdhui())
    with pytest.raises(PermissionError):
        services.marquer(at, og, "mandataires", Statut.EN_COURS, date_envoi=services.aujourdhui())


def test_grappe_matrix_and_filters(client_de, og):
    g = GrappeFactory()
    g.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=g)
    c = client_de(chef)
    r = c.get(f"/prerequis/grappes/{g.pk}/")
    assert r.status_code == 200 and r.content.decode().count("<tr><td><a href") == 2
    r = c.get(f"/prerequis/grappes/{g.pk}/?filtre=retard")
    assert "Aucun ESMS ne correspond" in r.content.decode()
    jour = services.aujourdhui()
    services.marquer(chef, og, "finess", Statut.EN_COURS, date_envoi=jour - timedelta(days=30))
    r = c.get(f"/prerequis/grappes/{g.pk}/?filtre=retard")
    assert r.content.decode().count('class="retard"') == 2
    assert c.get(f"/prerequis/grappes/{GrappeFactory().pk}/").status_code == 404


def test_ics_export_parses_back_with_milestones_and_warnings(client_de, og):
    Jalon.assurer_defauts()
    Jalon.objects.create(code="copil", libelle="Copil trop proche", programme="ESMS Numérique",
                         date_cible=services.aujourdhui() + timedelta(days=3), etapes=["cde_reception"])
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    r = client_de(rl).get(f"/prerequis/calendrier.ics?og={og.finess}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    evts = list(cal.walk("VEVENT"))
    resumes = [str(e["summary"]) for e in evts]
    assert any("Copil trop proche" in s for s in resumes)
    assert any("Vérifier les FINESS" in s for s in resumes)
    assert len({str(e["uid"]) for e in evts}) == len(evts)
    copil = next(e for e in evts if "Copil" in str(e["summary"]))
    assert copil.decoded("dtstart") == services.aujourdhui() + timedelta(days=3)
    assert "AVERTISSEMENTS" in str(copil["description"])
    _, avertissements = calendrier.evenements([og])
    assert any(a.jalon == "copil" and a.gravite == "impossible" for _, a in avertissements)
    page = client_de(rl).get("/prerequis/calendrier/").content.decode()
    assert "intenable" in page
    assert client_de(rl).get(f"/prerequis/calendrier.ics?og={OrganismeFactory().finess}").status_code == 404


def test_reminders_sent_once_per_day(og):
    et = og.etablissements.first()
    chef = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    chef.email = "chef@exemple.invalid"
    chef.save()
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    rl.email = "rl@exemple.invalid"
    rl.save()
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    admin.email = "admin@exemple.invalid"
    admin.save()
    jour = services.aujourdhui()
    _faire(chef, og, "finess")
    services.marquer(rl, og, "contrat_cde", Statut.EN_COURS, date_envoi=jour - timedelta(days=40))  # 16 days max
    c, key = fabriquer("INSI-AUTO", debut=__import__("datetime").datetime.now(__import__("datetime").UTC)
                       - timedelta(days=100), jours=110)
    services.enregistrer_certificat(og, en_p12(c, key, "x"), "a.p12", "x", "service@exemple.invalid")
    assert et  # the OG has ESMS; their steps are blocked, not late
    call_command("reminders")
    sujets = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert ("rl@exemple.invalid", "[Socle] Étape en retard : " + services.ETAPES["contrat_cde"].titre) in sujets
    assert {t for t, s in sujets if "Certificat" in s} == {"admin@exemple.invalid", "service@exemple.invalid"}
    assert not any(t == "chef@exemple.invalid" for t, _ in sujets)  # not the owner of the late step
    n = len(mail.outbox)
    call_command("reminders")
    assert len(mail.outbox) == n  # same day: nothing twice
    demain = jour + timedelta(days=1)
    services.envoyer_rappels(demain)
    assert [m.to[0] for m in mail.outbox[n:]] == ["rl@exemple.invalid"]  # late step again, certificate alert not
    assert RappelEnvoye.objects.count() == n + 1


def test_reminders_task_runs_with_immediate_backend(settings, og):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "imports", "ins"]}}
    from socle.prerequis.tasks import rappels_quotidiens

    result = rappels_quotidiens.enqueue()
    assert result.return_value == {"etapes": 0, "certificats": 0}


def test_certificate_upload_screen_and_password_reveal(client_de, og):
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    c = client_de(admin)
    cert, key = fabriquer("INSI-AUTO")
    url = f"/prerequis/og/{og.finess}/certificats/"
    r = c.post(url, {"fichier": SimpleUploadedFile("c.p12", en_p12(cert, key, "secret-p12")), "mot_de_passe": "faux"})
    assert "incorrect" in r.content.decode()
    r = c.post(url, {"fichier": SimpleUploadedFile("c.p12", en_p12(cert, key, "secret-p12")),
                     "mot_de_passe": "secret-p12"})
    assert r.status_code == 302
    page = c.get(url).content.decode()
    assert "INSi : non prêt" in page and "auto-homologation INS" in page  # certificate deposited, not homologated
    EtatEtape.objects.create(organisme=og, etape="homologation", statut=Statut.FAIT, date_fait=services.aujourdhui())
    page = c.get(url).content.decode()
    assert "INSi : prêt" in page and "secret-p12" not in page
    pk = og.certificats.get().pk
    r = c.post(f"/prerequis/certificats/{pk}/mot-de-passe/", HTTP_HX_REQUEST="true")
    assert r.content.decode() == "<code>secret-p12</code>"
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    assert client_de(rl).post(f"/prerequis/certificats/{pk}/mot-de-passe/").status_code == 403
    assert EvenementAudit.objects.filter(objet_type="prerequis.Certificat", action=Action.LECTURE).count() == 1


def test_cards_inventory_checks_the_48h_rule(client_de, og):
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    c = client_de(rh)
    url = f"/prerequis/og/{og.finess}/cartes/"
    base = {"carte-type": "CPS", "carte-canal": "F201", "carte-titulaire_nom": "Infirmière TEST",
            "carte-date_inscription_rpps": "2026-10-01", "carte-date_reception": "2026-10-01"}
    r = c.post(url, {**base, "carte-date_activation": "2026-10-02"})
    assert "48 h" in r.content.decode()
    r = c.post(url, {**base, "carte-date_activation": "2026-10-04"})
    assert r.status_code == 302 and og.cartes.get().etat == "activée"
    r = c.post(url, {"lecteur-etablissement": og.etablissements.first().pk, "lecteur-modele": "PC/SC",
                     "lecteur-nombre": 2, "lecteur-cryptolib_installee": "on"})
    assert r.status_code == 302
    assert "PC/SC" in c.get(url).content.decode()


def test_homologation_checklist_and_pv_pdf(client_de, og):
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(rl)
    url = f"/prerequis/og/{og.finess}/homologation/"
    assert c.get(url).status_code == 200
    r = c.get(url + "pv.pdf")
    assert r.status_code == 302  # incomplete dossier
    data = {f"ok_{code}": "on" for code in homologation.ITEMS}
    data.update(date_commission="2026-11-20", membres="Directrice TEST\nDPO TEST", decision="homologue",
                duree_mois=36, rgpd_finalite="Identification INS", rgpd_date_inscription="2026-11-21")
    assert c.post(url, data).status_code == 302
    h = Homologation.objects.get(organisme=og)
    assert homologation.progression(h) == (len(homologation.ITEMS), len(homologation.ITEMS))
    assert homologation.manques(h) == []
    r = c.get(url + "pv.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r["Content-Type"] == "application/pdf"


def test_milestone_dates_are_editable_by_the_chef_de_projet_only(client_de, og):
    j = next(j for j in services.jalons_de(og) if j.code == "sons_bon_commande")  # the OG's copy of the default
    rl = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    assert client_de(rl).post("/prerequis/calendrier/", {"jalon": j.pk, "date_cible": "2027-01-15"}).status_code == 403
    chef = utilisateur_avec(Fonction.CHEF_PROJET, organisme=og)
    c = client_de(chef)
    assert c.post("/prerequis/calendrier/", {"jalon": j.pk, "date_cible": "2027-01-15"}).status_code == 302
    j.refresh_from_db()
    assert str(j.date_cible) == "2027-01-15"
    assert EvenementAudit.objects.filter(objet_type="prerequis.Jalon", action=Action.MODIFICATION).exists()
    Jalon.assurer_defauts()  # an edited date is kept
    j.refresh_from_db()
    assert str(j.date_cible) == "2027-01-15"
    r = c.get(f"/prerequis/og/{og.finess}/")
    assert 'id="frise"' in r.content.decode()


def test_late_step_without_owner_goes_to_the_chef_de_projet(og):
    g = GrappeFactory()
    g.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=g)
    chef.email = "chef@exemple.invalid"
    chef.save()
    _faire(chef, og, "finess", jours=40)
    services.marquer(chef, og, "contrat_cde", Statut.EN_COURS, date_envoi=services.aujourdhui() - timedelta(days=20))
    assert services.envoyer_rappels() == {"etapes": 1, "certificats": 0}  # no représentant légal in Socle
    assert mail.outbox[0].to == ["chef@exemple.invalid"] and "Contractualiser" in mail.outbox[0].subject


def test_grappe_matrix_cells_open_the_step_to_mark(client_de, og):
    """Review regression: the chef de projet could see the matrix but not reach a step from it."""
    import re

    g = GrappeFactory()
    g.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=g)
    c = client_de(chef)
    html = c.get(f"/prerequis/grappes/{g.pk}/").content.decode()
    liens = re.findall(r'<a class="cellule" href="([^"]+)"', html)
    nb_esms = html.count("<tr><td><a href")
    assert nb_esms and len(liens) == nb_esms * len(IDS_OG + IDS_ESMS)
    assert f"/prerequis/og/{og.finess}/etape/finess/" in liens
    esms = [u for u in liens if "/esms/" in u]
    assert esms and all(c.get(u).status_code == 200 for u in (liens[0], esms[0]))
    r = c.post(f"/prerequis/og/{og.finess}/etape/finess/", {"statut": Statut.EN_COURS,
                                                           "date_envoi": services.aujourdhui().isoformat()})
    assert r.status_code in (200, 302)
    assert EtatEtape.objects.get(organisme=og, etape="finess", etablissement=None).statut == Statut.EN_COURS


def test_same_certificate_file_uploaded_twice_is_refused_with_a_french_message(client_de, og):
    """Review regression: re-uploading the same file listed the certificate twice."""
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=og)
    c = client_de(admin)
    cert, _ = fabriquer("INSI-AUTO")
    url = f"/prerequis/og/{og.finess}/certificats/"
    assert c.post(url, {"fichier": SimpleUploadedFile("c.pem", en_pem(cert))}).status_code == 302
    r = c.post(url, {"fichier": SimpleUploadedFile("copie.pem", en_pem(cert)), "libelle": "Mon libellé"})
    html = r.content.decode()
    assert r.status_code == 200 and "déjà enregistré pour cet organisme" in html
    assert 'value="Mon libellé"' in html  # the rest of the form is kept
    assert og.certificats.count() == 1
    autre, _ = fabriquer("INSI-AUTO")  # another certificate (new key), same CN and serial: accepted
    assert c.post(url, {"fichier": SimpleUploadedFile("autre.pem", en_pem(autre))}).status_code == 302
    assert og.certificats.count() == 2
