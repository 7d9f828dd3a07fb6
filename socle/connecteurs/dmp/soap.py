"""SOAP 1.2 envelopes with WS-Addressing and WS-Security (the VIHF), and MTOM/XOP packaging (W3C SOAP MTOM,
XOP): the root part `application/xop+xml; type="application/soap+xml"`, each binary in its own part referenced
by `xop:Include href="cid:…"`.

Why not zeep: zeep sends MTOM attachments poorly (no XOP packaging of outgoing binaries), and the DMP needs
a signed SAML assertion placed verbatim in the header. The envelope is built with lxml and sent with
`requests` over the mutual-TLS session of `connecteurs.commun.tls`; the same module parses what the stand-in
receives, so both sides share one reading of the wire format.
"""

import email.parser
import email.policy
import uuid
from dataclasses import dataclass, field

from lxml import etree

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_XOP = "http://www.w3.org/2004/08/xop/include"
PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

ACTIONS = {
    "ITI-41": "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b",
    "ITI-43": "urn:ihe:iti:2007:RetrieveDocumentSet",
    "ITI-18": "urn:ihe:iti:2007:RegistryStoredQuery",
    "ITI-57": "urn:ihe:iti:2010:UpdateDocumentSet",
}
TRANSACTION_PAR_ACTION = {v: k for k, v in ACTIONS.items()}


class MessageIllisible(ValueError):
    """A SOAP / MTOM message that cannot be read (multipart, XML, missing part)."""


def enveloppe(action: str, corps: etree._Element, securite: etree._Element | None = None,
              destination: str = "") -> etree._Element:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP, "wsa": NS_WSA})
    entete = etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    a = etree.SubElement(entete, f"{{{NS_WSA}}}Action")
    a.text = action
    a.set(f"{{{NS_SOAP}}}mustUnderstand", "true")
    etree.SubElement(entete, f"{{{NS_WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    if destination:
        etree.SubElement(entete, f"{{{NS_WSA}}}To").text = destination
    if securite is not None:
        s = etree.SubElement(entete, f"{{{NS_WSSE}}}Security", nsmap={"wsse": NS_WSSE})
        s.set(f"{{{NS_SOAP}}}mustUnderstand", "true")
        s.append(securite)
    etree.SubElement(env, f"{{{NS_SOAP}}}Body").append(corps)
    return env


def mtom(env: etree._Element, pieces: dict[str, tuple[bytes, str]], action: str) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/related XOP message: the envelope, then each piece
    {content id: (bytes, mime type)} sent as binary."""
    frontiere = f"MIMEBoundary_{uuid.uuid4().hex}"
    racine_id = f"root.{uuid.uuid4().hex}@socle"
    morceaux = [
        f"--{frontiere}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\n"
        f"Content-Transfer-Encoding: binary\r\nContent-ID: <{racine_id}>\r\n\r\n".encode(),
        etree.tostring(env, xml_declaration=True, encoding="UTF-8"),
        b"\r\n",
    ]
    for cid, (donnees, type_mime) in pieces.items():
        morceaux += [
            f"--{frontiere}\r\nContent-Type: {type_mime}\r\nContent-Transfer-Encoding: binary\r\n"
            f"Content-ID: <{cid}>\r\n\r\n".encode(),
            donnees,
            b"\r\n",
        ]
    morceaux.append(f"--{frontiere}--\r\n".encode())
    type_contenu = (f'multipart/related; type="application/xop+xml"; boundary="{frontiere}"; '
                    f'start="<{racine_id}>"; start-info="application/soap+xml"; action="{action}"')
    return b"".join(morceaux), type_contenu


@dataclass
class MessageRecu:
    enveloppe: etree._Element
    pieces: dict[str, bytes] = field(default_factory=dict)  # content id (without <>) → bytes

    @property
    def entete(self):
        return self.enveloppe.find(f"{{{NS_SOAP}}}Header")

    @property
    def corps(self):
        b = self.enveloppe.find(f"{{{NS_SOAP}}}Body")
        return b[0] if b is not None and len(b) else None

    @property
    def action(self) -> str:
        e = self.entete
        return (e.findtext(f"{{{NS_WSA}}}Action") or "").strip() if e is not None else ""

    def securite(self):
        e = self.entete
        return e.find(f"{{{NS_WSSE}}}Security") if e is not None else None

    def inclus(self, element) -> bytes | None:
        """The bytes an element holds: its xop:Include target, or its base64 text."""
        inc = element.find(f"{{{NS_XOP}}}Include")
        if inc is not None:
            href = inc.get("href", "")
            cid = href[4:] if href.startswith("cid:") else href
            from urllib.parse import unquote

            return self.pieces.get(unquote(cid))
        import base64

        try:
            return base64.b64decode((element.text or "").strip(), validate=True)
        except ValueError:
            return None


def lire(corps: bytes, type_contenu: str) -> MessageRecu:
    """Parse a SOAP 1.2 message, plain or MTOM (multipart/related)."""
    if type_contenu.lower().startswith("multipart/related"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + type_contenu.encode("latin-1") + b"\r\n\r\n" + corps)
        if not msg.is_multipart():
            raise MessageIllisible("Message MTOM sans parties.")
        racine, pieces = None, {}
        start = (msg.get_param("start") or "").strip("<>")
        for i, partie in enumerate(msg.iter_parts()):
            cid = (partie.get("Content-ID") or "").strip().strip("<>")
            donnees = partie.get_payload(decode=True) or b""
            if (start and cid == start) or (not start and i == 0):
                racine = donnees
            else:
                pieces[cid] = donnees
        if racine is None:
            raise MessageIllisible("Partie racine (start) du message MTOM introuvable.")
    else:
        racine, pieces = corps, {}
    try:
        env = etree.fromstring(racine, PARSEUR)
    except etree.XMLSyntaxError as exc:
        raise MessageIllisible(f"Enveloppe SOAP illisible : {exc}") from None
    if env.tag != f"{{{NS_SOAP}}}Envelope":
        raise MessageIllisible("L'élément racine n'est pas une enveloppe SOAP 1.2.")
    return MessageRecu(env, pieces)


def faute(code: str, sous_code: str, raison: str) -> bytes:
    """A SOAP 1.2 Fault (code Sender / Receiver)."""
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP, "wsse": NS_WSSE})
    f = etree.SubElement(etree.SubElement(env, f"{{{NS_SOAP}}}Body"), f"{{{NS_SOAP}}}Fault")
    c = etree.SubElement(f, f"{{{NS_SOAP}}}Code")
    etree.SubElement(c, f"{{{NS_SOAP}}}Value").text = f"soap:{code}"
    sc = etree.SubElement(c, f"{{{NS_SOAP}}}Subcode")
    etree.SubElement(sc, f"{{{NS_SOAP}}}Value").text = sous_code
    r = etree.SubElement(f, f"{{{NS_SOAP}}}Reason")
    t = etree.SubElement(r, f"{{{NS_SOAP}}}Text")
    t.text = raison
    t.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def lire_faute(env: etree._Element) -> tuple[str, str, str] | None:
    """(code, subcode, reason) of a SOAP Fault, None when the body is not a fault."""
    f = env.find(f"{{{NS_SOAP}}}Body/{{{NS_SOAP}}}Fault")
    if f is None:
        return None
    code = f.findtext(f"{{{NS_SOAP}}}Code/{{{NS_SOAP}}}Value") or ""
    sous = f.findtext(f"{{{NS_SOAP}}}Code/{{{NS_SOAP}}}Subcode/{{{NS_SOAP}}}Value") or ""
    raison = f.findtext(f"{{{NS_SOAP}}}Reason/{{{NS_SOAP}}}Text") or ""
    return code.split(":")[-1], sous, raison
