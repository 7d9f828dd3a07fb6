"""The prerequisite chain as the field lives it (issue 11, items 1 to 10), one test per item, plus the FINESS
statut juridique shown with its TRE_R72 label. Facts from the webinars in the project's reference material."""

import datetime as dt
import importlib
from datetime import date, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction
from socle.connecteurs.commun.pki import AutoriteTest, en_p12, en_pem, fabriquer
from socle.organisations import rules as finess_rules
from socle.organisations.models import OrganismeGestionnaire
from socle.prerequis import rules, services
from socle.prerequis.catalogue import (
    CATALOGUE_2026_11,
    CATALOGUES,
    ETAPES,
    ETAPES_CONNUES,
    JALONS_DEFAUT,
    ORDRE,
    Branche,
)
from socle.prerequis.models import Carte, Dui, EtatEtape, Jalon, Lecteur, Mandataire, Statut
from socle.prerequis.rules import EN_COURS, FAIT, NON_APPLICABLE, EtatSimple
from socle.usagers import batch
from socle.usagers import services as usagers_services
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory
from tests.usagers.factories import deposer_certificat_insi, fixture_journal, homologuer  # noqa: F401

J = date(2026, 11, 26)
RL, CP, AT = Fonction.REPRESENTANT_LEGAL, Fonction.CHEF_PROJET, Fonction.ADMIN_TECHNIQUE
MIGRATION = importlib.import_module("socle.prerequis.migrations.0004_catalogue_2026_12")


def fait(jours_avant: int = 1) -> EtatSimple:
    return EtatSimple(FAIT, J - timedelta(days=jours_avant + 1), J - timedelta(days=jours_avant))


def tous_faits(*ids: str) -> dict:
    return {i: fait() for i in ids}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def og(db):
    o = OrganismeFactory()
    EtablissementFactory(organisme=o)
    EtablissementFactory(organisme=o)
    return o


def _faire(user, og, *ids, etablissement=None):
    jour = services.aujourdhui()
    for i in ids:
        services.marquer(user, og, i, Statut.FAIT, etablissement=etablissement, date_envoi=jour - timedelta(days=3),
                         date_fait=jour - timedelta(days=2), preuve=SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4 x"))


# --- 1. contract and CDE card: one procedure ---------------------------------------------------------------------

@pytest.mark.django_db
def test_chaine_01_contrat_et_carte_cde_sont_une_seule_procedure_de_6_a_16_jours():
    e = ETAPES["contrat_cde"]
    assert (e.delai_min, e.delai_max, e.delai_estime) == (6, 16, False)  # published figure, not an estimate
    assert "F101" in e.titre and "CDE" in e.titre and "CGU" in e.titre
    assert "cde_demande" not in ETAPES and "contrat" not in ETAPES
    assert ETAPES["cde_reception"].prerequis == ("contrat_cde",)
    # the CDE request no longer waits for a contract of its own: earliest CDE reception = FINESS + 6 days
    fen = rules.dates_au_plus_tot({"finess": fait(0)}, J)
    assert fen["cde_reception"].fin_min == J + timedelta(days=6)
    # the old version stays readable: its states keep their names
    assert {"contrat", "cde_demande"} <= {x.id for x in CATALOGUES["2026.11-1"]} and CATALOGUE_2026_11
    og = OrganismeFactory()
    vieux = EtatEtape.objects.create(organisme=og, etape="cde_demande", statut=Statut.FAIT, date_envoi=J,
                                     date_fait=J + timedelta(days=9))
    assert vieux.etape_def.titre == ETAPES_CONNUES["cde_demande"].titre and "CDE" in str(vieux)
    # the data migration carries the two old states over to the new step
    EtatEtape.objects.create(organisme=og, etape="contrat", statut=Statut.FAIT, date_envoi=J - timedelta(days=20),
                             date_fait=J - timedelta(days=5))
    encours = OrganismeFactory()
    EtatEtape.objects.create(organisme=encours, etape="contrat", statut=Statut.FAIT, date_envoi=J, date_fait=J)
    EtatEtape.objects.create(organisme=encours, etape="cde_demande", statut=Statut.EN_COURS, date_envoi=J)
    MIGRATION.avancer(django_apps, None)
    nouveau = EtatEtape.objects.get(organisme=og, etape="contrat_cde")
    assert (nouveau.statut, nouveau.date_envoi, nouveau.date_fait) == (FAIT, J - timedelta(days=20),
                                                                        J + timedelta(days=9))
    assert EtatEtape.objects.get(organisme=encours, etape="contrat_cde").statut == EN_COURS
    assert EtatEtape.objects.filter(etape="cde_demande").count() == 2  # old rows kept, readable


# --- 2. card orders follow the CDE card; mandataires are an optional delegation --------------------------------

def test_chaine_02_commande_des_cartes_apres_la_carte_cde_sans_attendre_les_mandataires(client_de, og):
    assert ETAPES["cpx_commande"].prerequis == ("cde_reception",)
    assert ETAPES["mandataires"].facultative
    assert not [e.id for e in ETAPES.values() if "mandataires" in e.prerequis]  # nothing waits for them
    etats = tous_faits("finess", "contrat_cde", "cde_reception")
    assert not rules.est_bloquee("cpx_commande", etats)  # mandataires still "à faire"
    # the list of who the mandataires are, with their mandates, on the cards page (names read: traced)
    rl = utilisateur_avec(RL, organisme=og)
    c = client_de(rl)
    url = reverse("prerequis:cartes", args=[og.finess])
    r = c.post(url, {"mandataire-designation": "Responsable SI"})
    assert r.status_code == 200 and "Cochez au moins un mandat" in r.content.decode()
    r = c.post(url, {"mandataire-designation": "Responsable SI", "mandataire-commande_cartes": "on",
                     "mandataire-date_designation": "2026-11-02"})
    assert r.status_code == 302
    m = Mandataire.objects.get(organisme=og)
    assert m.commande_cartes and not m.gestionnaire_rpps
    html = c.get(url).content.decode()
    assert "Responsable SI" in html and "02/11/2026" in html
    assert EvenementAudit.objects.filter(objet_type="prerequis.Mandataire", action=Action.LECTURE).exists()


# --- 3. the right form per card and channel ----------------------------------------------------------------------

def test_chaine_03_le_bon_formulaire_selon_la_carte_et_le_canal(client_de, og):
    assert rules.controler_carte("CPE", "F301", None, None, None) == []
    assert rules.controler_carte("CPE", "TOM", None, None, None) == []
    assert rules.controler_carte("CPS", "F201", None, None, None) == []
    assert rules.controler_carte("CPS", "ARS_ORDRE", None, None, None) == []  # self-employed: ARS or Ordre
    [erreur] = rules.controler_carte("CPE", "F201", None, None, None)
    assert "CPE" in erreur and "formulaire F301" in erreur and "Démarches simplifiées" in erreur
    assert rules.controler_carte("CPS", "F301", None, None, None)
    assert "F301" in ETAPES["cpx_commande"].titre and "F201" in ETAPES["cpx_commande"].titre
    rl = utilisateur_avec(RL, organisme=og)
    url = reverse("prerequis:cartes", args=[og.finess])
    r = client_de(rl).post(url, {"carte-type": "CPE", "carte-canal": "F201", "carte-titulaire_nom": "Agent TEST"})
    assert r.status_code == 200 and "ne se commande pas par" in r.content.decode() and not og.cartes.exists()
    r = client_de(rl).post(url, {"carte-type": "CPE", "carte-canal": "F301", "carte-titulaire_nom": "Agent TEST"})
    assert r.status_code == 302 and og.cartes.get().get_canal_display() == "Formulaire F301"


# --- 4. CPE holders are not in RPPS+; reception is a step; professionals activate their cards ------------------

def test_chaine_04_cpe_hors_rpps_reception_et_activation_par_le_professionnel():
    jour = date(2026, 10, 1)
    [erreur] = rules.controler_carte("CPE", "F301", jour, jour, jour + timedelta(days=5))
    assert "ne sont pas enregistrés dans RPPS+" in erreur
    assert rules.controler_carte("CPE", "F301", None, jour, jour) == []  # no 48 h rule on a CPE
    assert "48 h" in rules.controler_carte("CPS", "F201", jour, jour, jour + timedelta(days=1))[0]
    assert rules.controler_carte("CPS", "F201", jour, jour, jour + timedelta(days=2)) == []
    assert "réception" in rules.controler_carte("CPE", "F301", None, None, jour)[0]
    assert ETAPES["cpx_reception"].prerequis == ("cpx_commande",)
    assert set(ETAPES["cpx_activation"].prerequis) == {"cpx_reception", "lecteurs"}
    assert "rpps_personnels" not in ETAPES["cpx_activation"].prerequis
    assert ETAPES["cpx_activation"].responsable == Fonction.PROFESSIONNEL


# --- 5. the gestionnaire RPPS+ needs a physical card, a PC/SC reader and the Cryptolib -------------------------

def test_chaine_05_gestionnaire_rpps_equipe_d_une_carte_d_un_lecteur_et_de_la_cryptolib(og):
    assert "poste_gestionnaire" in ETAPES["rpps_personnels"].prerequis
    chef = utilisateur_avec(CP, organisme=og)
    _faire(chef, og, "finess", "contrat_cde", "cde_reception", "gestionnaires_rpps")
    et = og.etablissements.first()
    etats = services.etats_pour(og, et)
    assert [e for e in rules.prerequis_manquants("rpps_personnels", etats)] == ["poste_gestionnaire"]
    with pytest.raises(services.EtapeError, match="aucune carte physique.*aucun lecteur"):
        _faire(chef, og, "poste_gestionnaire")
    Carte.objects.create(organisme=og, type="CPE", canal="F301", titulaire_nom="Gestionnaire TEST",
                         date_commande=J, date_reception=None)
    Lecteur.objects.create(etablissement=et, modele="PC/SC", cryptolib_installee=False)
    with pytest.raises(services.EtapeError, match="carte physique"):  # ordered is not received
        _faire(chef, og, "poste_gestionnaire")
    Carte.objects.filter(organisme=og).update(date_reception=J)
    with pytest.raises(services.EtapeError, match="Cryptolib"):
        _faire(chef, og, "poste_gestionnaire")
    Lecteur.objects.filter(etablissement=et).update(cryptolib_installee=True)
    _faire(chef, og, "poste_gestionnaire")
    assert not rules.prerequis_manquants("rpps_personnels", services.etats_pour(og, et))


# --- 6. INSi by certificate OR by CPE cards, chosen per organisation -------------------------------------------

class _Dui:
    def __init__(self, insi_certificat=False, alimentation_dmp=False):
        self.insi_certificat, self.alimentation_dmp = insi_certificat, alimentation_dmp


def test_chaine_06_insi_par_certificat_ou_par_cartes_cpe():
    assert rules.branches(None) == {Branche.INSI_CERTIFICAT}  # Socle itself calls INSi by certificate
    assert rules.branches(_Dui(insi_certificat=False)) == {Branche.INSI_CARTE}
    assert rules.branches(_Dui(insi_certificat=True, alimentation_dmp=True)) == {Branche.INSI_CERTIFICAT,
                                                                                 Branche.DMP_CERTIFICAT}
    base = tous_faits(*[i for i in ORDRE if i not in ("premier_insi", "insi_cartes", "certificat_insi",
                                                        "homologation")])
    # certificate branch: needs the certificate and the homologation, no INSi card nor reader
    cert = rules.appliquer_branches(base, rules.branches(_Dui(insi_certificat=True)))
    assert set(rules.prerequis_manquants("premier_insi", cert)) == {"certificat_insi", "homologation"}
    assert cert["insi_cartes"].statut == NON_APPLICABLE and "cartes CPE" in cert["insi_cartes"].motif_non_applicable
    assert "lecteurs" not in ETAPES["premier_insi"].prerequis
    # card branch: needs active CPE cards for the people who call INSi, no certificate nor homologation
    carte = rules.appliquer_branches(base, rules.branches(_Dui(insi_certificat=False)))
    assert rules.prerequis_manquants("premier_insi", carte) == ["insi_cartes"]
    assert carte["certificat_insi"].statut == carte["homologation"].statut == NON_APPLICABLE
    assert set(ETAPES["insi_cartes"].prerequis) == {"cpx_activation"}
    # an OG with one ESMS of each kind keeps its certificate steps (the certificate ESMS needs them)
    assert rules.branches_organisme([_Dui(True), _Dui(False)]) == {Branche.INSI_CERTIFICAT, Branche.INSI_CARTE}


# --- 7. certificates counted right; homologation before any INSi call by certificate ----------------------------

def _auto_signe(cn: str = "INSI-AUTO") -> bytes:
    cle = ec.generate_private_key(ec.SECP256R1())
    nom = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    debut = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(nom).issuer_name(nom).public_key(cle.public_key())
            .serial_number(0x5E1F).not_valid_before(debut).not_valid_after(debut + dt.timedelta(days=365))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(cle, hashes.SHA256()))
    return en_p12(cert, cle, "mdp")


@pytest.mark.django_db
def test_chaine_07_certificats_comptes_justes_et_auto_signe_jamais_pret(settings, client_de):
    og = OrganismeFactory()
    homologuer(og)
    settings.SOCLE_CERTIFICATS_AC_TEST = []  # production: only the IGC Santé
    services.enregistrer_certificat(og, _auto_signe(), "auto.p12", "mdp")
    ok, msg = services.certificat_insi_pret(og)
    assert not ok and "auto-signé" in msg
    assert services.certificat_pour(og, "INSI-AUTO") is None
    c, k = fabriquer("INSI-AUTO", serial=0xAB1)  # a CA that is not the IGC Santé
    services.enregistrer_certificat(og, en_p12(c, k, "mdp"), "autre-ac.p12", "mdp")
    ok, msg = services.certificat_insi_pret(og)
    assert not ok and "n'est pas l'IGC Santé" in msg
    igc = AutoriteTest.creer("AC IGC-SANTE ELEMENTAIRE ORGANISATIONS", "ASIP-SANTE")
    c, k = igc.emettre("INSI-AUTO", organisation=og.raison_sociale, serie=0xAB2)
    services.enregistrer_certificat(og, en_p12(c, k, "mdp"), "igc.p12", "mdp")
    assert services.certificat_insi_pret(og)[0] and services.certificat_pour(og, "INSI-AUTO") is not None
    # the DMP feed needs a further pair: authentication + signature / cachet
    c, k = igc.emettre("DMP-ORG", organisation=og.raison_sociale, serie=0xAB3)
    services.enregistrer_certificat(og, en_p12(c, k, "mdp"), "dmp-auth.p12", "mdp")
    inv = services.inventaire_certificats(list(og.certificats.all()))
    assert (inv.insi_auto, inv.insi_manu, inv.dmp_authentification, inv.dmp_signature) == (1, 0, 1, 0)
    assert not inv.dmp_complet and len(inv.non_reconnus) == 2
    c, k = igc.emettre("CACHET-ORG", organisation=og.raison_sociale, usage="sign", serie=0xAB4)
    services.enregistrer_certificat(og, en_pem(c), "cachet.pem")
    assert services.inventaire_certificats(list(og.certificats.all())).dmp_complet
    assert ETAPES["certificats_dmp"].branches == (Branche.DMP_CERTIFICAT,)
    admin = utilisateur_avec(AT, organisme=og)
    html = client_de(admin).get(reverse("prerequis:certificats", args=[og.finess])).content.decode()
    assert "pas IGC Santé" in html and "non reconnu" in html and "INSI-MANU" in html


@pytest.mark.django_db
def test_chaine_07_lot_et_appel_un_par_un_refuses_tant_que_l_homologation_n_est_pas_faite(journal, settings,
                                                                                             client_de):
    settings.SOCLE_INSI_CERTIFICATS_INSTALLATION = False
    et = EtablissementFactory()
    og = et.organisme
    deposer_certificat_insi(og, "INSI-AUTO", homologue=False)
    EtatEtape.objects.create(organisme=og, etape="homologation", statut=Statut.EN_COURS, date_envoi=J)
    u = usagers_services.creer_usager(og, et, {"nom_naissance": "ADRTROIS", "prenoms_naissance": "DOMINIQUE",
                                               "sexe": "F", "date_naissance": date(1997, 2, 26),
                                               "lieu_naissance": "2A020"})
    with pytest.raises(usagers_services.AppelInsiRefuse, match="auto-homologation INS .* n'est pas prononcée"):
        usagers_services.appeler_insi(u)
    with pytest.raises(PermissionError, match="en cours"):  # the batch, with the cockpit hook (default)
        batch.preparer_lot(et)
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False  # even without the hook, the certificate itself is refused
    with pytest.raises(usagers_services.AppelInsiRefuse, match="auto-homologation"):
        batch.preparer_lot(et)
    assert journal.appels == []  # nothing reached the service
    # the admission screen says why
    admission = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    r = client_de(admission).post(reverse("usagers:qualifier", args=[u.pk]), {
        "nom_naissance": u.nom_naissance, "prenoms_naissance": u.prenoms_naissance,
        "premier_prenom": u.premier_prenom, "date_naissance": u.date_naissance.isoformat(), "sexe": u.sexe,
        "lieu_naissance": u.lieu_naissance, "nom_utilise": "", "prenom_utilise": "", "type_justificatif": "",
        "pays_cni": "FR", "action": "appeler"})
    assert "auto-homologation" in r.content.decode()
    # homologation pronounced: the same call goes through
    EtatEtape.objects.filter(organisme=og, etape="homologation").update(statut=Statut.FAIT, date_fait=J)
    assert usagers_services.appeler_insi(u).cr == "00" and len(journal.appels) == 1
    # a test platform may relax the rule, and the screens say so
    EtatEtape.objects.filter(organisme=og, etape="homologation").update(statut=Statut.EN_COURS, date_fait=None)
    settings.SOCLE_INSI_EXIGER_HOMOLOGATION = False
    assert usagers_services.appeler_insi(u).cr == "00"
    rl = utilisateur_avec(RL, organisme=og)
    for nom in ("prerequis:certificats", "prerequis:homologation"):
        html = client_de(rl).get(reverse(nom, args=[og.finess])).content.decode()
        assert "Plateforme de test" in html and "SOCLE_INSI_EXIGER_HOMOLOGATION=false" in html


# --- 8. who to tell about a FINESS anomaly ------------------------------------------------------------------------

@pytest.mark.django_db
def test_chaine_08_anomalie_finess_a_la_delegation_departementale_de_l_ars():
    og = OrganismeFactory()
    conjointe = EtablissementFactory(organisme=og, tutelle="conjointe", nom="EAM SANS COMMUNE", commune="LYON")
    cd = EtablissementFactory(organisme=og, tutelle="CD", nom="SAAD SANS COMMUNE", commune="LYON")
    par_objet = {a.objet: a.destinataire for a in finess_rules.anomalies_organisme(og)}
    assert par_objet[conjointe.finess] == "votre délégation départementale de l'ARS"
    assert par_objet[cd.finess] == "votre conseil départemental"
    vide = OrganismeFactory()
    [a] = finess_rules.anomalies_organisme(vide)
    assert a.code == "ej_sans_et" and "au niveau du FINESS juridique" in a.message
    assert "au niveau des ET" not in a.message and "délégation départementale de l'ARS" in a.destinataire


# --- 9. milestones: the programme's real calendar, "à confirmer"; no internal text on screens ---------------------

def test_chaine_09_jalons_du_calendrier_reel_a_confirmer_et_aucun_texte_interne(client_de, og):
    par_code = {j.code: j for j in JALONS_DEFAUT}
    esms = par_code["esms_numerique_convention"]
    assert esms.date_cible == date(2025, 12, 31) and "2025" in esms.libelle and "convention ARS" in esms.libelle
    sons = par_code["sons_bon_commande"]
    assert "devis" in sons.libelle and "bon de commande de l'éditeur" in sons.libelle
    g = GrappeFactory()
    g.membres.add(og)
    js = services.jalons_de(og)
    assert {j.code for j in js} == set(par_code) and all(j.a_confirmer and j.grappe_id == g.pk for j in js)
    # a past date nobody confirmed warns but makes nobody late (no reminder)
    vue = services.vue_organisme(og, set())
    assert not any(lg.en_retard for lg in vue.lignes)
    assert any("(date à confirmer)" in a.message and a.gravite == "depasse" for a in vue.avertissements)
    # only the grappe's chef de projet edits them; confirmed, the date makes late steps late
    chef = utilisateur_avec(CP, grappe=g)
    j = next(j for j in js if j.code == "esms_numerique_convention")
    with pytest.raises(PermissionError):
        services.modifier_jalon(utilisateur_avec(RL, organisme=og), j, date(2026, 1, 31))
    services.modifier_jalon(chef, j, date(2026, 1, 31))
    assert any(lg.en_retard for lg in services.vue_organisme(og, set()).lignes)
    # no internal text ("Source : issue N") on the cockpit's screens
    c = client_de(chef)
    et = og.etablissements.first()
    pages = [reverse("prerequis:og", args=[og.finess]), reverse("prerequis:calendrier"),
             reverse("prerequis:grappe", args=[g.pk])]
    pages += [reverse("prerequis:etape", args=[og.finess, e.id]) for e in ETAPES.values() if e.niveau == "og"]
    pages += [reverse("prerequis:etape_esms", args=[og.finess, et.finess, e.id]) for e in ETAPES.values()
              if e.niveau == "esms"]
    for url in pages:
        html = c.get(url).content.decode()
        assert "issue" not in html.lower(), url
    # the migration moved the milestones to the new step ids and dropped the unconfirmed old defaults
    vieux = Jalon.objects.create(code="esms_contrat", libelle="ancien", programme="ESMS Numérique", grappe=g,
                                 date_cible=date(2027, 3, 31), etapes=["contrat", "cde_reception"], a_confirmer=True)
    garde = Jalon.objects.create(code="copil", libelle="copil", programme="SONS", organisme=og,
                                 date_cible=date(2027, 3, 31), etapes=["contrat", "cde_demande"], a_confirmer=False)
    MIGRATION.avancer(django_apps, None)
    assert not Jalon.objects.filter(pk=vieux.pk).exists()
    garde.refresh_from_db()
    assert garde.etapes == ["contrat_cde"]


# --- 10. a DUI record per ESMS, whose capabilities switch the chain's branches ---------------------------------------

def test_chaine_10_fiche_dui_par_esms_qui_choisit_les_branches(client_de, og):
    et1, et2 = og.etablissements.order_by("finess")
    chef = utilisateur_avec(CP, organisme=og)
    c = client_de(chef)
    url = reverse("prerequis:dui", args=[og.finess])
    html = c.get(url).content.decode()
    assert et1.finess in html and "Aucune fiche DUI" in html
    r = c.post(url, {"esms": et1.finess, f"{et1.finess}-produit": "DossierPlus", f"{et1.finess}-editeur": "Éditeur X",
                     f"{et1.finess}-referencement_segur": "Vague 2", f"{et1.finess}-date_commande_sons": "2026-03-02",
                     f"{et1.finess}-mssante": "on"})  # INSi not by certificate: the card branch
    assert r.status_code == 302
    d = Dui.objects.get(etablissement=et1)
    assert (d.produit, d.insi_certificat, d.mssante, d.date_commande_sons) == ("DossierPlus", False, True,
                                                                                 date(2026, 3, 2))
    assert EvenementAudit.objects.filter(objet_type="prerequis.Dui", action=Action.CREATION).exists()
    html = c.get(url).content.decode()
    assert "DossierPlus" in html and "02/03/2026" in html and "INSi par cartes CPE" in html
    r = c.post(url, {"esms": et1.finess, f"{et1.finess}-produit": ""})
    assert r.status_code == 200 and "obligatoire" in r.content.decode()
    # the branches follow: et1 (cards) needs INSi cards, et2 (no record: certificate) needs the certificate
    vue = services.vue_organisme(og, set())
    lignes = {et.pk: {lg.etape.id: lg for lg in ls} for et, ls in vue.esms}
    assert lignes[et1.pk]["insi_cartes"].statut != NON_APPLICABLE
    assert lignes[et2.pk]["insi_cartes"].statut == NON_APPLICABLE and lignes[et2.pk]["insi_cartes"].hors_branche
    og_lignes = {lg.etape.id: lg for lg in vue.lignes}
    assert og_lignes["certificat_insi"].statut != NON_APPLICABLE  # et2 still calls by certificate
    assert og_lignes["certificats_dmp"].statut == NON_APPLICABLE  # no DUI feeds the DMP
    r = c.post(url, {"esms": et2.finess, f"{et2.finess}-produit": "DossierPlus", f"{et2.finess}-editeur": "X",
                     f"{et2.finess}-alimentation_dmp": "on"})
    assert r.status_code == 302
    og_lignes = {lg.etape.id: lg for lg in services.vue_organisme(og, set()).lignes}
    assert og_lignes["certificat_insi"].statut == NON_APPLICABLE  # no ESMS calls INSi by certificate any more
    assert og_lignes["certificats_dmp"].statut != NON_APPLICABLE
    vue = services.vue_organisme(og, set())
    toutes = vue.lignes + [lg for _, ls in vue.esms for lg in ls]
    assert vue.progression == (0, sum(1 for lg in toutes if lg.statut != NON_APPLICABLE))  # "na" counts nowhere
    # who may fill it in: not a professional of the ESMS
    pro = utilisateur_avec(Fonction.ADMISSION, etablissement=et1)
    assert client_de(pro).post(url, {"esms": et1.finess, f"{et1.finess}-produit": "Y",
                                     f"{et1.finess}-editeur": "Y"}).status_code == 403


# --- FINESS statut juridique with its TRE_R72 label -------------------------------------------------------------------

@pytest.mark.django_db
def test_statut_juridique_finess_affiche_avec_son_libelle_tre_r72(client_de):
    og = OrganismeFactory(statut_juridique="60")
    EtablissementFactory(organisme=og)
    assert OrganismeGestionnaire.objects.get(pk=og.pk).statut_juridique_libelle == (
        "60 — Association Loi 1901 non Reconnue d'Utilité Publique")
    rl = utilisateur_avec(RL, organisme=og)
    html = client_de(rl).get(reverse("organisations:og_detail", args=[og.finess])).content.decode()
    assert "Association Loi 1901 non Reconnue d&#x27;Utilité Publique" in html
