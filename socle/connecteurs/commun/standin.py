"""Base of the local HTTPS stand-ins (INSi today, DMP next): a threaded HTTPS server on a loopback port that
requires a client certificate issued by the stand-in's own test CA (mutual TLS, as the national services
do), tells the service which certificate called (CN, organisation, serial number), keeps a journal of
refused connections, and validates XML against the service's published schemas.

A stand-in subclasses `BouchonHttps` and answers `repondre(requete)`; everything about sockets, TLS and
threads is here. `SchemaXsd` compiles a set of XSDs once and validates elements against it.
"""

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

from .pki import AutoriteTest, CertificatCle, ecrire, lire_pem

# XML parser for what a stand-in receives: no entities, no network, no huge trees.
PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


# --------------------------------------------------------------------------- PKI of a stand-in


@dataclass(frozen=True)
class PkiServeur:
    """Files of a stand-in's PKI: its CA (the only issuer of client certificates it accepts, and the bundle
    a client must trust) and its TLS server certificate for 127.0.0.1 / localhost."""

    dossier: Path
    ca: Path
    ca_cle: Path
    serveur: CertificatCle

    def autorite(self) -> AutoriteTest:
        """The stand-in's CA, to issue client certificates it will accept (per organisation, in the demo
        and the tests)."""
        return AutoriteTest.charger(self.ca, self.ca_cle)


def pki_valide(chemin: Path, marge_jours: int = 1) -> bool:
    import datetime as dt

    if not chemin.exists():
        return False
    try:
        cert = lire_pem(chemin)
    except ValueError:
        return False
    return cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=marge_jours)


def creer_pki_serveur(dossier: Path, nom_ca: str, organisation: str = "") -> PkiServeur:
    """A new CA and server certificate in `dossier` (replacing any previous ones)."""
    ca = AutoriteTest.creer(nom_ca, organisation)
    fichiers_ca = ca.enregistrer(dossier, "ca")
    serveur = ecrire(*ca.emettre("127.0.0.1", organisation=organisation, usage="serveur"), dossier, "serveur")
    return PkiServeur(Path(dossier), fichiers_ca.cert, fichiers_ca.key, serveur)


def pki_serveur(dossier: Path) -> PkiServeur:
    dossier = Path(dossier)
    return PkiServeur(dossier, dossier / "ca.pem", dossier / "ca.key",
                      CertificatCle(dossier / "serveur.pem", dossier / "serveur.key"))


# --------------------------------------------------------------------------- who called


@dataclass(frozen=True)
class CertificatPair:
    """The client certificate presented on a connection: CN, organisation (O) and serial number (upper-case
    hexadecimal without leading zeros, as the prerequisites cockpit shows it)."""

    cn: str = ""
    organisation: str = ""
    serie: str = ""


def certificat_pair(sock) -> CertificatPair:
    cert = sock.getpeercert() or {}
    sujet = {k: v for rdn in cert.get("subject", ()) for k, v in rdn}
    serie = cert.get("serialNumber", "")
    try:
        serie = format(int(serie, 16), "X") if serie else ""
    except ValueError:
        pass
    return CertificatPair(cn=sujet.get("commonName", ""), organisation=sujet.get("organizationName", ""), serie=serie)


@dataclass
class Requete:
    methode: str
    chemin: str
    entetes: dict
    corps: bytes
    pair: CertificatPair


@dataclass
class Reponse:
    statut: int
    corps: bytes
    type_contenu: str = "text/plain; charset=utf-8"


@dataclass
class RefusTls:
    """Connections refused by the transport (TLS handshake failed, certificate refused): thread-safe list."""

    raisons: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def noter(self, raison: str) -> None:
        with self._lock:
            self.raisons.append(raison)


# --------------------------------------------------------------------------- schemas


class SchemaXsd:
    """XSDs compiled once, on first use (thread-safe): `imports` maps each namespace to its XSD file."""

    def __init__(self, imports: dict[str, Path]):
        self.imports = imports
        self._schema: etree.XMLSchema | None = None
        self._lock = threading.Lock()

    def schema(self) -> etree.XMLSchema:
        with self._lock:
            if self._schema is None:
                lignes = "".join(
                    f'<xs:import namespace="{ns}" schemaLocation="{Path(chemin).as_uri()}"/>'
                    for ns, chemin in self.imports.items()
                )
                doc = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{lignes}</xs:schema>'
                self._schema = etree.XMLSchema(etree.fromstring(doc.encode()))
            return self._schema

    def erreur(self, element: etree._Element) -> str | None:
        """None when `element` is valid, else the last validation message. lxml schemas are not
        thread-safe: validations are serialised."""
        doc = etree.fromstring(etree.tostring(element), PARSEUR)
        sch = self.schema()
        with self._lock:
            if sch.validate(doc):
                return None
            err = sch.error_log.last_error
            return err.message if err else "schéma XSD"


# --------------------------------------------------------------------------- HTTPS server


class _Gestionnaire(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

    @property
    def server_version(self):  # noqa: D401 - the header names the stand-in
        return self.server.bouchon.nom_serveur

    def log_message(self, format, *args):  # noqa: A002 - quiet: the stand-in journals what matters
        pass

    def _envoyer(self, reponse: Reponse) -> None:
        self.send_response(reponse.statut)
        self.send_header("Content-Type", reponse.type_contenu)
        self.send_header("Content-Length", str(len(reponse.corps)))
        self.end_headers()
        try:
            self.wfile.write(reponse.corps)
        except OSError:  # the client gave up (time-out): nothing to do
            self.close_connection = True

    def _traiter(self, methode: str) -> None:
        longueur = int(self.headers.get("Content-Length") or 0)
        corps = self.rfile.read(longueur) if longueur else b""
        requete = Requete(methode, self.path, dict(self.headers.items()), corps, certificat_pair(self.connection))
        self._envoyer(self.server.bouchon.repondre(requete))

    def do_GET(self):
        self._traiter("GET")

    def do_POST(self):
        self._traiter("POST")


class _ServeurTLS(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, adresse, bouchon: "BouchonHttps", contexte: ssl.SSLContext):
        self.bouchon = bouchon
        self.contexte = contexte
        super().__init__(adresse, _Gestionnaire)

    def finish_request(self, request, client_address):
        # TLS handshake here, in the per-connection thread, so a bad client never blocks accept().
        request.settimeout(30)
        try:
            tls = self.contexte.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.bouchon.refuser_tls(f"poignée de main TLS refusée : {exc}")
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):  # quiet on client disconnects
        pass


class BouchonHttps:
    """A local stand-in: HTTPS with a required client certificate issued by `pki.ca`, served by a background
    thread on a loopback port (0 = a free one). Subclasses implement `repondre` and `refuser_tls`."""

    nom_serveur = "SocleBouchon/1.0"
    nom_fil = "bouchon"

    def __init__(self, pki: PkiServeur, hote: str = "127.0.0.1", port: int = 0):
        self.pki = pki
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(pki.serveur.cert), str(pki.serveur.key))
        ctx.load_verify_locations(cafile=str(pki.ca))
        ctx.verify_mode = ssl.CERT_REQUIRED
        self._serveur = _ServeurTLS((hote, port), self, ctx)
        self._fil: threading.Thread | None = None

    # -- to implement
    def repondre(self, requete: Requete) -> Reponse:
        return Reponse(404, b"introuvable")

    def refuser_tls(self, raison: str) -> None:
        """A connection refused before any request (handshake failed): to the subclass's journal."""

    def preparer(self) -> None:
        """Work to do once before serving (e.g. compile the schemas)."""

    # -- lifecycle
    @property
    def port(self) -> int:
        return self._serveur.server_address[1]

    def url(self, chemin: str = "/") -> str:
        return f"https://127.0.0.1:{self.port}{chemin}"

    def demarrer(self):
        self.preparer()
        self._fil = threading.Thread(
            target=self._serveur.serve_forever, kwargs={"poll_interval": 0.2}, name=self.nom_fil, daemon=True
        )
        self._fil.start()
        return self

    def servir(self) -> None:
        """Serve in the current thread (management command)."""
        self.preparer()
        self._serveur.serve_forever(poll_interval=0.5)

    def arreter(self) -> None:
        self._serveur.shutdown()
        self._serveur.server_close()

    def __enter__(self):
        return self.demarrer()

    def __exit__(self, *exc):
        self.arreter()
