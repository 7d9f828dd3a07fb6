"""The real INSi client against the local stand-in over the real protocol (HTTPS, mutual TLS, SOAP 1.2):
no mock of our own client. The CNAM test identities must answer as on the qualification platform."""

import datetime as dt
import time

import pytest

from socle.connecteurs.commun.erreurs import ErreurTemporaire
from socle.connecteurs.insi.interface import OID_NIA, OID_NIR, InsiErreurTechnique, TraitsRecherche
from socle.connecteurs.insi.pki import assurer_pki
from socle.connecteurs.insi.standin import BaseNationale, BouchonInsi, identites_cnam
from socle.connecteurs.insi.traits import normaliser, normaliser_prenoms
from tests.connecteurs.insi_outils import client as nouveau_client


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return assurer_pki(tmp_path_factory.mktemp("pki-insi"))


@pytest.fixture(scope="module")
def bouchon(pki):
    with BouchonInsi(pki, BaseNationale(identites_cnam()), lenteur=1.5) as b:
        yield b


@pytest.fixture(scope="module")
def insi(bouchon):
    return nouveau_client(bouchon)


@pytest.fixture(autouse=True)
def journal_vide(bouchon):
    bouchon.journal.vider()


def T(nom, prenoms, sexe, date, lieu="", **kw):
    return TraitsRecherche(nom, tuple(prenoms), sexe, dt.date.fromisoformat(date), lieu, **kw)


# ------------------------------------------------------------------ CNAM public test identities


@pytest.mark.parametrize(
    "traits, ins, cle, lieu",
    [
        (T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"), "297022A020778", "78", "2A020"),
        (T("ADRTROIS", ["TOUSSAINT"], "M", "1960-01-01"), "160012B020777", "13", "2B020"),
        (T("TCHITCHI", ["CATARINA"], "F", "1936-06-21"), "2360663220836", "56", "63220"),
        (T("CORSE", ["ANTHONY"], "M", "1980-03-02"), "180032B020401", "23", "2B020"),
    ],
)
def test_cnam_identities_found_with_their_ins_and_key(insi, traits, ins, cle, lieu):
    rep = insi.rechercher(traits)
    assert rep.cr == "00" and rep.trouvee
    assert (rep.identite.matricule, rep.identite.cle, rep.identite.oid) == (ins, cle, OID_NIR)
    assert rep.identite.ins == ins + cle
    assert rep.identite.lieu_naissance == lieu
    assert rep.appels == 1


def test_ecetinsi_returns_full_first_name_list_and_past_ins(insi):
    rep = insi.rechercher(T("ECETINSI", ["PIERRE-ALAIN"], "M", "2009-07-14"))
    assert rep.cr == "00"
    assert rep.identite.matricule == "1090763220834" and rep.identite.cle == "89"
    assert rep.identite.prenoms == ("PIERRE-ALAIN", "MURIEL", "FLORIANT")
    assert rep.identite.premier_prenom == "PIERRE-ALAIN"
    assert rep.identite.historique == (
        ("2090763220834", "39", OID_NIR),
        ("2090663220123", "55", OID_NIR),
    )


def test_provisoire_answers_a_nia(insi):
    rep = insi.rechercher(T("PROVISOIRE", ["MATRICULE"], "M", "2009-07-01"))
    assert rep.cr == "00"
    assert (rep.identite.matricule, rep.identite.cle, rep.identite.oid) == ("1090763220888", "35", OID_NIA)


def test_tchitchi_with_ola_is_not_found(insi):
    rep = insi.rechercher(T("TCHITCHI", ["OLA"], "F", "1936-06-21"))
    assert rep.cr == "01" and rep.identite is None and not rep.trouvee


def test_de_vinci_has_several_answers_without_birthplace_and_one_with_it(insi):
    rep = insi.rechercher(T("DE VINCI", ["LEONARDO"], "M", "2014-02-01"))
    assert rep.cr == "02" and rep.identite is None
    rep = insi.rechercher(T("DE VINCI", ["LEONARDO"], "M", "2014-02-01", lieu="99127"))
    assert rep.cr == "00" and rep.identite.lieu_naissance == "99127"


def test_houilles_not_found_for_each_first_name_and_all_together(insi, bouchon):
    rep = insi.rechercher(T("HOUILLES", ["PIERRE", "PAUL", "JACQUES"], "M", "1993-01-27"))
    assert rep.cr == "01"
    assert rep.appels == 4
    envoyes = [a.prenom for a in bouchon.journal.appels]
    assert envoyes == ["PIERRE", "PAUL", "JACQUES", "PIERRE PAUL JACQUES"]
    assert [d["prenom"] for d in rep.details] == envoyes


# ------------------------------------------------------------------ CNAM practice and failure modes


def test_first_name_loop_stops_at_the_first_00(insi, bouchon):
    # the national first name is PAUL, the document lists JEAN first
    rep = insi.rechercher(T("PRENOMORDRE", ["JEAN", "PAUL", "MARCEL"], "M", "1962-08-30"))
    assert rep.cr == "00" and rep.prenom_retenu == "PAUL"
    assert rep.appels == 2
    assert [a.prenom for a in bouchon.journal.appels] == ["JEAN", "PAUL"]
    assert [d["cr"] for d in rep.details] == ["01", "00"]


def test_prenom_unique_sends_the_joined_list_once(insi, bouchon):
    rep = insi.rechercher(T("PRENOMORDRE", ["JEAN", "PAUL"], "M", "1962-08-30", prenom_unique=True))
    assert rep.cr == "01" and rep.appels == 1
    assert [a.prenom for a in bouchon.journal.appels] == ["JEAN PAUL"]


def test_joined_first_names_call_can_be_the_one_that_answers(insi, bouchon):
    rep = insi.rechercher(T("TCHITCHI", ["BELLA", "CATARINA"], "F", "1936-06-21"))
    # BELLA -> 01, CATARINA -> 00 (national first first name)
    assert rep.cr == "00" and rep.appels == 2


def test_different_first_name_list_is_not_found(insi, bouchon):
    rep = insi.rechercher(T("LISTEPRENOMS", ["MARIE", "JEANNE"], "F", "1944-10-02"))
    assert rep.cr == "01" and rep.appels == 3
    assert [a.prenom for a in bouchon.journal.appels] == ["MARIE", "JEANNE", "MARIE JEANNE"]
    assert insi.rechercher(T("LISTEPRENOMS", ["Marie-Jeanne"], "F", "1944-10-02")).cr == "00"


def test_diacritics_ligature_and_typographic_apostrophe_are_transliterated(insi, bouchon):
    rep = insi.rechercher(T("d’Arc-Œuvre", ["Héloïse", "Marie"], "F", "1975-03-18"))
    assert rep.cr == "00"
    assert rep.identite.nom_naissance == "D'ARC-OEUVRE"
    assert rep.identite.prenoms == ("HELOISE", "MARIE")
    assert bouchon.journal.appels[0].nom == "D'ARC-OEUVRE"
    assert bouchon.journal.appels[0].prenom == "HELOISE"


def test_commune_nouvelle_answers_the_current_code(insi):
    # born in Annecy-le-Vieux (74011), merged into Annecy (74010): the document shows the old code
    rep = insi.rechercher(T("FUSIONNEE", ["JEANNE"], "F", "1950-05-12", lieu="74011"))
    assert rep.cr == "00"
    assert rep.identite.lieu_naissance == "74010"
    assert insi.rechercher(T("FUSIONNEE", ["JEANNE"], "F", "1950-05-12", lieu="75056")).cr == "01"


def test_technical_fault_raises_insi_erreur_technique(insi, bouchon):
    with pytest.raises(InsiErreurTechnique) as exc:
        insi.rechercher(T("ERREURTECHNIQUE", ["JEAN"], "M", "1970-01-01"))
    assert exc.value.code == "siram_40/insi_102"
    assert exc.value.reessayable and isinstance(exc.value, ErreurTemporaire)  # CNAM side (Receiver): retry later
    assert "temporairement inaccessible" in str(exc.value)
    assert "erreur technique" in exc.value.detail
    assert bouchon.journal.appels[-1].cr == "FAUTE:siram_40"


def test_slow_answer_gives_a_timeout_error(bouchon):
    lent = nouveau_client(bouchon, timeout=0.4)
    with pytest.raises(InsiErreurTechnique) as exc:
        lent.rechercher(T("LENTEUR", ["LUCIE"], "F", "1981-07-07"))
    assert exc.value.code == "delai" and exc.value.reessayable
    assert "délai de 0.4 s" in str(exc.value)
    # let the stand-in finish its slow answer so that it lands in this test's journal, not the next one's
    for _ in range(100):
        if any(a.nom == "LENTEUR" for a in bouchon.journal.appels):
            break
        time.sleep(0.05)
    assert [a.cr for a in bouchon.journal.appels if a.nom == "LENTEUR"] == ["00"]


def test_slow_answer_arrives_with_a_longer_timeout(bouchon):
    patient = nouveau_client(bouchon, timeout=5)
    assert patient.rechercher(T("LENTEUR", ["LUCIE"], "F", "1981-07-07")).cr == "00"


def test_carte_vitale_search(insi, bouchon):
    rep = insi.rechercher_carte_vitale({"matricule": "297022A02077878", "date_naissance": dt.date(1997, 2, 26)})
    assert rep.cr == "00" and rep.identite.ins == "297022A02077878"
    assert bouchon.journal.appels[-1].operation == "rechercherInsAvecCarteVitale"
    assert insi.rechercher_carte_vitale({"matricule": "297022A020778", "date_naissance": "1997-02-27"}).cr == "01"


def test_mode_selects_the_client_certificate(insi, bouchon):
    insi.rechercher(T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"), mode="AUTO")
    insi.rechercher(T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"), mode="MANU")
    insi.pour_mode("AUTO").rechercher(T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"))
    assert [a.cn for a in bouchon.journal.appels] == ["INSI-AUTO", "INSI-MANU", "INSI-AUTO"]


def test_headers_carry_idam_and_message_id(insi, bouchon):
    insi.rechercher(T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"))
    appel = bouchon.journal.appels[-1]
    assert appel.idam == "TEST-IDAM-SOCLE"
    assert appel.message_id.startswith("urn:uuid:")


def test_missing_name_or_first_name_is_refused_before_any_call(insi, bouchon):
    with pytest.raises(ValueError):
        insi.rechercher(T("", ["JEAN"], "M", "1970-01-01"))
    with pytest.raises(ValueError):
        insi.rechercher(T("DUPONT", [" "], "M", "1970-01-01"))
    assert bouchon.journal.appels == []


def test_base_accepts_added_identities(bouchon, insi):
    bouchon.base.ajouter(
        {"matricule": "2990575056321", "nom_naissance": "Ajoutée", "prenoms": "Zoé Anne", "sexe": "F",
         "date_naissance": "1999-05-01", "lieu_naissance": "75056"}
    )
    rep = insi.rechercher(T("AJOUTEE", ["ZOE"], "F", "1999-05-01"))
    assert rep.cr == "00" and rep.identite.prenoms == ("ZOE", "ANNE")
    assert int(rep.identite.cle) == 97 - int("2990575056321") % 97


# ------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    "brut, attendu",
    [
        ("de l’Œuvre", "DE L'OEUVRE"),
        ("Lætitia", "LAETITIA"),
        ("Hélène-Éloïse", "HELENE-ELOISE"),
        ("  Jean  -  Pierre ", "JEAN-PIERRE"),
        ("Müller–Straße", "MULLER-STRASSE"),
        ("N'Diaye ", "N'DIAYE"),
    ],
)
def test_normaliser(brut, attendu):
    assert normaliser(brut) == attendu


def test_normaliser_prenoms_keeps_order_and_drops_empties():
    assert normaliser_prenoms(["Élise", "", "Anne-Sophie"]) == ("ELISE", "ANNE-SOPHIE")
    assert normaliser_prenoms("Jean, Paul  Marcel") == ("JEAN", "PAUL", "MARCEL")


def test_verification_by_a_new_search(insi):
    from socle.connecteurs.insi.client import verifier

    ok = verifier(insi, T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26", lieu="2A020"), "297022A02077878")
    assert ok.conforme and ok.ecarts == []
    faux = verifier(insi, T("ADRTROIS", ["DOMINIQUE"], "F", "1997-02-26"), "297022A02077800")
    assert not faux.conforme and faux.ecarts == ["INS"]
    ancien = verifier(insi, T("ECETINSI", ["PIERRE-ALAIN", "MURIEL", "FLORIANT"], "M", "2009-07-14"), "209076322083439")
    assert ancien.ecarts == ["INS (ancien matricule, remplacé)"]
    commune = verifier(insi, T("FUSIONNEE", ["JEANNE"], "F", "1950-05-12", lieu="74011"), "")
    assert commune.ecarts == ["lieu de naissance"]
    absent = verifier(insi, T("HOUILLES", ["PIERRE"], "M", "1993-01-27"), "")
    assert absent.ecarts == ["identité non retrouvée (CR 01)"]


def test_R_DN_02_date_lunaire_envoyee_et_rendue_telle_quelle(insi, bouchon):
    from socle.core.naissance import DateLunaire

    rep = insi.rechercher(TraitsRecherche("LUNAIRE", ("AMINA", "FATIMA"), "F", DateLunaire(1962, 0, 0)))
    assert rep.cr == "00" and rep.identite.date_naissance == DateLunaire(1962, 0, 0)
    assert rep.identite.date_naissance.isoformat() == "1962-00-00" and rep.identite.date_naissance.reelle is None
    assert [(a.nom, a.cr) for a in bouchon.journal.appels] == [("LUNAIRE", "00")]
