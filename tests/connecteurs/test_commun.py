"""What the connectors share (socle.connecteurs.commun): errors that say whether to retry, the one Fernet
helper, TLS from certificate material in memory, the one test PKI, the base of local HTTPS stand-ins — and
the layering rule: a connector imports only the kernel, never a domain app."""

import ast
import ssl
from pathlib import Path

import pytest
import requests
from django.test import override_settings
from lxml import etree

from socle.connecteurs.commun import secrets
from socle.connecteurs.commun.appelant import Appelant
from socle.connecteurs.commun.erreurs import (
    ErreurCertificat,
    ErreurConnecteur,
    ErreurPermanente,
    ErreurTemporaire,
    SecretIndechiffrable,
)
from socle.connecteurs.commun.pki import AutoriteTest, cle_en_pem, ecrire, en_p12, en_pem, fabriquer
from socle.connecteurs.commun.standin import BouchonHttps, Reponse, SchemaXsd, creer_pki_serveur
from socle.connecteurs.commun.tls import MaterielCertificat, contexte_tls_client, session_tls
from socle.connecteurs.insi.interface import (
    InsiCertificatAbsent,
    InsiErreurPermanente,
    InsiErreurTechnique,
    InsiErreurTemporaire,
)
from socle.prerequis import certificats

RACINE = Path(__file__).resolve().parents[2]
MDP = "Secret-De-Test-42"


def test_errors_say_whether_to_retry():
    assert ErreurTemporaire("x").reessayable and not ErreurPermanente("x").reessayable
    assert ErreurConnecteur("x", reessayable=True).reessayable
    delai = InsiErreurTemporaire("délai", code="delai")
    assert isinstance(delai, InsiErreurTechnique) and isinstance(delai, ErreurTemporaire) and delai.reessayable
    cert = InsiErreurPermanente("certificat", code="certificat")
    assert isinstance(cert, ErreurPermanente) and not cert.reessayable
    assert issubclass(InsiCertificatAbsent, InsiErreurPermanente)
    assert issubclass(ErreurCertificat, ErreurPermanente) and issubclass(SecretIndechiffrable, ErreurPermanente)


def test_one_fernet_helper_for_settings_and_cockpit_passwords():
    jeton = secrets.chiffrer(MDP)
    assert jeton != MDP and secrets.dechiffrer(jeton) == MDP
    assert secrets.chiffrer("") == "" and secrets.dechiffrer("") == ""
    # the cockpit's wrappers are the same helper
    assert certificats.dechiffrer(jeton) == MDP and secrets.dechiffrer(certificats.chiffrer(MDP)) == MDP
    with pytest.raises(SecretIndechiffrable) as exc:
        secrets.dechiffrer("pas-un-jeton")
    assert not exc.value.reessayable
    from cryptography.fernet import Fernet

    with override_settings(SOCLE_SECRETS_KEY=Fernet.generate_key().decode()):  # the key changed
        with pytest.raises(SecretIndechiffrable):
            secrets.dechiffrer(jeton)
        with pytest.raises(certificats.CertificatError, match="SOCLE_SECRETS_KEY"):
            certificats.dechiffrer(jeton)


@pytest.fixture(scope="module")
def ca():
    return AutoriteTest.creer("TEST AC COMMUN")


def test_test_pki_issues_the_certificates_the_cockpit_reads(ca, settings):
    settings.SOCLE_CERTIFICATS_AC_TEST = ["TEST AC COMMUN"]  # a test platform accepting this CA besides the IGC
    cert, _ = ca.emettre("INSI-AUTO", organisation="ASSOCIATION X", serie=0xABCDEF)
    info = certificats.lire(en_pem(cert))
    assert (info.cn, info.numero_serie, info.usage, info.extended_key_usages) == (
        "INSI-AUTO", "ABCDEF", "authentification", ["clientAuth"])
    assert "O=ASSOCIATION X" in info.sujet and "CN=TEST AC COMMUN" in info.emetteur and info.insi_pret()
    assert certificats.lire(en_pem(ca.emettre("SIGN", usage="sign")[0])).usage == "signature"
    assert ca.a_emis(cert) and not AutoriteTest.creer("TEST AC COMMUN").a_emis(cert)  # same name, other key
    fictif, _ = fabriquer("INSI-MANU", serial=0x12)
    assert "CN=AC DÉMO NON OFFICIELLE" in certificats.lire(en_pem(fictif)).emetteur


def test_tls_context_from_material_in_memory(ca, tmp_path):
    cert, cle = ca.emettre("INSI-AUTO", organisation="ASSOCIATION X")
    for materiel in (
        MaterielCertificat(contenu=en_p12(cert, cle, MDP), mot_de_passe=MDP),
        MaterielCertificat(contenu=en_pem(cert) + cle_en_pem(cle, MDP), mot_de_passe=MDP),
        MaterielCertificat(contenu=en_pem(cert) + cle_en_pem(cle)),
        MaterielCertificat(contenu=en_pem(cert) + cle_en_pem(cle), mot_de_passe="inutile"),
    ):
        assert isinstance(contexte_tls_client(materiel), ssl.SSLContext)
    assert isinstance(contexte_tls_client(None), ssl.SSLContext)  # no client certificate at all
    fichiers = ecrire(cert, cle, tmp_path, "client")
    assert isinstance(contexte_tls_client(MaterielCertificat(cert=str(fichiers.cert), cle=str(fichiers.key))),
                      ssl.SSLContext)
    with pytest.raises(ErreurCertificat, match="clé privée"):
        contexte_tls_client(MaterielCertificat(contenu=en_pem(cert), libelle="INSI-AUTO n° 1"))
    mauvais = MaterielCertificat(contenu=en_p12(cert, cle, MDP), mot_de_passe="faux-" + MDP, libelle="INSI-AUTO")
    with pytest.raises(ErreurCertificat) as exc:
        contexte_tls_client(mauvais)
    assert "mot de passe" in str(exc.value) and MDP not in str(exc.value) + exc.value.detail
    assert MDP not in repr(mauvais) and "***" in repr(mauvais)


class _BouchonEcho(BouchonHttps):
    """The smallest stand-in: answers who called."""

    def __init__(self, pki):
        super().__init__(pki)
        self.refus: list[str] = []

    def repondre(self, requete):
        p = requete.pair
        return Reponse(200, f"{p.cn}|{p.organisation}|{p.serie}|{requete.corps.decode()}".encode())

    def refuser_tls(self, raison):
        self.refus.append(raison)


def test_standin_base_requires_a_certificate_of_its_ca_and_tells_who_called(tmp_path):
    pki = creer_pki_serveur(tmp_path / "pki", "TEST AC ECHO")
    cert, cle = pki.autorite().emettre("DMP-TEST", organisation="FONDATION Y", serie=0x0A0B)
    materiel = MaterielCertificat(contenu=en_p12(cert, cle, MDP), mot_de_passe=MDP)
    with _BouchonEcho(pki) as bouchon:
        rep = session_tls(materiel, str(pki.ca)).post(bouchon.url("/echo"), data=b"bonjour", timeout=5)
        assert rep.text == "DMP-TEST|FONDATION Y|A0B|bonjour"
        etranger, etranger_cle = AutoriteTest.creer("AC ETRANGERE").emettre("DMP-TEST")
        with pytest.raises(requests.exceptions.RequestException):
            session_tls(MaterielCertificat(contenu=en_p12(etranger, etranger_cle, MDP), mot_de_passe=MDP),
                        str(pki.ca)).post(bouchon.url("/echo"), data=b"x", timeout=5)
        with pytest.raises(requests.exceptions.RequestException):
            session_tls(None, str(pki.ca)).post(bouchon.url("/echo"), data=b"x", timeout=5)
    assert len(bouchon.refus) >= 1


def test_schema_validation_helper(tmp_path):
    xsd = tmp_path / "t.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" xmlns="urn:t" '
        'elementFormDefault="qualified"><xs:element name="A"><xs:complexType><xs:sequence>'
        '<xs:element name="B" type="xs:date"/></xs:sequence></xs:complexType></xs:element></xs:schema>'
    )
    schema = SchemaXsd({"urn:t": xsd})
    assert schema.erreur(etree.fromstring('<A xmlns="urn:t"><B>2026-01-01</B></A>')) is None
    assert "B" in schema.erreur(etree.fromstring('<A xmlns="urn:t"><B>hier</B></A>'))


def test_caller_context_reads_in_french():
    assert str(Appelant("690000001", "ASSOCIATION X", "julie")) == "ASSOCIATION X (FINESS 690000001), pour julie"


def test_connectors_import_only_the_kernel():
    """Layering (to be enforced by import-linter): socle.connecteurs.* never imports a domain app."""
    permis = ("socle.connecteurs", "socle.core.identifiants", "socle.core.naissance", "socle.core.texte")
    fautes = []
    for fichier in sorted((RACINE / "socle" / "connecteurs").rglob("*.py")):
        for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
            noms = []
            if isinstance(noeud, ast.Import):
                noms = [a.name for a in noeud.names]
            elif isinstance(noeud, ast.ImportFrom) and noeud.level == 0 and noeud.module:
                noms = [noeud.module]
            fautes += [f"{fichier.relative_to(RACINE)} : {n}" for n in noms
                       if n.startswith("socle") and not n.startswith(permis)]
    assert fautes == []
