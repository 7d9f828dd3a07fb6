"""R-DOC-01 / R-ST-04, rule 8 of issue 10: INSi queried from a carte Vitale or the appli carte Vitale read by the
stand-in reader (demo cards), through the real INSi client and stand-in (HTTPS + SOAP)."""

from datetime import date

import pytest
from django.urls import reverse

from socle.connecteurs.insi.lecteur import LecteurBouchon, LecteurErreur, lecteur_configure
from socle.core.naissance import DateLunaire
from socle.usagers import rniv, services
from socle.usagers.models import AppelInsi, HistoriqueIdentite, Justificatif, Usager
from tests.usagers.factories import fixture_admission, fixture_etablissement, fixture_journal  # noqa: F401


def _carte(canal: str, matricule: str):
    return lecteur_configure().lire(f"{canal}:{matricule}")


def test_R_DOC_01_lecteur_bouchon_cartes_de_demo():
    lecteur = lecteur_configure()
    refs = [LecteurBouchon.reference(c) for c in lecteur.cartes()]
    assert "CV:297022A02077878" in refs and "AV:180032B02040123" in refs
    avant = lecteur.lectures
    assert lecteur.lire("AV:180032B02040123").identite_verifiee
    assert not lecteur.lire("CV:297022A02077878").identite_verifiee
    assert lecteur.lectures == avant + 2
    with pytest.raises(LecteurErreur, match="Aucune carte lue"):
        lecteur.lire("")


def test_R_ST_04_carte_vitale_physique_donne_une_identite_recuperee(client_de, admission, etablissement, journal):
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Adrtrois", "prenoms_naissance": "Dominique", "sexe": "F",
        "date_naissance": date(1997, 2, 26), "lieu_naissance": "2A020"})
    c = client_de(admission)
    data = {"action": "carte", "carte": "CV:297022A02077878", "tentative": "b" * 32}
    r = c.post(reverse("usagers:qualifier", args=[u.pk]), data, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "Interrogation par : <strong>Carte Vitale</strong>" in html and "297022A020778" in html
    c.post(reverse("usagers:qualifier", args=[u.pk]), data)  # replayed: no second call
    assert [a.operation for a in journal.appels] == ["rechercherInsAvecCarteVitale"]
    appel = AppelInsi.objects.get(usager=u)
    assert appel.canal == "CV" and appel.cr == "00"
    u = services.accepter_identite(u, appel, user=admission)
    assert u.statut == "RECUP"  # the physical card is not an identity document
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.INSI_ACCEPTE).get()
    assert h.changements["canal"] == [None, "Carte Vitale"] and "Carte Vitale" in h.motif
    assert not Justificatif.objects.filter(usager=u).exists()


def test_R_ST_04_appli_carte_vitale_donne_une_identite_qualifiee(client_de, admission, etablissement, journal):
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Corse", "prenoms_naissance": "Anthony", "sexe": "M",
        "date_naissance": date(1980, 3, 2), "lieu_naissance": "2B020"})
    c = client_de(admission)
    c.post(reverse("usagers:qualifier", args=[u.pk]), {"action": "carte", "carte": "AV:180032B02040123",
                                                       "tentative": "c" * 32})
    appel = AppelInsi.objects.get(usager=u)
    r = c.post(reverse("usagers:accepter", args=[u.pk, appel.pk]))
    assert r.status_code == 302
    u.refresh_from_db()
    assert u.statut == "QUAL" and u.ins == "180032B02040123"
    j = Justificatif.objects.get(usager=u)
    assert (j.type, j.haut_niveau) == ("AV", True) and "R-ST-04" in j.raison
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.INSI_ACCEPTE).get()
    assert h.changements["canal"] == [None, "Appli carte Vitale (ApCV)"] and (h.ancien_statut, h.nouveau_statut) == (
        "PROV", "QUAL")


def test_R_ST_04_identite_creee_depuis_la_carte(admission, etablissement, journal):
    u, appel, msg = services.creer_depuis_carte(etablissement.organisme, etablissement,
                                                _carte("AV", "180032B02040123"), user=admission)
    assert msg == "" and u.statut == "QUAL" and appel.canal == "AV" and u.nom_naissance == "CORSE"
    u, appel, _ = services.creer_depuis_carte(etablissement.organisme, etablissement,
                                              _carte("CV", "262209935008724"), user=admission)
    assert u.statut == "RECUP" and Usager.objects.get(pk=u.pk).date_naissance == DateLunaire(1962, 0, 0)
    assert rniv.donnees_ins_document(u) is None


def test_carte_refusee_pour_une_identite_fictive_et_sans_carte(client_de, admission, etablissement, journal):
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Corse", "prenoms_naissance": "Anthony", "sexe": "M",
        "date_naissance": date(1980, 3, 2), "lieu_naissance": "2B020"}, fictive=True)
    with pytest.raises(rniv.RegleRniv, match="R-AT-03"):
        services.interroger_insi_carte(u, _carte("AV", "180032B02040123"), user=admission)
    u2 = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Corse", "prenoms_naissance": "Anthony", "sexe": "M",
        "date_naissance": date(1980, 3, 2), "lieu_naissance": "2B020"})
    html = client_de(admission).post(reverse("usagers:qualifier", args=[u2.pk]),
                                     {"action": "carte", "carte": ""}).content.decode()
    assert "Aucune carte lue" in html
    assert journal.appels == [] and not AppelInsi.objects.exists()


def test_R_ST_04_creation_depuis_l_appli_carte_vitale_par_l_ecran(client_de, admission, etablissement, journal):
    c = client_de(admission)
    html = c.get(reverse("usagers:nouveau")).content.decode()
    assert 'value="AV:180032B02040123"' in html and "Lire la carte et créer l'identité" in html
    data = {"etablissement": etablissement.pk, "carte": "AV:180032B02040123", "admission_directe_ehpad": "on"}
    r = c.post(reverse("usagers:nouveau_carte"), data)
    u = Usager.objects.get(nom_naissance="CORSE")
    assert r.status_code == 302 and r.url == reverse("usagers:fiche", args=[u.pk])
    assert u.statut == "QUAL" and u.sejours.get().admission_directe_ehpad
    r = c.post(reverse("usagers:nouveau_carte"), data, follow=True)  # the same card again: no duplicate
    assert "déjà connue avec cet INS" in r.content.decode() and Usager.objects.filter(nom_naissance="CORSE").count() == 1
    r = c.post(reverse("usagers:nouveau_carte"), {"etablissement": etablissement.pk, "carte": ""}, follow=True)
    assert "Aucune carte lue" in r.content.decode()
    assert [a.operation for a in journal.appels] == ["rechercherInsAvecCarteVitale"] * 2
