"""The VIHF token (Vecteur d'Identification et d'Habilitation Formelle): a SAML 2.0 assertion in the
WS-Security header of every DMP call, signed (XML-DSig enveloped, rsa-sha256, exclusive c14n) with the
structure's signature certificate ("cachet"). Attributes as the CI-SIS lists them (facts in the DMP SOURCE
note): VIHF_Version, Authentification_Mode=INDIRECTE, Secteur_Activite, Identifiant_Structure, the subject
(NameID, subject-id), the roles (1st: profession or AUTOMATE; 2nd: the TRE_R85 rôle), the patient's INS
(resource-id), Ressource_URN=urn:dmp, purposeofuse=normal, and the LPS identifiers + homologation number.

`construire()` signs with signxml; `verifier()` (the stand-in's side) checks the signature with the
certificate carried in KeyInfo, that this certificate was issued by the trusted CA and is valid now, and the
assertion's validity window, then returns the attributes.
"""

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from .interface import ContexteAppel, DmpErreurPermanente

NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_HL7 = "urn:hl7-org:v3"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
VERSION_VIHF = "3.0"
DUREE = dt.timedelta(minutes=5)
ATTR_ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
ATTR_RESSOURCE = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"
ATTR_SUJET = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
ATTR_USAGE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
OID_USAGE = "1.2.250.1.213.1.1.4.248"


@dataclass(frozen=True)
class Logiciel:
    """The LPS (software) identifiers the VIHF carries; the DMP homologation number is given by the CNAM."""

    identifiant: str
    nom: str
    version: str
    homologation: str


class VihfInvalide(DmpErreurPermanente):
    """A VIHF token refused: unsigned, tampered, signed by an untrusted certificate, expired or incomplete."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message, code="vihf", detail=detail)


def _attribut(parent, nom: str, valeurs) -> None:
    a = etree.SubElement(parent, f"{{{NS_SAML}}}Attribute", Name=nom)
    for v in valeurs:
        av = etree.SubElement(a, f"{{{NS_SAML}}}AttributeValue")
        if isinstance(v, tuple):  # an HL7 coded role
            code, schema, libelle = v
            role = etree.SubElement(av, f"{{{NS_HL7}}}Role", code=code, codeSystem=schema, displayName=libelle)
            role.set(f"{{{NS_XSI}}}type", "CE")
        else:
            av.text = v


def assertion(contexte: ContexteAppel, logiciel: Logiciel, maintenant: dt.datetime | None = None) -> etree._Element:
    """The unsigned assertion (a placeholder marks where the signature goes, after Issuer, as SAML requires)."""
    maintenant = maintenant or dt.datetime.now(dt.UTC)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    racine = etree.Element(f"{{{NS_SAML}}}Assertion", nsmap={"saml2": NS_SAML, "hl7": NS_HL7, "xsi": NS_XSI},
                           ID=f"_{uuid.uuid4()}", IssueInstant=maintenant.strftime(iso), Version="2.0")
    etree.SubElement(racine, f"{{{NS_SAML}}}Issuer").text = contexte.structure_id
    etree.SubElement(racine, f"{{{NS_DS}}}Signature", Id="placeholder", nsmap={"ds": NS_DS})
    sujet = etree.SubElement(racine, f"{{{NS_SAML}}}Subject")
    etree.SubElement(sujet, f"{{{NS_SAML}}}NameID",
                     Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified").text = contexte.utilisateur_id
    etree.SubElement(racine, f"{{{NS_SAML}}}Conditions", NotBefore=maintenant.strftime(iso),
                     NotOnOrAfter=(maintenant + DUREE).strftime(iso))
    authn = etree.SubElement(racine, f"{{{NS_SAML}}}AuthnStatement", AuthnInstant=maintenant.strftime(iso))
    ctx = etree.SubElement(authn, f"{{{NS_SAML}}}AuthnContext")
    etree.SubElement(ctx, f"{{{NS_SAML}}}AuthnContextClassRef").text = (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient")
    attrs = etree.SubElement(racine, f"{{{NS_SAML}}}AttributeStatement")
    roles = [(contexte.profession.code, contexte.profession.schema, contexte.profession.libelle)]
    if contexte.role_prise_charge is not None:
        r = contexte.role_prise_charge
        roles.append((r.code, r.schema, r.libelle))
    for nom, valeurs in (
        ("VIHF_Version", [VERSION_VIHF]),
        ("Authentification_Mode", ["INDIRECTE"]),
        ("Secteur_Activite", [f"{contexte.secteur.code}^{contexte.secteur.schema}"]),
        ("Identifiant_Structure", [contexte.structure_id]),
        (ATTR_SUJET, [contexte.utilisateur_nom]),
        (ATTR_ROLE, roles),
        (ATTR_RESSOURCE, [contexte.patient_cx]),
        ("Ressource_URN", ["urn:dmp"]),
        (ATTR_USAGE, [("normal", OID_USAGE, "Accès normal")]),
        ("LPS_ID", [logiciel.identifiant]),
        ("LPS_Nom", [logiciel.nom]),
        ("LPS_Version", [logiciel.version]),
        ("LPS_ID_HOMOLOGATION_DMP", [logiciel.homologation]),
    ):
        _attribut(attrs, nom, valeurs)
    return racine


def construire(contexte: ContexteAppel, logiciel: Logiciel, cert, cle) -> etree._Element:
    """The signed VIHF assertion. `cert`: x509.Certificate of the structure's signature certificate, `cle`: its
    RSA private key."""
    signeur = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                        c14n_algorithm=EXC_C14N)
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    return signeur.sign(assertion(contexte, logiciel), key=cle, cert=[cert_pem.decode()], reference_uri=None,
                        id_attribute="ID")


@dataclass
class VihfVerifie:
    attributs: dict[str, list]  # name → values (roles as (code, codeSystem))
    certificat: x509.Certificate
    name_id: str

    def un(self, nom: str) -> str:
        v = self.attributs.get(nom) or [""]
        return v[0] if isinstance(v[0], str) else v[0][0]


def verifier(element: etree._Element, autorite_cert: x509.Certificate,
             maintenant: dt.datetime | None = None) -> VihfVerifie:
    """Check a received VIHF: a valid XML-DSig signature over the whole assertion by a certificate that
    `autorite_cert` issued and that is valid now; a current validity window; the mandatory attributes."""
    maintenant = maintenant or dt.datetime.now(dt.UTC)
    if element is None or element.tag != f"{{{NS_SAML}}}Assertion":
        raise VihfInvalide("Jeton VIHF absent de l'en-tête WS-Security.")
    x509_el = element.find(f".//{{{NS_DS}}}X509Certificate")
    if x509_el is None or not (x509_el.text or "").strip():
        raise VihfInvalide("Jeton VIHF non signé ou sans certificat de signature (KeyInfo/X509Data).")
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(x509_el.text.split())))
    except ValueError as exc:
        raise VihfInvalide("Certificat de signature du VIHF illisible.", str(exc)) from None
    try:
        cert.verify_directly_issued_by(autorite_cert)
    except (ValueError, TypeError, Exception) as exc:  # noqa: BLE001 - any failure means "not issued by the CA"
        raise VihfInvalide("Le certificat de signature du VIHF n'est pas émis par une autorité de confiance.",
                           str(exc)) from None
    if not (cert.not_valid_before_utc <= maintenant <= cert.not_valid_after_utc):
        raise VihfInvalide("Le certificat de signature du VIHF n'est pas valide à cette date.")
    try:
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        resultat = XMLVerifier().verify(etree.tostring(element), x509_cert=pem, id_attribute="ID",
                                        expect_config=_config_attendue())
    except (InvalidSignature, InvalidInput) as exc:
        raise VihfInvalide("Signature du jeton VIHF invalide : le jeton a été altéré ou mal signé.", str(exc)) from None
    signe = resultat.signed_xml
    if signe is None or signe.tag != f"{{{NS_SAML}}}Assertion":
        raise VihfInvalide("La signature du VIHF ne porte pas sur l'assertion.")
    cond = signe.find(f"{{{NS_SAML}}}Conditions")
    try:
        debut = dt.datetime.fromisoformat(cond.get("NotBefore").replace("Z", "+00:00"))
        fin = dt.datetime.fromisoformat(cond.get("NotOnOrAfter").replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise VihfInvalide("Conditions NotBefore / NotOnOrAfter du VIHF absentes ou mal formées.") from None
    if not (debut - dt.timedelta(minutes=2) <= maintenant < fin):
        raise VihfInvalide("Jeton VIHF expiré ou pas encore valide.")
    attributs: dict[str, list] = {}
    for a in signe.iter(f"{{{NS_SAML}}}Attribute"):
        valeurs = []
        for av in a.findall(f"{{{NS_SAML}}}AttributeValue"):
            role = av.find(f"{{{NS_HL7}}}Role")
            valeurs.append((role.get("code"), role.get("codeSystem")) if role is not None else (av.text or ""))
        attributs[a.get("Name")] = valeurs
    manquants = [n for n in ("VIHF_Version", "Authentification_Mode", "Identifiant_Structure", ATTR_ROLE,
                             ATTR_RESSOURCE, "LPS_ID", "LPS_ID_HOMOLOGATION_DMP") if not attributs.get(n)]
    if manquants:
        raise VihfInvalide("Attribut(s) obligatoire(s) absent(s) du VIHF : " + ", ".join(manquants) + ".")
    name_id = signe.findtext(f"{{{NS_SAML}}}Subject/{{{NS_SAML}}}NameID") or ""
    return VihfVerifie(attributs=attributs, certificat=cert, name_id=name_id)


def _config_attendue():
    """Only rsa-sha256 over SHA-256 digests, one reference (the assertion): anything else is refused."""
    return SignatureConfiguration(signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
                                  digest_algorithms=frozenset({DigestAlgorithm.SHA256}), expect_references=1)
