"""Admission qualification through the views, against the local INSi stand-in (real HTTPS + SOAP, no mock)."""

import re
from datetime import date, timedelta

from django.urls import reverse

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction
from socle.usagers import services
from socle.usagers.models import AppelInsi, HistoriqueIdentite
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import fixture_admission, fixture_etablissement, fixture_journal  # noqa: F401


def _post_traits(u, **extra):
    data = {"nom_naissance": u.nom_naissance, "prenoms_naissance": u.prenoms_naissance,
            "premier_prenom": u.premier_prenom, "date_naissance": u.date_naissance.isoformat(), "sexe": u.sexe,
            "lieu_naissance": u.lieu_naissance, "nom_utilise": u.nom_utilise, "prenom_utilise": u.prenom_utilise,
            "type_justificatif": "", "pays_cni": "FR"}
    data.update(extra)
    return data


def _creer(etablissement, nom, prenoms, sexe, d, lieu):
    return services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": nom, "prenoms_naissance": prenoms, "sexe": sexe, "date_naissance": d,
        "lieu_naissance": lieu})


def test_admission_qualifiee_par_la_vue_avec_le_bouchon(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020")
    c = client_de(admission)
    r = c.get(reverse("usagers:index"))
    assert r.status_code == 200 and "ADRTROIS" in r.content.decode()
    r = c.post(reverse("usagers:qualifier", args=[u.pk]),
               _post_traits(u, type_justificatif="PA", controle_fait="on", action="appeler"))
    html = r.content.decode()
    assert r.status_code == 200 and "297022A020778" in html and "Accepter l'identité INSi" in html
    u.refresh_from_db()
    assert u.statut == "VALI"  # document checked, INSi not yet accepted
    appel = AppelInsi.objects.get(usager=u)
    assert appel.cr == "00" and appel.mode == "MANU"
    assert [a.cn for a in journal.appels] == ["INSI-MANU"]  # a person triggered it: INSI-MANU certificate
    assert EvenementAudit.objects.filter(action=Action.APPEL_SERVICE, objet_id=str(u.pk)).exists()
    r = c.post(reverse("usagers:accepter", args=[u.pk, appel.pk]))
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.statut == "QUAL" and u.ins == "297022A02077878" and u.oid_ins == "1.2.250.1.213.1.4.8"
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.INSI_ACCEPTE).get()
    assert h.ancien_statut == "VALI" and h.nouveau_statut == "QUAL" and h.identifiant == admission.username
    assert h.changements["ins"] == ["", "297022A02077878"]
    r = c.get(reverse("usagers:fiche", args=[u.pk]))
    assert "Identité qualifiée" in r.content.decode()
    assert EvenementAudit.objects.filter(action=Action.LECTURE, objet_id=str(u.pk)).exists()


def test_differences_surlignees_et_anciennes_valeurs_gardees(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Ecetinsi", "Pierre-Alain", "M", date(2009, 7, 14), "63220")
    c = client_de(admission)
    r = c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, action="appeler"),
               HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert 'id="zone-qualification"' in html and "<html" not in html  # htmx fragment
    assert 'class="diff">PIERRE-ALAIN MURIEL FLORIANT' in html
    assert 'class="diff">PIERRE-ALAIN<' in html
    assert html.count('class="diff"') == 2  # only the list of first names differs
    appel = AppelInsi.objects.get(usager=u)
    c.post(reverse("usagers:accepter", args=[u.pk, appel.pk]))
    u.refresh_from_db()
    assert u.statut == "RECUP" and u.prenoms_naissance == "PIERRE-ALAIN MURIEL FLORIANT"
    h = u.historique.get(evenement="insi_accepte")
    assert h.changements["prenoms_naissance"] == ["PIERRE-ALAIN", "PIERRE-ALAIN MURIEL FLORIANT"]


def test_rejet_avec_motif_ne_change_rien(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Corse", "Anthony", "M", date(1980, 3, 2), "2B020")
    c = client_de(admission)
    c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, action="appeler"))
    appel = AppelInsi.objects.get(usager=u)
    r = c.post(reverse("usagers:rejeter", args=[u.pk, appel.pk]), {"motif": ""})
    assert r.status_code == 302 and AppelInsi.objects.get(pk=appel.pk).decision == ""
    c.post(reverse("usagers:rejeter", args=[u.pk, appel.pk]), {"motif": "Pas la même personne (autre mère)"})
    u.refresh_from_db()
    assert u.statut == "PROV" and u.matricule_ins == ""
    assert u.historique.get(evenement="insi_rejete").motif == "Pas la même personne (autre mère)"
    # a rejected answer can no longer be accepted
    c.post(reverse("usagers:accepter", args=[u.pk, appel.pk]))
    u.refresh_from_db()
    assert u.statut == "PROV"


def test_non_trouvee_et_plusieurs(client_de, admission, etablissement, journal):
    c = client_de(admission)
    u = _creer(etablissement, "Houilles", "Pierre Paul Jacques", "M", date(1993, 1, 27), "99999")
    r = c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, action="appeler"))
    assert "Aucune identité trouvée" in r.content.decode()
    u2 = _creer(etablissement, "De Vinci", "Leonardo", "M", date(2014, 2, 1), "99999")
    r = c.post(reverse("usagers:qualifier", args=[u2.pk]), _post_traits(u2, action="appeler"))
    assert "Plusieurs identités trouvées" in r.content.decode()
    assert len(journal.appels) == 5  # HOUILLES: 3 first names + joined list; DE VINCI: 1


def test_identite_douteuse_aucun_appel_insi(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020")
    services.definir_attributs(u, douteuse=True, fictive=False, homonyme=False)
    c = client_de(admission)
    r = c.get(reverse("usagers:qualifier", args=[u.pk]))
    assert 'id="appeler-insi"' not in r.content.decode()
    r = c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, action="appeler"))
    assert "R-AT-03" in r.content.decode()
    assert journal.appels == [] and not AppelInsi.objects.filter(usager=u).exists()


def test_traits_insi_non_modifiables_a_la_main(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Corse", "Anthony", "M", date(1980, 3, 2), "2B020")
    c = client_de(admission)
    c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, action="appeler"))
    c.post(reverse("usagers:accepter", args=[u.pk, AppelInsi.objects.get(usager=u).pk]))
    u.refresh_from_db()
    assert u.statut == "RECUP"
    c.post(reverse("usagers:qualifier", args=[u.pk]), _post_traits(u, nom_naissance="AUTRE", prenom_utilise="TONY",
                                                                   action="enregistrer"))
    u.refresh_from_db()
    assert u.nom_naissance == "CORSE" and u.prenom_utilise == "TONY" and u.statut == "RECUP"


def test_droits_perimetre_et_fonction(client_de, etablissement, journal):
    u = _creer(etablissement, "Demolin", "Alice", "F", date(1950, 3, 4), "69123")
    autre_og = EtablissementFactory()
    intrus = utilisateur_avec(Fonction.ADMISSION, etablissement=autre_og)
    c = client_de(intrus)
    assert c.get(reverse("usagers:fiche", args=[u.pk])).status_code == 404
    assert c.get(reverse("usagers:qualifier", args=[u.pk])).status_code == 404
    assert "DEMOLIN" not in c.get(reverse("usagers:index")).content.decode()
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=etablissement.organisme)
    c = client_de(directrice)
    # the menu shows "Usagers & INS" to the représentant légal: the list sends her to the aggregated dashboard,
    # never to the records (regression: it used to answer a bare 403 from the menu)
    r = c.get(reverse("usagers:index"))
    assert r.status_code == 302 and r.url == reverse("usagers:tableau")
    assert c.get(reverse("usagers:anomalies")).status_code == 403
    assert c.get(reverse("usagers:fiche", args=[u.pk])).status_code == 404
    informatique = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, organisme=etablissement.organisme)
    assert client_de(informatique).get(reverse("usagers:index")).url == reverse("usagers:lots")
    sans_perimetre = utilisateur_avec(Fonction.ADMISSION, etablissement=EtablissementFactory())
    sans_perimetre.habilitations.all().delete()
    assert client_de(sans_perimetre).get(reverse("usagers:index")).status_code == 403
    assert c.get(reverse("usagers:tableau")).status_code == 200  # aggregated figures only
    pro = utilisateur_avec(Fonction.PROFESSIONNEL, etablissement=etablissement)
    assert client_de(pro).get(reverse("usagers:fiche", args=[u.pk])).status_code == 200


def test_creation_par_ecran_provisoire(client_de, admission, etablissement):
    c = client_de(admission)
    r = c.post(reverse("usagers:nouveau"), {
        "nom_naissance": "Démolin-Test", "prenoms_naissance": "Zoé Marie", "premier_prenom": "",
        "date_naissance": "1940-01-02", "sexe": "F", "lieu_naissance": "69123", "etablissement": etablissement.pk,
        "date_admission": "2026-11-01"})
    assert r.status_code == 302
    from socle.usagers.models import Usager

    u = Usager.objects.get(nom_naissance="DEMOLIN-TEST")
    assert u.prenoms_naissance == "ZOE MARIE" and u.premier_prenom == "ZOE" and u.statut == "PROV"
    assert u.organisme == etablissement.organisme and u.sejours.get().etablissement == etablissement


def test_verification_ins_conforme_puis_perdue(admission, etablissement, journal):
    """R-ST-06: a new INSi search that no longer returns the same INS removes criterion I (QUAL → VALI)."""
    from socle.connecteurs.insi.standin import base

    u = _creer(etablissement, "Demoverif", "Lucie", "F", date(1961, 4, 5), "69123")
    base.ajouter({"matricule": "2610469123456", "nom_naissance": "DEMOVERIF", "prenoms": ["LUCIE"], "sexe": "F",
                  "date_naissance": "1961-04-05", "lieu_naissance": "69123"})
    services.enregistrer_controle(u, "PA", user=admission)
    u = services.accepter_identite(u, services.appeler_insi(u, user=admission), user=admission)
    assert u.statut == "QUAL"
    conforme, _ = services.verifier_ins(u, user=admission)
    u.refresh_from_db()
    assert conforme and u.statut == "QUAL" and u.historique.filter(evenement="verification").count() == 1
    # the stored INS is no longer the one INSi answers (e.g. a NIA since replaced by a NIR)
    from socle.core.identifiants import nir_key
    from socle.usagers.models import Usager

    Usager.objects.filter(pk=u.pk).update(matricule_ins="2610469123457", cle_ins=f"{nir_key('2610469123457'):02d}")
    conforme, _ = services.verifier_ins(u, user=admission)
    u.refresh_from_db()
    assert not conforme and u.statut == "VALI" and u.matricule_ins == ""
    h = u.historique.filter(evenement="verification").first()
    assert h.changements["ins"][0].startswith("2610469123457") and "R-ST-06" in h.motif
    assert u.anomalies.filter(type="ecart", resolue_le__isnull=True).exists()


def test_recherche_anteriorite_avant_creation(client_de, admission, etablissement):
    from socle.usagers.models import Usager

    _creer(etablissement, "Demolin", "Alice", "F", date(1940, 1, 2), "69123")
    c = client_de(admission)
    data = {"nom_naissance": "Démoline", "prenoms_naissance": "Alice", "premier_prenom": "",
            "date_naissance": "1940-01-02", "sexe": "F", "lieu_naissance": "69123", "etablissement": etablissement.pk,
            "date_admission": "2026-11-01"}
    r = c.post(reverse("usagers:nouveau"), data)
    assert r.status_code == 200 and 'id="existants"' in r.content.decode() and "DEMOLIN" in r.content.decode()
    assert not Usager.objects.filter(nom_naissance="DEMOLINE").exists()
    r = c.post(reverse("usagers:nouveau"), {**data, "confirmer": "1"})
    assert r.status_code == 302 and Usager.objects.filter(nom_naissance="DEMOLINE").exists()


def test_accompagnements_admission_et_sortie(client_de, admission, etablissement):
    u = _creer(etablissement, "Demosejour", "Alice", "F", date(1940, 1, 2), "69123")
    autre = EtablissementFactory(organisme=etablissement.organisme)
    admission.habilitations.create(fonction=Fonction.ADMISSION, etablissement=autre)
    c = client_de(admission)
    c.post(reverse("usagers:sejour_ajouter", args=[u.pk]), {"etablissement": autre.pk, "date_admission": "2026-10-01"})
    assert u.sejours.filter(etablissement=autre, date_sortie__isnull=True).exists()
    s = u.sejours.get(etablissement=etablissement)
    r = c.post(reverse("usagers:sejour_sortie", args=[u.pk, s.pk]), {"date_sortie": "01/01/1900", "confirmer": "1"})
    s.refresh_from_db()
    assert r.status_code == 302 and s.date_sortie is None  # before admission: refused
    sortie = s.date_admission + timedelta(days=3)
    # the typed date alone only asks for confirmation, naming the person, the ESMS and the date
    r = c.post(reverse("usagers:sejour_sortie", args=[u.pk, s.pk]), {"date_sortie": f"{sortie:%d/%m/%Y}"})
    s.refresh_from_db()
    assert r.status_code == 200 and s.date_sortie is None
    page = r.content.decode()
    assert "Confirmer la sortie" in page and f"{sortie:%d/%m/%Y}" in page and "DEMOSEJOUR" in page
    c.post(reverse("usagers:sejour_sortie", args=[u.pk, s.pk]), {"date_sortie": f"{sortie:%d/%m/%Y}", "confirmer": "1"})
    s.refresh_from_db()
    assert s.date_sortie == sortie
    assert u.historique.filter(motif__startswith="Sortie").exists()
    hors_og = EtablissementFactory()
    r = c.post(reverse("usagers:sejour_ajouter", args=[u.pk]), {"etablissement": hors_og.pk,
                                                                "date_admission": "2026-10-01"})
    assert r.status_code == 404


def test_cas_d_usage_qualifier_identite_sans_http(admission, etablissement, journal):
    """The use case the qualification screen calls, alone: traits saved, document checked, one INSi call."""
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020")
    traits = {"nom_naissance": "ADRTROIS", "prenoms_naissance": "DOMINIQUE", "nom_utilise": "MARTIN"}
    res = services.qualifier_identite(u, traits, controle={"type_justificatif": "PA", "pays_cni": ""},
                                      appeler=True, user=admission)
    assert res.usager.nom_utilise == "MARTIN" and res.usager.statut == "VALI"
    assert res.justificatif.haut_niveau and res.appel.cr == "00" and res.appel.mode == "MANU"
    assert len(journal.appels) == 1
    # without `appeler`, nothing is sent
    services.qualifier_identite(res.usager, {"nom_utilise": "DURAND"}, user=admission)
    assert len(journal.appels) == 1


def test_sortie_jamais_pre_remplie(client_de, admission, etablissement):
    """The exit date field is empty (never today's date ready to submit) and the button announces a next step."""
    u = _creer(etablissement, "Demovide", "Alice", "F", date(1940, 1, 2), "69123")
    page = client_de(admission).get(reverse("usagers:fiche", args=[u.pk])).content.decode()
    champ = re.search(r'<input id="sortie-\d+"[^>]*>', page).group(0)
    assert 'value=""' in champ and 'type="text"' in champ and "JJ/MM/AAAA" in champ
    assert 'type="date"' not in page


def test_sortie_date_invalide_message_clair(client_de, admission, etablissement):
    u = _creer(etablissement, "Demoinval", "Alice", "F", date(1940, 1, 2), "69123")
    s = u.sejours.get()
    r = client_de(admission).post(reverse("usagers:sejour_sortie", args=[u.pk, s.pk]),
                                  {"date_sortie": "31/02/2026", "confirmer": "1"}, follow=True)
    s.refresh_from_db()
    assert s.date_sortie is None
    assert "Date de sortie « 31/02/2026 » : cette date n&#x27;existe pas" in r.content.decode()
