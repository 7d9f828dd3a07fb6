"""One test per RNIV rule of socle/referentiels/RNIV.md (rule id in each test name). Pure functions: no DB,

except where the rule is about what the service writes (marked django_db)."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from socle.usagers import rniv
from socle.usagers.rniv import PROV, QUAL, RECUP, VALI, ContexteControle, RegleRniv
from tests.usagers.factories import fixture_appel_factice, fixture_etablissement, fixture_usager_prov  # noqa: F401


def test_R_ST_01_quatre_statuts_exclusifs():
    assert rniv.STATUTS == ("PROV", "RECUP", "VALI", "QUAL")
    assert {rniv.statut_de(i, c) for i in (False, True) for c in (False, True)} == set(rniv.STATUTS)
    assert not rniv.statut_valide("QUALIF")
    with pytest.raises(RegleRniv):
        rniv.transition("XX", "insi_ok")


def test_R_ST_02_creation_sans_controle_provisoire():
    assert rniv.statut_initial() == PROV


def test_R_ST_03_transitions_insi_et_controle():
    assert rniv.transition(PROV, "insi_ok") == RECUP
    assert rniv.transition(PROV, "controle_ok") == VALI
    assert rniv.transition(VALI, "insi_ok") == QUAL
    assert rniv.transition(RECUP, "controle_ok") == QUAL


def test_R_ST_04_qualifiee_exige_insi_et_controle_sauf_apcv():
    assert not rniv.qualifiee_possible(insi_ok=True, controle_ok=False)
    assert not rniv.qualifiee_possible(insi_ok=False, controle_ok=True)
    assert rniv.qualifiee_possible(insi_ok=True, controle_ok=True)
    assert rniv.qualifiee_possible(False, False, apcv=True)
    assert rniv.transition(PROV, "apcv") == QUAL
    # physical carte Vitale: a channel to INSi, not an identity document -> at most RECUP
    assert rniv.controle_haut_niveau("CV")[0] is False
    assert rniv.transition(PROV, "insi_ok") == RECUP


def test_R_ST_05_douteuse_ou_fictive_reste_provisoire():
    for ev in ("insi_ok", "controle_ok", "apcv"):
        with pytest.raises(RegleRniv) as exc:
            rniv.transition(PROV, ev, douteuse=True)
        assert exc.value.regle == "R-ST-05"
        with pytest.raises(RegleRniv):
            rniv.transition(PROV, ev, fictive=True)


def test_R_ST_06_retrogradations():
    assert rniv.transition(QUAL, "attribut_bloquant") == PROV
    assert rniv.transition(QUAL, "insi_perdu") == VALI  # RULES §5 choice: C is kept
    assert rniv.transition(RECUP, "insi_perdu") == PROV
    assert rniv.transition(QUAL, "controle_perdu") == RECUP
    assert rniv.transition(VALI, "controle_perdu") == PROV


def test_R_DOC_01_dispositifs_haut_niveau():
    for code in ("PA", "eCN", "CS", "IN", "AV", "IE", "CM"):
        assert rniv.controle_haut_niveau(code)[0], code
    assert rniv.controle_haut_niveau("CN", ContexteControle(pays_cni="FR"))[0]
    assert rniv.controle_haut_niveau("CN", ContexteControle(pays_cni="CH"))[0]
    assert rniv.controle_haut_niveau("CN", ContexteControle(pays_cni="MC"))[0]
    haut, raison = rniv.controle_haut_niveau("CN", ContexteControle(pays_cni="MA"))
    assert not haut and "R-DOC-01" in raison


def test_R_DOC_02_documents_insuffisants_seuls():
    for code in ("LF", "EN", "PC", "CV", "CST", "AU"):
        haut, raison = rniv.controle_haut_niveau(code)
        assert not haut and "R-DOC-02" in raison


def test_R_DOC_03_exceptions_ehpad_et_mineurs():
    ehpad = ContexteControle(categorie_etablissement="500", admission_directe_ehpad=True)
    assert rniv.controle_haut_niveau("LECV", ehpad)[0]
    assert not rniv.controle_haut_niveau("LECV", ContexteControle(categorie_etablissement="460"))[0]
    # RNIV 2024 (via FR Core #194): ASE minors and adults who cannot obtain an official document
    assert rniv.controle_haut_niveau("LECV", ContexteControle(mineur=True, mineur_ase=True))[0]
    assert rniv.controle_haut_niveau("LECV", ContexteControle(majeur_sans_document=True))[0]
    assert not rniv.controle_haut_niveau("LECV", ContexteControle(mineur=True, majeur_sans_document=True))[0]
    assert rniv.controle_haut_niveau("AN", ContexteControle(mineur=True))[0]
    assert rniv.controle_haut_niveau("CC", ContexteControle(mineur=True))[0]
    assert not rniv.controle_haut_niveau("AN", ContexteControle(mineur=False))[0]


def test_R_DOC_04_controle_trace_type_qui_quand():
    assert rniv.controle_complet("PA", "julie", date.today()) == []
    assert set(rniv.controle_complet("", "", None)) == {"type de justificatif", "professionnel ayant vérifié",
                                                        "date du contrôle"}


def test_R_TR_01_cinq_traits_obligatoires():
    traits = {"nom_naissance": "DEMOLIN", "premier_prenom": "ALICE", "date_naissance": date(1950, 1, 1),
              "sexe": "F", "lieu_naissance": "69123"}
    assert rniv.traits_obligatoires_manquants(traits) == []
    assert rniv.traits_obligatoires_manquants({**traits, "lieu_naissance": ""}) == ["lieu de naissance"]
    assert "nom de naissance" in rniv.traits_obligatoires_manquants({**traits, "nom_naissance": ""})


def test_R_TR_02_traits_utilises_si_differents():
    assert rniv.nom_utilise_requis("DEMOLIN", "DEMOLIN", "ALICE", "") == {}
    assert rniv.nom_utilise_requis("DEMOLIN", "MARTINDEMO", "ALICE", "LILI") == {
        "nom_utilise": "MARTINDEMO", "prenom_utilise": "LILI"}


def test_R_TR_03_traits_etendus_hors_identite():
    # extended traits (address, phone…) are not identity traits: never among strict/complementary ones
    assert not {"adresse", "telephone", "email"} & set(rniv.TRAITS_STRICTS + rniv.TRAITS_COMPLEMENTAIRES)


def test_R_FMT_01_majuscules_sans_diacritiques():
    assert rniv.formater_nom("Lefèvre-D’Aubigné") == "LEFEVRE-D'AUBIGNE"
    assert rniv.formater_nom("  françois   çà  ") == "FRANCOIS CA"
    assert rniv.formater_nom("zoé") == "ZOE"


def test_R_FMT_02_ligatures_developpees():
    assert rniv.formater_nom("Cœur") == "COEUR"
    assert rniv.formater_nom("Lætitia") == "LAETITIA"
    assert rniv.formater_nom("Strauß") == "STRAUSS"


def test_R_FMT_03_liste_prenoms_ordre_et_composes():
    assert rniv.formater_prenoms("Jean-Pierre  Marie") == "JEAN-PIERRE MARIE"
    assert rniv.formater_prenoms(["Élise", "Anne"]) == "ELISE ANNE"
    assert rniv.formater_prenoms("Paul, Jean") == "PAUL JEAN"


def test_R_FMT_04_premier_prenom_debut_de_liste():
    liste = "JEAN CHRISTOPHE PIERRE"
    for ok in ("JEAN", "JEAN CHRISTOPHE", "JEAN-CHRISTOPHE"):
        assert rniv.premier_prenom_coherent(ok, liste), ok
    for ko in ("CHRISTOPHE", "PIERRE", "JEA", ""):
        assert not rniv.premier_prenom_coherent(ko, liste), ko
    with pytest.raises(RegleRniv) as exc:
        rniv.verifier_modification(PROV, {"prenoms_naissance": liste, "premier_prenom": "JEAN"},
                                   {"premier_prenom": "PIERRE"})
    assert exc.value.regle == "R-FMT-04"


@pytest.mark.django_db
def test_R_FMT_05_traits_insi_stockes_tels_quels(usager_prov, appel_factice):
    from socle.usagers import services

    appel = appel_factice(usager_prov, nom="D'ARC-OEUVRE", prenoms="HELOISE MARIE")
    u = services.accepter_identite(usager_prov, appel)
    assert u.nom_naissance == "D'ARC-OEUVRE"  # exactly as returned
    assert u.prenoms_naissance == "HELOISE MARIE"


@pytest.mark.django_db
def test_R_FMT_06_pas_de_nom_invente(etablissement):
    from socle.usagers import services

    with pytest.raises(RegleRniv) as exc:
        services.creer_usager(etablissement.organisme, etablissement, {
            "nom_naissance": "", "prenoms_naissance": "ALICE", "date_naissance": date(1950, 1, 1), "sexe": "F",
            "lieu_naissance": "69123"})
    assert exc.value.regle == "R-TR-01"


def test_R_DN_01_date_obligatoire_pas_future():
    assert rniv.date_naissance_erreur(date(1950, 1, 1)) is None
    assert "R-DN-01" in rniv.date_naissance_erreur(None)
    assert "futur" in rniv.date_naissance_erreur(date.today() + timedelta(days=1))


def test_R_SX_01_sexe_f_m_indetermine_provisoire_seulement():
    assert rniv.sexe_erreur("F", QUAL) is None and rniv.sexe_erreur("M", RECUP) is None
    assert rniv.sexe_erreur("I", PROV) is None
    assert "R-SX-01" in rniv.sexe_erreur("I", VALI)
    assert rniv.sexe_erreur("X", PROV)


def test_R_LN_01_code_lieu_naissance():
    for ok in ("69123", "2A004", "2B033", "97411", "99134", "99999"):
        assert rniv.lieu_naissance_erreur(ok) is None, ok
    for ko in ("6912", "LYON1", "2C004", ""):
        assert rniv.lieu_naissance_erreur(ko), ko
    assert rniv.lieu_naissance_alerte("99999", QUAL)
    assert rniv.lieu_naissance_alerte("99999", RECUP) is None


def test_R_LN_02_ecart_de_lieu_seul_classe_commune_nouvelle():
    saisis = {"nom_naissance": "FUSIONNEE", "prenoms_naissance": "JEANNE", "sexe": "F",
              "date_naissance": "1950-05-12", "lieu_naissance": "74010"}
    retour = {**saisis, "lieu_naissance": "74011"}
    ecarts = rniv.ecarts_traits(saisis, retour)
    assert ecarts == {"lieu_naissance": ("74010", "74011")}
    assert rniv.type_ecart(ecarts) == "commune"
    assert not rniv.coherence_insi(saisis, retour)  # never updated automatically


def test_R_ED_01_matricule_ins_jamais_saisi():
    for statut in rniv.STATUTS:
        assert not set(rniv.CHAMPS_INS) & rniv.champs_modifiables(statut)
    with pytest.raises(RegleRniv) as exc:
        rniv.verifier_modification(PROV, {}, {"matricule_ins": "1090763220834"})
    assert exc.value.regle == "R-ED-01"


def test_R_ED_02_traits_insi_en_lecture_seule():
    for statut in (RECUP, QUAL):
        with pytest.raises(RegleRniv) as exc:
            rniv.verifier_modification(statut, {}, {"nom_naissance": "AUTRE"})
        assert exc.value.regle == "R-ED-02"
    # premier prénom stays editable while coherent
    anciens = {"prenoms_naissance": "JEAN CHRISTOPHE", "premier_prenom": "JEAN"}
    assert rniv.verifier_modification(QUAL, anciens, {"premier_prenom": "JEAN-CHRISTOPHE"}) == QUAL


def test_R_ED_03_traits_utilises_modifiables_partout_sans_changer_le_statut():
    for statut in rniv.STATUTS:
        assert rniv.verifier_modification(statut, {}, {"nom_utilise": "EPOUSEDEMO", "prenom_utilise": "LILI"}) == statut


def test_R_ED_04_modif_trait_strict_validee_redevient_provisoire():
    assert rniv.verifier_modification(VALI, {}, {"date_naissance": date(1951, 1, 1)}) == PROV
    assert rniv.verifier_modification(PROV, {}, {"nom_naissance": "DEMOLINE"}) == PROV


@pytest.mark.django_db
def test_R_ED_05_changements_traces_ancien_nouveau(usager_prov):
    from socle.usagers import services

    u = services.modifier_traits(usager_prov, {"nom_utilise": "Épouse Démo"})
    h = u.historique.first()
    assert h.evenement == "traits" and h.changements == {"nom_utilise": ["", "EPOUSE DEMO"]}


def test_R_AF_01_libelle_du_statut():
    assert rniv.libelle_statut(QUAL) == "Identité qualifiée"
    assert rniv.libelle_statut(PROV) == "Identité provisoire"


@dataclass
class _U:
    nom_naissance: str = "DEMOLIN"
    nom_utilise: str = ""
    premier_prenom: str = "ALICE"
    prenom_utilise: str = ""
    prenoms_naissance: str = "ALICE MARIE"
    date_naissance: date = date(1950, 3, 4)
    sexe: str = "F"
    lieu_naissance: str = "69123"
    statut: str = QUAL
    douteuse: bool = False
    fictive: bool = False
    matricule_ins: str = "2500369123001"
    cle_ins: str = "00"
    oid_ins: str = rniv.OID_NIR


def test_R_AF_02_identite_affichee():
    assert rniv.identite_affichee(_U(nom_utilise="MARTINDEMO", prenom_utilise="LILI")) == \
        "DEMOLIN (MARTINDEMO) LILI, né(e) le 04/03/1950, F"
    assert rniv.identite_affichee(_U()) == "DEMOLIN ALICE, né(e) le 04/03/1950, F"


def test_R_AF_03_document_ins_avec_les_traits():
    d = rniv.donnees_ins_document(_U())
    assert d["matricule_ins"] == "250036912300100" and d["oid"] == rniv.OID_NIR
    for k in ("nom_naissance", "prenoms_naissance", "date_naissance", "sexe", "lieu_naissance"):
        assert d[k]


def test_R_AF_04_pas_d_ins_sur_les_documents_si_non_qualifiee():
    for statut in (PROV, RECUP, VALI):
        assert rniv.donnees_ins_document(_U(statut=statut)) is None
    assert rniv.donnees_ins_document(_U(douteuse=True)) is None


def test_R_AT_01_douteuse_seulement_provisoire():
    assert rniv.attribut_bloquant(douteuse=True, fictive=False)
    assert rniv.transition(RECUP, "attribut_bloquant") == PROV


def test_R_AT_02_fictive_seulement_provisoire():
    assert rniv.attribut_bloquant(douteuse=False, fictive=True)
    with pytest.raises(RegleRniv):
        rniv.transition(PROV, "controle_ok", fictive=True)


def test_R_AT_03_appel_insi_impossible_douteuse_fictive():
    assert rniv.appel_insi_autorise(False, False) == (True, "")
    assert rniv.appel_insi_autorise(True, False)[0] is False
    assert "R-AT-03" in rniv.appel_insi_autorise(False, True)[1]


def test_R_AT_04_combinaisons_d_attributs():
    rniv.verifier_attributs(douteuse=True, fictive=False, homonyme=True)  # allowed
    with pytest.raises(RegleRniv):
        rniv.verifier_attributs(douteuse=True, fictive=True, homonyme=False)
    with pytest.raises(RegleRniv):
        rniv.verifier_attributs(douteuse=False, fictive=True, homonyme=True)


def test_R_AT_05_homonyme_compatible_avec_tout_statut():
    rniv.verifier_attributs(False, False, True)
    assert not rniv.attribut_bloquant(douteuse=False, fictive=False)  # homonyme never blocks
    assert rniv.transition(VALI, "insi_ok") == QUAL


@pytest.mark.django_db
def test_R_AT_06_douteuse_sur_qualifiee_force_provisoire(usager_prov, appel_factice):
    from socle.usagers import services

    services.enregistrer_controle(usager_prov, "PA")
    u = services.accepter_identite(usager_prov, appel_factice(usager_prov))
    assert u.statut == QUAL
    u = services.definir_attributs(u, douteuse=True, fictive=False, homonyme=False, motif="confusion")
    assert u.statut == PROV and not rniv.ins_transmissible(u.statut, u.douteuse, u.fictive)


def test_R_INS_01_ins_transmis_seulement_qualifiee():
    assert rniv.ins_transmissible(QUAL)
    assert not any(rniv.ins_transmissible(s) for s in (PROV, RECUP, VALI))
    assert rniv.ins_affichable(RECUP) and not rniv.ins_affichable(VALI)


def test_R_INS_02_ins_partage_avec_traits():
    d = rniv.donnees_ins_document(_U())
    assert {"matricule_ins", "oid", "nom_naissance", "prenoms_naissance", "premier_prenom", "date_naissance",
            "sexe", "lieu_naissance"} <= set(d)


def test_R_INS_03_oid_nature():
    assert rniv.nature_oid("1.2.250.1.213.1.4.8") == "INS-NIR"
    assert rniv.nature_oid("1.2.250.1.213.1.4.9") == "INS-NIA"
    assert rniv.nature_oid("1.2.250.1.213.1.4.10") == "INS-NIR de test"
    assert rniv.nature_oid("1.2.250.1.213.1.4.11") == "INS-NIR de démonstration"
    assert "R-INS-03" in rniv.ins_erreur("1090763220834", "89", "1.2.3")


def test_R_INS_04_structure_quinze_caracteres():
    assert rniv.ins_erreur("1090763220834", "89") is None
    assert rniv.ins_erreur("109076322083", "89")  # 12 + 2


def test_R_INS_05_cle_corse():
    assert rniv.ins_erreur("297022A020778", "78") is None
    assert rniv.ins_erreur("160012B020777", "13") is None
    assert rniv.ins_erreur("180032B020401", "23") is None
    assert rniv.ins_erreur("297022A020778", "77")


def test_R_INS_06_caracteres_autorises():
    assert rniv.ins_erreur("10907632208X4", "89")
    assert rniv.ins_erreur("1090763220834", "8A")


@pytest.mark.django_db
def test_R_INS_07_cle_invalide_jamais_utilisee(usager_prov, appel_factice):
    from socle.usagers import services

    appel = appel_factice(usager_prov, cle="00")
    with pytest.raises(RegleRniv) as exc:
        services.accepter_identite(usager_prov, appel)
    assert exc.value.regle == "R-INS-07"
    usager_prov.refresh_from_db()
    assert usager_prov.matricule_ins == "" and usager_prov.statut == PROV


@pytest.mark.django_db
def test_R_INS_08_ins_uniquement_depuis_insi(usager_prov):
    """The INS is never derived from another number (e.g. the ouvrant droit's carte Vitale): the only writer
    of matricule_ins is accepter_identite (an INSi answer); a manual change is refused (R-ED-01)."""
    from socle.usagers import services

    with pytest.raises(RegleRniv):
        services.modifier_traits(usager_prov, {"matricule_ins": "2500369123001"})
    usager_prov.refresh_from_db()
    assert usager_prov.matricule_ins == ""


@pytest.mark.django_db
def test_R_ST_04_apcv_seule_ne_donne_pas_qualifiee_sans_ins(usager_prov):
    """The ApCV as a checked document gives criterion C; QUAL still needs the INS (never a QUAL without INS)."""
    from socle.usagers import services

    j = services.enregistrer_controle(usager_prov, "AV")
    usager_prov.refresh_from_db()
    assert j.haut_niveau and usager_prov.statut == VALI and usager_prov.matricule_ins == ""
