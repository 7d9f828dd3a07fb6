"""The stand-in's protocol guards: XSD validation of raw requests, mutual TLS (CA and CN), PKCS#12
handling, and the JSON base loading used by the demo."""

import datetime as dt
import json
import ssl
import time

import pytest
import requests
from lxml import etree

from socle.connecteurs.commun.pki import AutoriteTest, ecrire
from socle.connecteurs.commun.tls import MaterielCertificat
from socle.connecteurs.insi.client import contexte_tls
from socle.connecteurs.insi.interface import InsiErreurTechnique, TraitsRecherche
from socle.connecteurs.insi.pki import assurer_pki
from socle.connecteurs.insi.standin import BaseNationale, BouchonInsi, identites_cnam
from socle.connecteurs.insi.traits import normaliser_prenoms
from socle.core.identifiants import nir_error
from socle.fictif.insi import generer_identites
from tests.connecteurs.insi_outils import client as nouveau_client

ADRTROIS = TraitsRecherche("ADRTROIS", ("DOMINIQUE",), "F", dt.date(1997, 2, 26))
NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return assurer_pki(tmp_path_factory.mktemp("pki-insi"))


@pytest.fixture(scope="module")
def bouchon(pki):
    with BouchonInsi(pki, BaseNationale(identites_cnam()), lenteur=0) as b:
        yield b


@pytest.fixture(autouse=True)
def journal_vide(bouchon):
    bouchon.journal.vider()


def _enveloppe(corps: str, entetes: str | None = None) -> bytes:
    if entetes is None:
        entetes = (
            '<ctxbam:ContexteBAM xmlns:ctxbam="urn:siram:bam:ctxbam" Version="01_02">'
            "<ctxbam:Id>1</ctxbam:Id><ctxbam:Temps>2026-01-01T10:00:00Z</ctxbam:Temps><ctxbam:COUVERTURE/>"
            "</ctxbam:ContexteBAM>"
            '<ctxlps:ContexteLPS xmlns:ctxlps="urn:siram:lps:ctxlps" Nature="CTXLPS" Version="01_00">'
            "<ctxlps:Id>2</ctxlps:Id><ctxlps:Temps>2026-01-01T10:00:00Z</ctxlps:Temps>"
            '<ctxlps:LPS><ctxlps:IDAM R="4">RAW</ctxlps:IDAM><ctxlps:Version>1</ctxlps:Version>'
            "<ctxlps:Instance>x</ctxlps:Instance><ctxlps:Nom>urn:lps:test:1</ctxlps:Nom></ctxlps:LPS>"
            "</ctxlps:ContexteLPS>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{NS_SOAP}">'
        f"<soap:Header>{entetes}</soap:Header><soap:Body>{corps}</soap:Body></soap:Envelope>"
    ).encode()


def _post(bouchon, pki, donnees: bytes) -> requests.Response:
    return requests.post(
        bouchon.url,
        data=donnees,
        headers={"Content-Type": "application/soap+xml; charset=utf-8"},
        cert=(str(pki.auto.cert), str(pki.auto.key)),
        verify=str(pki.ca),
        timeout=5,
    )


def _attendre(condition) -> bool:
    """The client may see the TLS alert before the server thread has written its journal line."""
    for _ in range(100):
        if condition():
            return True
        time.sleep(0.02)
    return False


def _faute(reponse) -> tuple[str, str, str]:
    doc = etree.fromstring(reponse.content)
    ns = {"S": NS_SOAP, "siram": "urn:siram"}
    return (
        doc.findtext(".//S:Code/S:Subcode/S:Value", namespaces=ns),
        doc.find(".//siram:Erreur", ns).get("code"),
        doc.findtext(".//S:Reason/S:Text", namespaces=ns),
    )


RECSANS_OK = (
    '<r:RECSANSVITALE xmlns:r="http://www.cnamts.fr/INSiRecSans"><r:NomNaissance>ADRTROIS</r:NomNaissance>'
    "<r:Prenom>DOMINIQUE</r:Prenom><r:Sexe>F</r:Sexe><r:DateNaissance>1997-02-26</r:DateNaissance></r:RECSANSVITALE>"
)


def test_raw_valid_request_is_answered(bouchon, pki):
    rep = _post(bouchon, pki, _enveloppe(RECSANS_OK))
    assert rep.status_code == 200
    doc = etree.fromstring(rep.content)
    ns = {"r": "http://www.cnamts.fr/INSiResultat"}
    assert doc.findtext(".//r:CR/r:CodeCR", namespaces=ns) == "00"
    assert doc.findtext(".//r:INSACTIF/r:IdIndividu/r:NumIdentifiant", namespaces=ns) == "297022A020778"


def test_request_out_of_schema_order_is_rejected_with_a_soap_fault(bouchon, pki):
    corps = RECSANS_OK.replace(
        "<r:NomNaissance>ADRTROIS</r:NomNaissance><r:Prenom>DOMINIQUE</r:Prenom>",
        "<r:Prenom>DOMINIQUE</r:Prenom><r:NomNaissance>ADRTROIS</r:NomNaissance>",
    )
    rep = _post(bouchon, pki, _enveloppe(corps))
    assert rep.status_code == 500
    sous_code, code, raison = _faute(rep)
    assert sous_code == "S:siram_10" and code == "insi_schema"
    assert "format attendu" in raison
    assert bouchon.journal.appels[-1].cr == "FAUTE:siram_10"


def test_unknown_element_is_rejected(bouchon, pki):
    corps = RECSANS_OK.replace("<r:Sexe>F</r:Sexe>", "<r:Sexe>F</r:Sexe><r:Age>29</r:Age>")
    assert _faute(_post(bouchon, pki, _enveloppe(corps)))[1] == "insi_schema"


def test_invalid_context_header_is_rejected(bouchon, pki):
    entetes = (
        '<ctxbam:ContexteBAM xmlns:ctxbam="urn:siram:bam:ctxbam" Version="01_02"><ctxbam:Id>1</ctxbam:Id>'
        "<ctxbam:Temps>pas une date</ctxbam:Temps><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
        '<ctxlps:ContexteLPS xmlns:ctxlps="urn:siram:lps:ctxlps" Version="01_00"><ctxlps:Id>2</ctxlps:Id>'
        "<ctxlps:Temps>2026-01-01T10:00:00Z</ctxlps:Temps></ctxlps:ContexteLPS>"
    )
    rep = _post(bouchon, pki, _enveloppe(RECSANS_OK, entetes))
    assert rep.status_code == 500
    assert "ContexteBAM invalide" in etree.fromstring(rep.content).findtext(".//{urn:siram}Erreur")


def test_missing_idam_is_refused_like_the_cnam(bouchon, pki):
    entetes = (
        '<ctxbam:ContexteBAM xmlns:ctxbam="urn:siram:bam:ctxbam" Version="01_02"><ctxbam:Id>1</ctxbam:Id>'
        "<ctxbam:Temps>2026-01-01T10:00:00Z</ctxbam:Temps><ctxbam:COUVERTURE/></ctxbam:ContexteBAM>"
        '<ctxlps:ContexteLPS xmlns:ctxlps="urn:siram:lps:ctxlps" Version="01_00"><ctxlps:Id>2</ctxlps:Id>'
        "<ctxlps:Temps>2026-01-01T10:00:00Z</ctxlps:Temps></ctxlps:ContexteLPS>"
    )
    assert _faute(_post(bouchon, pki, _enveloppe(RECSANS_OK, entetes)))[:2] == ("S:siram_100", "desir_550")


def test_not_xml_and_soap_11_are_rejected(bouchon, pki):
    assert _post(bouchon, pki, b"pas du xml").status_code == 500
    soap11 = _enveloppe(RECSANS_OK).replace(NS_SOAP.encode(), b"http://schemas.xmlsoap.org/soap/envelope/")
    rep = _post(bouchon, pki, soap11)
    assert rep.status_code == 500 and b"VersionMismatch" in rep.content


def test_raw_undiacritised_name_is_not_transliterated_by_the_server(bouchon, pki):
    corps = RECSANS_OK.replace("ADRTROIS", "Adrtrois")
    doc = etree.fromstring(_post(bouchon, pki, _enveloppe(corps)).content)
    assert doc.findtext(".//{http://www.cnamts.fr/INSiResultat}CodeCR") == "01"


# ------------------------------------------------------------------ mutual TLS


def test_no_client_certificate_is_refused(bouchon):
    sans = nouveau_client(bouchon, AUTO=MaterielCertificat())
    with pytest.raises(InsiErreurTechnique) as exc:
        sans.rechercher(ADRTROIS, mode="AUTO")
    assert exc.value.code == "tls" and not exc.value.reessayable  # certificate refused: retrying is useless
    assert bouchon.journal.appels == []
    assert _attendre(lambda: bouchon.journal.refus_tls)


def test_client_certificate_of_another_ca_is_refused(bouchon, tmp_path):
    etranger = ecrire(*AutoriteTest.creer("AC ETRANGERE").emettre("INSI-AUTO"), tmp_path, "etranger")
    client = nouveau_client(bouchon, AUTO=MaterielCertificat(cert=str(etranger.cert), cle=str(etranger.key)))
    with pytest.raises(InsiErreurTechnique) as exc:
        client.rechercher(ADRTROIS, mode="AUTO")
    assert exc.value.code == "tls"
    assert bouchon.journal.appels == []
    assert _attendre(lambda: any("TLS" in r for r in bouchon.journal.refus_tls))


def test_client_certificate_with_another_cn_is_refused(bouchon, pki, tmp_path):
    autre = ecrire(*pki.emettre_certificat("INSI-AUTRE", "ORGANISME TEST"), tmp_path, "autre")
    client = nouveau_client(bouchon, AUTO=MaterielCertificat(cert=str(autre.cert), cle=str(autre.key)))
    with pytest.raises(InsiErreurTechnique):
        client.rechercher(ADRTROIS, mode="AUTO")
    assert bouchon.journal.appels == []
    assert _attendre(lambda: bouchon.journal.refus_tls == ["CN refusé : 'INSI-AUTRE'"])


def test_server_of_an_untrusted_ca_is_refused_by_the_client(bouchon, tmp_path):
    ca_autre = AutoriteTest.creer("AC INCONNUE").enregistrer(tmp_path).cert
    client = nouveau_client(bouchon)
    client.configuration = type(client.configuration)(
        **{**client.configuration.__dict__, "ca_bundle": str(ca_autre)}
    )
    with pytest.raises(InsiErreurTechnique) as exc:
        client.rechercher(ADRTROIS)
    assert exc.value.code == "tls"
    assert bouchon.journal.appels == []


def test_pkcs12_with_a_wrong_password_gives_a_french_error_without_the_password(pki):
    with pytest.raises(InsiErreurTechnique) as exc:
        contexte_tls(MaterielCertificat(p12=str(pki.auto_p12), mot_de_passe="mauvais-secret-123"), str(pki.ca))
    assert exc.value.code == "certificat" and not exc.value.reessayable
    assert "mot de passe" in str(exc.value)
    assert "mauvais-secret-123" not in str(exc.value) + exc.value.detail
    assert "mauvais-secret-123" not in repr(MaterielCertificat(p12="x", mot_de_passe="mauvais-secret-123"))


def test_pkcs12_and_pem_both_load(pki):
    assert isinstance(contexte_tls(MaterielCertificat(p12=str(pki.auto_p12), mot_de_passe="bouchon-insi")), ssl.SSLContext)
    assert isinstance(contexte_tls(MaterielCertificat(cert=str(pki.manu.cert), cle=str(pki.manu.key))), ssl.SSLContext)


def test_pki_is_cached_and_reused(pki):
    avant = pki.ca.read_bytes()
    assert assurer_pki(pki.dossier).ca.read_bytes() == avant


# ------------------------------------------------------------------ base


def test_base_loads_a_json_file(tmp_path, bouchon):
    fichier = tmp_path / "base.json"
    fichier.write_text(
        json.dumps(
            [
                {"matricule": "1850169123017", "nom_naissance": "JSONFICTIF", "prenoms": ["ARTHUR", "LEON"],
                 "sexe": "M", "date_naissance": "1985-01-15", "lieu_naissance": "69123"}
            ]
        )
    )
    base = BaseNationale()
    assert base.charger_json(fichier) == 1
    fiche = base.par_matricule("1850169123017")
    assert fiche.cle == f"{97 - 1850169123017 % 97:02d}"
    assert base.rechercher("JSONFICTIF", "ARTHUR", "M", "1985-01-15") == [fiche]
    assert base.rechercher("JSONFICTIF", "ARTHUR LEON", "M", "1985-01-15") == [fiche]
    assert base.rechercher("JSONFICTIF", "LEON", "M", "1985-01-15") == []


def test_generated_identities_have_valid_keys_and_are_deterministic():
    a, b = generer_identites(200, graine=7), generer_identites(200, graine=7)
    assert a == b
    assert all(nir_error(f.matricule + f.cle) is None for f in a)


def test_published_identities_reach_a_standin_following_the_file(tmp_path):
    from socle.connecteurs.insi import standin

    fichier = tmp_path / "base-demo.json"
    autre_processus = BaseNationale()
    autre_processus.suivre(fichier)  # file absent yet: nothing loaded, no error
    assert autre_processus.rechercher("PUBLIEE", "ROSE", "F", "1931-12-24") == []
    standin.publier_identites(
        [{"matricule": "2311275056999", "nom_naissance": "Publiée", "prenoms": ["Rose"], "sexe": "F",
          "date_naissance": "1931-12-24", "lieu_naissance": "75056"}],
        chemin=fichier,
    )
    standin.publier_identites(
        [{"matricule": "1450275056888", "nom_naissance": "PUBLIE", "prenoms": "Paul", "sexe": "M",
          "date_naissance": "1945-02-01"}],
        chemin=fichier,
    )
    assert len(json.loads(fichier.read_text())) == 2  # merged, not overwritten
    autre_processus._vu = 0.0  # skip the one-second throttle
    trouves = autre_processus.rechercher("PUBLIEE", "ROSE", "F", "1931-12-24")
    assert [f.matricule for f in trouves] == ["2311275056999"]
    assert standin.base.par_matricule("1450275056888").prenoms == ("PAUL",)


def test_demo_fiches_give_about_seventy_percent_qualified(bouchon):
    from socle.fictif.insi import fiches_pour_demo

    personnes = [
        {"nom_naissance": f"DEMOFICTIF{i}", "prenoms": ["ALICE", "ROSE"], "sexe": "F",
         "date_naissance": dt.date(1930, 1, 1) + dt.timedelta(days=97 * i), "lieu_naissance": "69123"}
        for i in range(60)
    ]
    personnes.append({"nom_naissance": "DEMOANNECY", "prenoms": "JULES", "sexe": "M",
                      "date_naissance": "1940-04-04", "lieu_naissance": "74268"})
    fiches, scenarios = fiches_pour_demo(personnes, graine=3)
    assert fiches_pour_demo(personnes, graine=3) == (fiches, scenarios)
    client = nouveau_client(bouchon)
    for f in fiches:
        bouchon.base.ajouter(f)
    attendu = {"qualifie": "00", "commune_nouvelle": "00", "introuvable": "01",
               "prenoms_differents": "01", "homonymes": "02"}
    obtenus = []
    for p, sc in zip(personnes, scenarios, strict=True):
        t = TraitsRecherche(p["nom_naissance"], tuple(normaliser_prenoms(p["prenoms"])), p["sexe"],
                            dt.date.fromisoformat(str(p["date_naissance"])), p["lieu_naissance"])
        obtenus.append(client.rechercher(t, mode="AUTO").cr)
        assert obtenus[-1] == attendu[sc], (p, sc)
    part = obtenus.count("00") / len(obtenus)
    assert 0.55 <= part <= 0.85
    assert scenarios[-1] in ("commune_nouvelle", "introuvable", "prenoms_differents", "homonymes")


# ------------------------------------------------------------------ caller context and credentials


def test_client_acts_for_a_caller_with_the_material_its_provider_gives(bouchon, pki):
    """The connector asks the caller's provider for the use's certificate (in memory, as deposited in the
    cockpit), the stand-in sees that certificate; no material for a use: refused, nothing sent."""
    from socle.connecteurs.commun.appelant import Appelant
    from socle.connecteurs.commun.pki import en_p12
    from socle.connecteurs.insi.client import ClientInsiSoap
    from socle.connecteurs.insi.interface import InsiCertificatAbsent
    from tests.connecteurs.insi_outils import configuration

    cert, cle = pki.emettre_certificat("INSI-AUTO", "ASSOCIATION APPELANTE", serie=0xC0FFEE)
    demandes = []

    def fournisseur(appelant, usage):
        demandes.append((appelant.organisme_finess, usage))
        if usage == "INSI-AUTO":
            return MaterielCertificat(contenu=en_p12(cert, cle, "p12-secret"), mot_de_passe="p12-secret",
                                      libelle="INSI-AUTO n° C0FFEE")
        return None

    appelant = Appelant("690000001", "ASSOCIATION APPELANTE", personne="julie")
    client = ClientInsiSoap(configuration(bouchon), fournisseur, appelant)
    rep = client.rechercher(ADRTROIS, mode="AUTO")
    assert rep.cr == "00" and rep.certificat == "INSI-AUTO n° C0FFEE"
    assert [(a.cn, a.organisation, a.serie) for a in bouchon.journal.appels] == [
        ("INSI-AUTO", "ASSOCIATION APPELANTE", "C0FFEE")]
    with pytest.raises(InsiCertificatAbsent) as exc:
        client.rechercher(ADRTROIS, mode="MANU")
    assert "INSI-MANU" in str(exc.value) and "ASSOCIATION APPELANTE" in str(exc.value)
    assert not exc.value.reessayable and len(bouchon.journal.appels) == 1
    assert demandes == [("690000001", "INSI-AUTO"), ("690000001", "INSI-MANU")]
