"""Issue 10 rules at the admission desk (one test per rule id) and the INSi attempt of the qualification screen,
against the local INSi stand-in (real HTTPS + SOAP)."""

import re
from datetime import date

import pytest
from django.urls import reverse

from socle.usagers import rniv, services
from socle.usagers.models import AppelInsi, HistoriqueIdentite, Justificatif, Sejour, Usager
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import (  # noqa: F401
    TRAITS_ALICE,
    fixture_admission,
    fixture_appel_factice,
    fixture_etablissement,
    fixture_journal,
    fixture_usager_prov,
)


def _creer(etablissement, nom, prenoms, sexe, d, lieu, **kw):
    return services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": nom, "prenoms_naissance": prenoms, "sexe": sexe, "date_naissance": d,
        "lieu_naissance": lieu}, **kw)


def _post(u, **extra):
    data = {"nom_naissance": u.nom_naissance, "prenoms_naissance": u.prenoms_naissance,
            "premier_prenom": u.premier_prenom, "date_naissance": u.date_naissance.affichage(), "sexe": u.sexe,
            "lieu_naissance": u.lieu_naissance, "nom_utilise": u.nom_utilise, "prenom_utilise": u.prenom_utilise,
            "type_justificatif": "", "pays_cni": ""}
    data.update(extra)
    return data


# --- rule 2: sex I only while PROV ---------------------------------------------------------------------------

def test_R_SX_01_sexe_I_ne_sort_jamais_de_provisoire(etablissement, admission):
    u = _creer(etablissement, "Demoindet", "Camille", "I", date(1980, 5, 6), "69123")
    with pytest.raises(rniv.RegleRniv, match="R-SX-01"):
        services.enregistrer_controle(u, "PA", user=admission, ctx=rniv.ContexteControle(pays_cni="FR"))
    u.refresh_from_db()
    assert u.statut == "PROV" and not Justificatif.objects.filter(usager=u).exists()
    with pytest.raises(rniv.RegleRniv, match="R-SX-01"):
        rniv.transition("PROV", "controle_ok", sexe="I")
    with pytest.raises(rniv.RegleRniv, match="R-SX-01"):
        rniv.transition("PROV", "insi_ok", sexe="I")
    assert rniv.transition("PROV", "controle_ok", sexe="F") == "VALI"
    # a non-high-trust document keeps it PROV: recorded, no transition
    j = services.enregistrer_controle(u, "PC", user=admission)
    assert not j.haut_niveau and Usager.objects.get(pk=u.pk).statut == "PROV"


def test_R_SX_01_par_l_ecran_message_de_la_regle(client_de, admission, etablissement):
    u = _creer(etablissement, "Demoindet", "Camille", "I", date(1980, 5, 6), "69123")
    r = client_de(admission).post(reverse("usagers:qualifier", args=[u.pk]),
                                  _post(u, type_justificatif="PA", pays_cni="FR", controle_fait="on"))
    html = r.content.decode()
    assert r.status_code == 200 and "R-SX-01" in html and "Identité enregistrée" not in html
    u.refresh_from_db()
    assert u.statut == "PROV" and not u.justificatifs.exists()


# --- rule 3: fictive identities ------------------------------------------------------------------------------

def test_R_AT_04_identite_fictive_ni_justificatif_ni_insi(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020", fictive=True)
    historique = u.historique.count()
    c = client_de(admission)
    r = c.post(reverse("usagers:qualifier", args=[u.pk]),
               _post(u, nom_utilise="AUTRE", type_justificatif="PA", pays_cni="FR", controle_fait="on"))
    html = r.content.decode()
    assert r.status_code == 200 and "Identité fictive" in html and "Rien n&#x27;a été enregistré" in html
    assert "Identité enregistrée" not in html
    u.refresh_from_db()
    assert u.statut == "PROV" and u.nom_utilise == "" and u.historique.count() == historique
    assert not Justificatif.objects.filter(usager=u).exists()
    with pytest.raises(rniv.RegleRniv, match="R-AT-03"):
        services.qualifier_identite(u, {}, appeler=True, user=admission)
    with pytest.raises(rniv.RegleRniv, match="R-ST-05"):
        services.enregistrer_controle(u, "PA", user=admission, ctx=rniv.ContexteControle(pays_cni="FR"))
    assert not AppelInsi.objects.filter(usager=u).exists() and journal.appels == []
    assert not Justificatif.objects.filter(usager=u).exists()


# --- rule 4: issuing country chosen --------------------------------------------------------------------------

def test_R_DOC_01_pays_du_document_choisi_jamais_suppose(client_de, admission, etablissement, usager_prov):
    c = client_de(admission)
    r = c.post(reverse("usagers:qualifier", args=[usager_prov.pk]),
               _post(usager_prov, type_justificatif="CN", controle_fait="on"))
    html = r.content.decode()
    assert "Choisissez le pays qui a délivré le document" in html and not usager_prov.justificatifs.exists()
    assert '<option value="MA">Maroc</option>' in html and '<option value="" selected>' in html  # by name, no default
    # a non-EU ID card: not high trust, whatever country the form would have guessed
    c.post(reverse("usagers:qualifier", args=[usager_prov.pk]),
           _post(usager_prov, type_justificatif="CN", pays_cni="MA", controle_fait="on"))
    j = usager_prov.justificatifs.get()
    assert (j.type, j.pays, j.haut_niveau) == ("CN", "MA", False)
    assert Usager.objects.get(pk=usager_prov.pk).statut == "PROV"
    assert "Maroc" in str(usager_prov.historique.filter(evenement="controle").get().changements)
    # the service never defaults either: a CN without a country is not high trust
    haut, raison = rniv.controle_haut_niveau("CN", rniv.ContexteControle())
    assert not haut and "pays" in raison
    services.qualifier_identite(usager_prov, {}, controle={"type_justificatif": "CN", "pays_cni": "DE"},
                                user=admission)
    assert Usager.objects.get(pk=usager_prov.pk).statut == "VALI"


# --- rule 5: the INS leaves with the traits ------------------------------------------------------------------

def test_R_ST_06_ins_detache_et_garde_dans_l_historique(admission, etablissement, usager_prov, appel_factice):
    services.enregistrer_controle(usager_prov, "PA", user=admission, ctx=rniv.ContexteControle(pays_cni="FR"))
    u = services.accepter_identite(usager_prov, appel_factice(usager_prov), user=admission)
    assert u.statut == "QUAL" and u.matricule_ins
    ins = u.ins
    en_attente = appel_factice(u)  # another answer, not yet decided
    u = services.definir_attributs(u, douteuse=True, fictive=False, homonyme=False, user=admission, motif="doute")
    u.refresh_from_db()
    assert u.statut == "PROV" and (u.matricule_ins, u.cle_ins, u.oid_ins) == ("", "", "")
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.ATTRIBUT).get()
    assert h.changements["ins"] == [ins, ""] and h.changements["oid_ins"][0] == rniv.OID_NIR
    assert rniv.donnees_ins_document(u) is None
    # qualifying again needs a new INSi answer: the one received before is void
    services.definir_attributs(u, douteuse=False, fictive=False, homonyme=False, user=admission)
    with pytest.raises(rniv.RegleRniv, match="R-ST-06"):
        services.accepter_identite(u, en_attente, user=admission)


def test_R_ST_06_verification_insi_en_desaccord(admission, etablissement, journal):
    """A strict-trait edit of a RECUP identity is refused (R-ED-02: only a new INSi call changes it); an INSi
    re-check that disagrees detaches the INS into the history and voids the answers received before."""
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020")
    u = services.accepter_identite(u, services.appeler_insi(u, user=admission), user=admission)
    assert u.statut == "RECUP" and u.ins == "297022A02077878"
    with pytest.raises(rniv.RegleRniv, match="R-ED-02"):
        services.modifier_traits(u, {"nom_naissance": "AUTRE"}, user=admission)
    assert Usager.objects.get(pk=u.pk).ins == "297022A02077878"
    en_attente = services.appeler_insi(u, user=admission)  # an answer nobody decided on yet
    from socle.core.identifiants import nir_key

    Usager.objects.filter(pk=u.pk).update(matricule_ins="297022A020779", cle_ins=f"{nir_key('297022A020779'):02d}")
    conforme, _ = services.verifier_ins(Usager.objects.get(pk=u.pk), user=admission)
    u.refresh_from_db()
    assert not conforme and u.statut == "PROV" and (u.matricule_ins, u.oid_ins, u.date_appel_insi) == ("", "", None)
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.VERIFICATION).get()
    assert h.changements["ins"][0].startswith("297022A020779") and h.changements["ins"][1] == ""
    en_attente.refresh_from_db()
    assert en_attente.decision == "perimee"
    with pytest.raises(rniv.RegleRniv, match="R-ST-06"):
        services.accepter_identite(u, en_attente, user=admission)


# --- rule 6: exact ages, direct admission in EHPAD -----------------------------------------------------------

def test_R_DOC_03_mineur_la_veille_et_majeur_le_jour_des_18_ans():
    naissance = date(2008, 3, 15)
    assert rniv.mineur_le(naissance, date(2026, 3, 14)) is True
    assert rniv.mineur_le(naissance, date(2026, 3, 15)) is False
    assert rniv.mineur_le(naissance, date(2026, 3, 16)) is False
    # born on 29 February: 18 on 1 March of a common year, not before
    assert rniv.age_le(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert rniv.age_le(date(2008, 2, 29), date(2026, 3, 1)) == 18
    # days // 365 was wrong around birthdays (leap days): 18 years = 6575 days here, not 6570
    assert (date(2026, 3, 15) - naissance).days // 365 == 18 and rniv.mineur_le(naissance, date(2026, 3, 10))


def test_R_DOC_03_admission_directe_en_ehpad_propriete_du_sejour(db, admission):
    ehpad = EtablissementFactory(categorie_code="500")
    transfert = _creer(ehpad, "Demotransfert", "Rose", "F", date(1930, 1, 2), "69123")
    directe = _creer(ehpad, "Demodirecte", "Rose", "F", date(1930, 1, 3), "69123", admission_directe_ehpad=True)
    assert Sejour.objects.get(usager=directe).admission_directe_ehpad
    assert not services.contexte_controle(transfert).admission_directe_ehpad
    assert services.contexte_controle(directe).admission_directe_ehpad
    assert not services.enregistrer_controle(transfert, "LECV", user=admission).haut_niveau
    assert services.enregistrer_controle(directe, "LECV", user=admission).haut_niveau
    # a non-EHPAD stay flagged "directe" does not open the exception
    foyer = EtablissementFactory(categorie_code="252")
    autre = _creer(foyer, "Demofoyer", "Rose", "F", date(1930, 1, 4), "69123", admission_directe_ehpad=True)
    assert not services.contexte_controle(autre).admission_directe_ehpad


def test_R_DOC_03_admission_directe_saisie_a_la_creation(client_de, admission, etablissement):
    r = client_de(admission).post(reverse("usagers:nouveau"), {
        "nom_naissance": "Demodirecte", "prenoms_naissance": "Rose", "premier_prenom": "",
        "date_naissance": "02/01/1930", "sexe": "F", "lieu_naissance": "69123", "etablissement": etablissement.pk,
        "date_admission": "2026-11-01", "admission_directe_ehpad": "on"})
    assert r.status_code == 302
    assert Sejour.objects.get(usager__nom_naissance="DEMODIRECTE").admission_directe_ehpad


# --- rule 7: premier prénom from INSi ------------------------------------------------------------------------

def test_R_TR_01_premier_prenom_devient_le_premier_de_la_liste_insi(admission, etablissement, appel_factice):
    u = _creer(etablissement, "Demoprenom", "Jean-Christophe Pierre", "M", date(1970, 1, 2), "69123")
    assert u.premier_prenom == "JEAN-CHRISTOPHE"
    appel = appel_factice(u, prenoms="JEAN CHRISTOPHE PIERRE")
    u = services.accepter_identite(u, appel, user=admission)
    assert u.premier_prenom == "JEAN" and u.prenoms_naissance == "JEAN CHRISTOPHE PIERRE"
    h = u.historique.filter(evenement=HistoriqueIdentite.Evenement.INSI_ACCEPTE).get()
    assert h.changements["premier_prenom"] == ["JEAN-CHRISTOPHE", "JEAN"]
    # it stays editable as long as it is coherent with the list [R-ED-02][R-FMT-04]
    u = services.modifier_traits(u, {"premier_prenom": "Jean-Christophe"}, user=admission)
    assert u.premier_prenom == "JEAN-CHRISTOPHE"


# --- the qualification screen's attempt ----------------------------------------------------------------------

def test_tentative_rejouee_un_seul_appel_un_seul_justificatif(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Adrtrois", "Dominique", "F", date(1997, 2, 26), "2A020")
    c = client_de(admission)
    page = c.get(reverse("usagers:qualifier", args=[u.pk])).content.decode()
    tentative = re.search(r'name="tentative" value="([0-9a-f]{32})"', page).group(1)
    data = _post(u, type_justificatif="PA", pays_cni="FR", controle_fait="on", action="appeler",
                 tentative=tentative)
    r1 = c.post(reverse("usagers:qualifier", args=[u.pk]), data, HTTP_HX_REQUEST="true")
    r2 = c.post(reverse("usagers:qualifier", args=[u.pk]), data)  # the same POST again (reload, double click)
    for r in (r1, r2):
        html = r.content.decode()
        assert "297022A020778" in html and 'aria-labelledby="titre-resultat-insi"' in html
        # the form keeps what was typed: justificatif, country and "J'ai vérifié"
        assert '<option value="PA" selected>' in html and '<option value="FR" selected>' in html
        assert re.search(r'name="controle_fait"[^>]*checked', html)
        assert f'value="{tentative}"' in html
    assert len(journal.appels) == 1 and AppelInsi.objects.filter(usager=u).count() == 1
    assert Justificatif.objects.filter(usager=u).count() == 1
    # a reload (GET) shows the pending answer, kept server-side, without calling INSi
    html = c.get(reverse("usagers:qualifier", args=[u.pk])).content.decode()
    assert "297022A020778" in html and "Accepter l'identité INSi" in html and 'role="status"' in html
    assert len(journal.appels) == 1
    appel = AppelInsi.objects.get(usager=u)
    assert appel.tentative == tentative
    c.post(reverse("usagers:accepter", args=[u.pk, appel.pk]))
    assert Usager.objects.get(pk=u.pk).statut == "QUAL"
    html = c.get(reverse("usagers:qualifier", args=[u.pk])).content.decode()
    assert "Accepter l'identité INSi" not in html  # decided: no longer pending


def test_tentative_nouvelle_si_les_traits_changent(client_de, admission, etablissement, journal):
    u = _creer(etablissement, "Adrtrois", "Dominiqu", "F", date(1997, 2, 26), "2A020")
    c = client_de(admission)
    t = "a" * 32
    c.post(reverse("usagers:qualifier", args=[u.pk]), _post(u, action="appeler", tentative=t))
    assert AppelInsi.objects.get(usager=u).cr == "01"
    u.prenoms_naissance = u.premier_prenom = "DOMINIQUE"
    c.post(reverse("usagers:qualifier", args=[u.pk]), _post(u, action="appeler", tentative=t))
    assert [a.cr for a in AppelInsi.objects.filter(usager=u).order_by("pk")] == ["01", "00"]
    assert TRAITS_ALICE  # the shared factory traits stay untouched
