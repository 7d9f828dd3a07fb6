"""Client of the CNAM INSi téléservice (SOAP 1.2 document/literal, zeep, mutual TLS).

Per the published interface (wsdl/DESIR_ICIR_EXP_1.5.0.wsdl, shipped with the package): headers
ContexteLPS (IDAM, software name/version, installation UUID), ContexteBAM (empty COUVERTURE for a traits
search), WS-Addressing Action/MessageID and an empty wsse:Security (certificate authentication); the
TLS client certificate is the AUTH_CLI one with CN INSI-AUTO (batch) or INSI-MANU (a person triggers it).

A client acts for one caller (`Appelant`: the organisation, later the person) and presents the certificate
material its `FournisseurCertificats` gives for the use ("INSI-AUTO" / "INSI-MANU"); with none, it refuses
without calling (InsiCertificatAbsent), unless the configuration enables the single-organisation fallback.
The same client talks to the CNAM and to the local stand-in: only the URL, CA bundle and certificates
differ. Failures raise InsiErreurTemporaire (time-out, network, CNAM technical fault, HTTP 5xx) or
InsiErreurPermanente (certificate, TLS refusal, request refused, unreadable answer) with a French message;
passwords are never logged.
"""

import dataclasses
import datetime as dt
import logging
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport
from zeep.wsa import WsAddressingPlugin

from socle.core.naissance import DateLunaire

from ..commun.appelant import INSTALLATION, Appelant, FournisseurCertificats
from ..commun.erreurs import ErreurCertificat
from ..commun.tls import MaterielCertificat, contexte_tls_client, session_tls
from .configuration import ConfigurationInsi
from .interface import (
    OID_NIA,
    OID_NIR,
    USAGE_PAR_MODE,
    IdentiteINS,
    InsiCertificatAbsent,
    InsiErreurPermanente,
    InsiErreurTemporaire,
    Mode,
    ReponseInsi,
    TraitsRecherche,
)
from .traits import normaliser, normaliser_prenoms

log = logging.getLogger(__name__)

WSDL_DIR = Path(__file__).resolve().parent / "wsdl"
WSDL = WSDL_DIR / "DESIR_ICIR_EXP_1.5.0.wsdl"
_WSA_XSD_URL = "http://www.w3.org/2006/03/addressing/ws-addr.xsd"
BINDING = "{http://www.cnamts.fr/webservice}ICIRServiceBinding"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_SIRAM = "urn:siram"


class _TransportLocal(Transport):
    """zeep transport that serves the WS-Addressing XSD imported by URL from the packaged copy: loading
    the WSDL never touches the network."""

    def load(self, url):
        if url.startswith(_WSA_XSD_URL):
            return (WSDL_DIR / "xsd" / "WSA" / "ws-addr.xsd").read_bytes()
        return super().load(url)


def _avec_libelle(materiel: MaterielCertificat) -> MaterielCertificat:
    return materiel if materiel.libelle else dataclasses.replace(materiel, libelle="logiciel INSi")


def contexte_tls(certificat: MaterielCertificat, ca_bundle: str = "") -> ssl.SSLContext:
    """SSL context presenting `certificat` (commun.tls), certificate failures as InsiErreurPermanente."""
    try:
        return contexte_tls_client(_avec_libelle(certificat), ca_bundle)
    except ErreurCertificat as exc:
        raise InsiErreurPermanente(str(exc), code="certificat", detail=exc.detail) from None


def _message_faute(faute: Fault) -> tuple[str, str, str]:
    """(code, French message, detail) of a CNAM SOAP fault: siram sub-code and the siram:Erreur code."""
    sous_codes = [getattr(q, "localname", str(q)).split(":")[-1] for q in (faute.subcodes or [])]
    code_siram = sous_codes[0] if sous_codes else (faute.code or "")
    code_erreur, texte_erreur = "", ""
    if faute.detail is not None:
        err = faute.detail.find(f".//{{{NS_SIRAM}}}Erreur")
        if err is not None:
            code_erreur, texte_erreur = err.get("code", ""), (err.text or "").strip()
    code = "/".join(c for c in (code_siram, code_erreur) if c)
    message = f"Le téléservice INSi a répondu par une erreur technique ({code or 'faute SOAP'}) : {faute.message}"
    return code, message, texte_erreur


def _str(v) -> str:
    return "" if v is None else str(v).strip()


CR_CONNUS = ("00", "01", "02")


class ReponseInvalide(InsiErreurPermanente):
    """INSi's answer parsed as XML but does not say what INSi says (missing or malformed field, unknown CR):
    a tampered or broken answer. Never taken as an identity."""

    def __init__(self, detail: str):
        super().__init__("Réponse du téléservice INSi invalide ou altérée : elle n'est pas prise en compte.",
                         code="reponse_invalide", detail=detail[:300])


def lire_resultat(resultat) -> tuple[str, IdentiteINS | None]:
    """RESULTAT (zeep object) -> (CR, identity), or ReponseInvalide when a field is missing or malformed."""
    try:
        cr, identite = _lire_resultat(resultat)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise ReponseInvalide(f"{type(exc).__name__}: {exc}") from None
    if cr not in CR_CONNUS:
        raise ReponseInvalide(f"code retour « {cr[:20]} » inconnu")
    if identite is not None:
        manques = [nom for nom, ok in (
            ("matricule", len(identite.matricule) == 13),
            ("clé", len(identite.cle) == 2 and identite.cle.isdigit()),
            ("nom de naissance", bool(identite.nom_naissance)),
            ("prénoms", bool(identite.prenoms)),
            ("sexe", identite.sexe in ("F", "M")),
        ) if not ok]
        if manques:
            raise ReponseInvalide("champ(s) invalide(s) : " + ", ".join(manques))
    return cr, identite


def _lire_resultat(resultat) -> tuple[str, IdentiteINS | None]:
    """CR 00 carries INSACTIF, INSHISTO and the TIQ traits."""
    cr = _str(resultat.CR.CodeCR)
    individu = getattr(resultat, "INDIVIDU", None)
    if cr != "00" or individu is None:
        return cr, None
    actif, tiq = individu.INSACTIF, individu.TIQ
    prenoms = tuple(_str(tiq.ListePrenom or tiq.Prenom).split())
    historique = tuple(
        (_str(h.IdIndividu.NumIdentifiant), _str(h.IdIndividu.Cle), _str(h.OID)) for h in (individu.INSHISTO or [])
    )
    identite = IdentiteINS(
        matricule=_str(actif.IdIndividu.NumIdentifiant),
        cle=_str(actif.IdIndividu.Cle),
        oid=_str(actif.OID),
        nom_naissance=_str(tiq.NomNaissance),
        prenoms=prenoms,
        sexe=_str(tiq.Sexe),
        date_naissance=DateLunaire.lire(_str(tiq.DateNaissance)),  # "DateLunaire": 00 kept [R-DN-02]
        lieu_naissance=_str(tiq.LieuNaissance),
        historique=historique,
    )
    if identite.oid not in (OID_NIR, OID_NIA):
        log.warning("INSi : OID inattendu %s", identite.oid)
    return cr, identite


def essais_prenoms(traits: TraitsRecherche) -> list[str]:
    """CNAM practice: each birth first name in order, then all of them joined by a space (only if
    there are several). With `prenom_unique`, the list joined, once."""
    prenoms = normaliser_prenoms(traits.prenoms)
    if not prenoms:
        return []
    if traits.prenom_unique:
        return [" ".join(prenoms)]
    essais = list(prenoms)
    if len(prenoms) > 1:
        essais.append(" ".join(prenoms))
    return essais


class ClientInsiSoap:
    """The real INSi client (implements interface.InsiClient) acting for `appelant` with the certificates
    `certificats` gives (a FournisseurCertificats; `CertificatsInsi` for fixed material). Thread-safe; one
    zeep client per mode, built on first use."""

    def __init__(
        self,
        configuration: ConfigurationInsi,
        certificats: FournisseurCertificats,
        appelant: Appelant = INSTALLATION,
        mode_defaut: Mode = "MANU",
    ):
        self.configuration = configuration
        self.certificats = certificats
        self.appelant = appelant
        self.mode_defaut: Mode = mode_defaut
        self._services: dict[str, object] = {}
        self._materiels: dict[str, MaterielCertificat] = {}
        self._lock = threading.RLock()

    def pour_mode(self, mode: Mode) -> "ClientInsiSoap":
        """The same client (same caller, shared connections) with another default mode."""
        autre = ClientInsiSoap.__new__(ClientInsiSoap)
        autre.__dict__.update(self.__dict__)
        autre.mode_defaut = mode
        return autre

    def certificat(self, mode: Mode) -> MaterielCertificat:
        """The material presented for `mode`: the caller's, else — single-organisation fallback only
        (SOCLE_INSI_CERTIFICATS_INSTALLATION) — the installation's. InsiCertificatAbsent (nothing is sent)
        when there is none."""
        with self._lock:
            if mode not in self._materiels:
                usage = USAGE_PAR_MODE[mode]
                materiel = self.certificats(self.appelant, usage)
                conf = self.configuration
                if materiel is None and conf.repli_installation and conf.certificats_installation is not None:
                    materiel = conf.certificats_installation.pour(mode)
                if materiel is None:
                    raise InsiCertificatAbsent(
                        f"Aucun certificat {usage} n'est disponible pour {self.appelant} : aucun appel INSi "
                        "n'a été fait.",
                        code="certificat_absent",
                    )
                self._materiels[mode] = materiel
            return self._materiels[mode]

    # -- plumbing
    def _service(self, mode: Mode):
        with self._lock:
            if mode not in self._services:
                conf = self.configuration
                conf.verifier()
                materiel = _avec_libelle(self.certificat(mode))
                try:
                    session = session_tls(materiel, conf.ca_bundle, f"{conf.logiciel_nom}/{conf.logiciel_version}")
                except ErreurCertificat as exc:
                    raise InsiErreurPermanente(str(exc), code="certificat", detail=exc.detail) from None
                transport = _TransportLocal(session=session, timeout=conf.timeout, operation_timeout=conf.timeout)
                client = Client(
                    str(WSDL),
                    transport=transport,
                    plugins=[WsAddressingPlugin()],
                    settings=Settings(strict=False, xml_huge_tree=False, forbid_entities=True),
                )
                self._services[mode] = (client, client.create_service(BINDING, conf.url))
            return self._services[mode]

    def _entetes(self, client) -> list:
        conf = self.configuration
        maintenant = dt.datetime.now(dt.UTC)
        lps = client.get_element("{urn:siram:lps:ctxlps}ContexteLPS")(
            Id=str(uuid.uuid4()),
            Temps=maintenant,
            Emetteur=conf.emetteur or None,
            LPS={
                "IDAM": {"_value_1": conf.idam, "R": "4"},
                "Version": conf.logiciel_version,
                "Instance": conf.instance,
                "Nom": f"urn:lps:{conf.logiciel_nom}:{conf.logiciel_version}",
            },
            Nature="CTXLPS",
            Version="01_00",
        )
        bam = client.get_element("{urn:siram:bam:ctxbam}ContexteBAM")(
            Id=str(uuid.uuid4()),
            Temps=maintenant,
            Emetteur=conf.emetteur or None,
            COUVERTURE={},
            Version="01_02",
        )
        securite = etree.Element(f"{{{NS_WSSE}}}Security", nsmap={"wsse": NS_WSSE})  # empty: certificate auth
        return [bam, lps, securite]

    def _appeler(self, operation: str, mode: Mode, **corps):
        client, service = self._service(mode)
        try:
            return getattr(service, operation)(**corps, _soapheaders=self._entetes(client))
        except Fault as faute:
            code, message, detail = _message_faute(faute)
            # Receiver: the CNAM side failed (e.g. siram_40 "temporairement inaccessible"); Sender: our request.
            erreur = InsiErreurTemporaire if "Receiver" in str(faute.code or "") else InsiErreurPermanente
            raise erreur(message, code=code, detail=detail) from None
        except requests.exceptions.Timeout:
            raise InsiErreurTemporaire(
                f"Le téléservice INSi n'a pas répondu dans le délai de {self.configuration.timeout:g} s.",
                code="delai",
            ) from None
        except requests.exceptions.SSLError as exc:
            raise InsiErreurPermanente(
                "Connexion sécurisée (TLS) au téléservice INSi refusée : vérifiez le certificat logiciel "
                "INSI-AUTO / INSI-MANU et l'autorité de certification du serveur.",
                code="tls",
                detail=str(exc)[:300],
            ) from None
        except requests.exceptions.ConnectionError as exc:
            texte = str(exc)
            tls = any(m in texte for m in ("SSL", "certificate", "alert", "reset", "aborted"))
            erreur = InsiErreurPermanente if tls else InsiErreurTemporaire
            raise erreur(
                "Connexion au téléservice INSi interrompue"
                + (" pendant l'authentification TLS (certificat client refusé ?)." if tls else ".")
                + " Réessayez plus tard ; si le problème persiste, contactez votre responsable informatique.",
                code="tls" if tls else "reseau",
                detail=texte[:300],
            ) from None
        except TransportError as exc:
            erreur = InsiErreurTemporaire if (exc.status_code or 0) >= 500 else InsiErreurPermanente
            raise erreur(
                f"Le téléservice INSi a répondu par une erreur HTTP {exc.status_code}.",
                code=f"http_{exc.status_code}",
                detail=(exc.content or b"")[:300].decode("utf-8", "replace"),
            ) from None
        except (ZeepError, etree.XMLSyntaxError, ValueError) as exc:
            raise InsiErreurPermanente(
                "Réponse du téléservice INSi illisible (format inattendu).", code="reponse", detail=str(exc)[:300]
            ) from None
        except requests.exceptions.RequestException as exc:
            raise InsiErreurTemporaire(
                "Appel au téléservice INSi impossible.", code="reseau", detail=str(exc)[:300]
            ) from None

    # -- public API (interface.InsiClient)
    def rechercher(self, traits: TraitsRecherche, mode: Mode | None = None) -> ReponseInsi:
        """Search by traits, CNAM practice: one call per birth first name in order, stopping at CR 00,
        then one call with all of them joined. Answers the last call's CR (00 found, 02 several, else 01)."""
        mode = mode or self.mode_defaut
        nom = normaliser(traits.nom_naissance)
        essais = essais_prenoms(traits)
        if not nom or not essais:
            raise ValueError("Le nom de naissance et au moins un prénom de naissance sont obligatoires.")
        lieu = normaliser(traits.lieu_naissance).replace(" ", "")
        details: list[dict] = []
        reponse = ReponseInsi(cr="01", appels=0)
        vu_02 = False
        for prenom in essais:
            debut = time.perf_counter()
            corps = {
                "NomNaissance": nom,
                "Prenom": [prenom],
                "Sexe": traits.sexe,
                "DateNaissance": traits.date_naissance.isoformat(),
            }
            if lieu:
                corps["LieuNaissance"] = lieu
            resultat = self._appeler("rechercherInsAvecTraitsIdentite", mode, **corps)
            cr, identite = lire_resultat(resultat)
            duree = round((time.perf_counter() - debut) * 1000, 1)
            details.append({"prenom": prenom, "cr": cr, "duree_ms": duree})
            reponse.appels += 1
            if cr == "00" and identite is not None:
                reponse.cr, reponse.identite, reponse.prenom_retenu = "00", identite, prenom
                break
            vu_02 = vu_02 or cr == "02"
        else:
            reponse.cr = "02" if vu_02 else "01"
        reponse.details = details
        reponse.certificat = self.certificat(mode).libelle
        return reponse

    def rechercher_carte_vitale(self, donnees_vitale: dict, mode: Mode | None = None) -> ReponseInsi:
        """Search with carte Vitale data: {'matricule' (13 or 15 chars), 'date_naissance' (date or
        AAAA-MM-JJ), optional 'nom_naissance', 'rang_naissance', 'matricule_od'}."""
        mode = mode or self.mode_defaut
        matricule = _str(donnees_vitale.get("matricule")).replace(" ", "").upper()
        date = donnees_vitale.get("date_naissance")
        date = DateLunaire.lire(date).isoformat() if date else ""
        if len(matricule) not in (13, 15) or not date:
            raise ValueError("Le matricule (13 ou 15 caractères) et la date de naissance sont obligatoires.")
        corps = {
            "MatriculeIndividu": {"NumIdentifiant": matricule[:13], "Cle": matricule[13:] or None},
            "DateNaissance": date,
        }
        if donnees_vitale.get("matricule_od"):
            od = _str(donnees_vitale["matricule_od"]).replace(" ", "").upper()
            corps["MatriculeOD"] = {"NumIdentifiant": od[:13], "Cle": od[13:] or None}
        if donnees_vitale.get("nom_naissance"):
            corps["NomNaissance"] = normaliser(donnees_vitale["nom_naissance"])
        if donnees_vitale.get("rang_naissance"):
            corps["RangNaissance"] = _str(donnees_vitale["rang_naissance"])
        debut = time.perf_counter()
        cr, identite = lire_resultat(self._appeler("rechercherInsAvecCarteVitale", mode, **corps))
        duree = round((time.perf_counter() - debut) * 1000, 1)
        return ReponseInsi(
            cr=cr, identite=identite, appels=1, details=[{"prenom": "", "cr": cr, "duree_ms": duree}],
            certificat=self.certificat(mode).libelle,
        )


@dataclass
class Verification:
    """Outcome of an INS verification: a new traits search compared with the stored INS and traits."""

    conforme: bool
    reponse: ReponseInsi
    ecarts: list  # French labels of what differs ("INS", "nom de naissance", ...)


def comparer(reponse: ReponseInsi, ins: str, traits: TraitsRecherche) -> list[str]:
    """What differs between INSi's answer and the stored INS (15 characters, key included) and traits."""
    if not reponse.trouvee:
        return [f"identité non retrouvée (CR {reponse.cr})"]
    ident = reponse.identite
    ecarts = []
    ins = (ins or "").replace(" ", "").upper()
    if ins and ins != ident.ins and ins not in {m + c for m, c, _o in ident.historique}:
        ecarts.append("INS")
    elif ins and ins != ident.ins:
        ecarts.append("INS (ancien matricule, remplacé)")
    if normaliser(traits.nom_naissance) != ident.nom_naissance:
        ecarts.append("nom de naissance")
    if normaliser_prenoms(traits.prenoms) != tuple(ident.prenoms):
        ecarts.append("prénoms de naissance")
    if traits.sexe != ident.sexe:
        ecarts.append("sexe")
    if traits.date_naissance != ident.date_naissance:
        ecarts.append("date de naissance")
    if traits.lieu_naissance and traits.lieu_naissance.upper() != ident.lieu_naissance:
        ecarts.append("lieu de naissance")
    return ecarts


def verifier(client, traits: TraitsRecherche, ins: str, mode: Mode | None = None) -> Verification:
    """There is no public "verify" operation: search again with the stored traits and compare."""
    reponse = client.rechercher(traits, mode=mode) if mode else client.rechercher(traits)
    ecarts = comparer(reponse, ins, traits)
    return Verification(conforme=not ecarts, reponse=reponse, ecarts=ecarts)
