"""Client of the DMP web services (IHE XDS.b): ITI-41 Provide and Register (SOAP 1.2 + MTOM/XOP), ITI-18
stored query, ITI-43 retrieve, ITI-57 metadata update. Each call carries a VIHF token signed with the
structure's signature certificate and goes over mutual TLS with its authentication certificate; both come
from the caller's `FournisseurCertificats` (usages "DMP-AUTH" and "DMP-SIGN": the prerequisites cockpit in
the product). The same client talks to the CNAM and to the local stand-in: only URL, CA and certificates differ.

Failures: DmpErreurTemporaire (time-out, network, HTTP 5xx, SOAP Receiver fault, XDS "busy" errors) or
DmpErreurPermanente (certificates, configuration, SOAP Sender fault, XDS errors on the document or its
metadata), each with a French message; XDS errors are kept in `erreurs`.
"""

import dataclasses
import logging
import uuid
from pathlib import Path

import requests
from lxml import etree

from ..commun.appelant import INSTALLATION, Appelant, FournisseurCertificats
from ..commun.erreurs import ErreurCertificat
from ..commun.tls import MaterielCertificat, _charger_en_memoire, session_tls
from . import ebxml, metadonnees, soap, vihf
from .configuration import ConfigurationDmp
from .interface import (
    APPROUVE,
    CODES_MASQUAGE,
    DEPRECIE,
    OID_MASQUAGE,
    Code,
    ContexteAppel,
    DmpCertificatAbsent,
    DmpErreurPermanente,
    DmpErreurTemporaire,
    DocumentRecupere,
    FicheDocument,
    ResultatEnvoi,
)
from .metadonnees import LIBELLES_MASQUAGE

log = logging.getLogger(__name__)
ERREURS_TEMPORAIRES = {"XDSRegistryBusy", "XDSRepositoryBusy", "XDSRegistryOutOfResources",
                       "XDSRepositoryOutOfResources"}
USAGE_AUTH, USAGE_SIGN = "DMP-AUTH", "DMP-SIGN"


def cle_et_certificat(materiel: MaterielCertificat):
    """(private key, certificate) of a signature material (PKCS#12 or PEM, in memory or files)."""
    try:
        if materiel.contenu:
            cle, cert, _ = _charger_en_memoire(bytes(materiel.contenu), materiel.mot_de_passe)
        elif materiel.p12:
            cle, cert, _ = _charger_en_memoire(Path(materiel.p12).read_bytes(), materiel.mot_de_passe)
        else:
            donnees = Path(materiel.cert).read_bytes() + b"\n" + Path(materiel.cle).read_bytes()
            cle, cert, _ = _charger_en_memoire(donnees, materiel.mot_de_passe)
    except (OSError, ValueError, TypeError) as exc:
        raise DmpErreurPermanente(f"Certificat de signature {materiel.libelle or ''} illisible (mot de passe ?).",
                                  code="certificat", detail=type(exc).__name__) from None
    if cle is None or cert is None:
        raise DmpErreurPermanente(f"Le certificat de signature {materiel.libelle or ''} ne contient pas sa clé privée.",
                                  code="certificat")
    return cle, cert


class ClientDmpSoap:
    """The real DMP client (interface.DmpClient) acting for `appelant` with the certificates `certificats`
    gives. One requests session per client (mutual TLS)."""

    def __init__(self, configuration: ConfigurationDmp, certificats: FournisseurCertificats,
                 appelant: Appelant = INSTALLATION):
        self.configuration = configuration
        self.certificats = certificats
        self.appelant = appelant
        self._session: requests.Session | None = None
        self._signature = None

    # -- credentials
    def _materiel(self, usage: str) -> MaterielCertificat:
        m = self.certificats(self.appelant, usage)
        if m is None:
            quoi = "d'authentification" if usage == USAGE_AUTH else "de signature (cachet)"
            raise DmpCertificatAbsent(f"Aucun certificat {quoi} DMP valide n'est déposé pour {self.appelant} : "
                                      "rien n'a été envoyé au DMP.", code="certificat_absent")
        return m if m.libelle else dataclasses.replace(m, libelle=usage)

    def session(self) -> requests.Session:
        if self._session is None:
            conf = self.configuration
            conf.verifier()
            try:
                self._session = session_tls(self._materiel(USAGE_AUTH), conf.ca_bundle,
                                            f"{conf.logiciel.nom}/{conf.logiciel.version}")
            except ErreurCertificat as exc:
                raise DmpErreurPermanente(str(exc), code="certificat", detail=exc.detail) from None
        return self._session

    def _vihf(self, contexte: ContexteAppel) -> etree._Element:
        if self._signature is None:
            self._signature = cle_et_certificat(self._materiel(USAGE_SIGN))
        cle, cert = self._signature
        return vihf.construire(contexte, self.configuration.logiciel, cert, cle)

    # -- transport
    def _appeler(self, transaction: str, url: str, corps: etree._Element, contexte: ContexteAppel,
                 pieces: dict[str, tuple[bytes, str]] | None = None) -> soap.MessageRecu:
        action = soap.ACTIONS[transaction]
        env = soap.enveloppe(action, corps, self._vihf(contexte), destination=url)
        if pieces:
            donnees, type_contenu = soap.mtom(env, pieces, action)
        else:
            donnees = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
            type_contenu = f'application/soap+xml; charset=UTF-8; action="{action}"'
        session = self.session()
        try:
            r = session.post(url, data=donnees, headers={"Content-Type": type_contenu},
                             timeout=self.configuration.timeout)
        except requests.exceptions.Timeout:
            raise DmpErreurTemporaire(f"Le DMP n'a pas répondu dans le délai de {self.configuration.timeout:g} s.",
                                      code="delai") from None
        except requests.exceptions.SSLError as exc:
            raise DmpErreurPermanente("Connexion sécurisée (TLS) au DMP refusée : vérifiez le certificat "
                                      "d'authentification DMP de l'organisme.", code="tls",
                                      detail=str(exc)[:300]) from None
        except requests.exceptions.ConnectionError as exc:
            texte = str(exc)
            tls = any(m in texte for m in ("SSL", "certificate", "alert"))
            erreur = DmpErreurPermanente if tls else DmpErreurTemporaire
            raise erreur("Connexion au DMP interrompue" + (" pendant l'authentification TLS." if tls else "."),
                         code="tls" if tls else "reseau", detail=texte[:300]) from None
        except requests.exceptions.RequestException as exc:
            raise DmpErreurTemporaire("Appel au DMP impossible.", code="reseau", detail=str(exc)[:300]) from None
        try:
            message = soap.lire(r.content, r.headers.get("Content-Type", ""))
        except soap.MessageIllisible as exc:
            erreur = DmpErreurTemporaire if r.status_code >= 500 else DmpErreurPermanente
            raise erreur(f"Réponse du DMP illisible (HTTP {r.status_code}).", code=f"http_{r.status_code}",
                         detail=str(exc)[:300]) from None
        f = soap.lire_faute(message.enveloppe)
        if f is not None:
            code, sous_code, raison = f
            erreur = DmpErreurTemporaire if code == "Receiver" else DmpErreurPermanente
            raise erreur(f"Le DMP a refusé l'appel ({sous_code or code}) : {raison}", code=sous_code or code)
        if r.status_code >= 400:
            erreur = DmpErreurTemporaire if r.status_code >= 500 else DmpErreurPermanente
            raise erreur(f"Le DMP a répondu par une erreur HTTP {r.status_code}.", code=f"http_{r.status_code}")
        return message

    @staticmethod
    def _verifier_reponse(element, quoi: str) -> None:
        """Raise unless `element` (RegistryResponse / AdhocQueryResponse) says Success; XDS "busy" errors are
        temporary, every other XDS error is permanent."""
        if element is not None and element.get("status", "") == ebxml.SUCCES:
            return
        erreurs = ebxml.lire_erreurs(element) if element is not None else ()
        temporaire = bool(erreurs) and all(e.code in ERREURS_TEMPORAIRES for e in erreurs)
        classe = DmpErreurTemporaire if temporaire else DmpErreurPermanente
        texte = "; ".join(f"{e.code} : {e.contexte}" for e in erreurs) or "réponse sans statut de succès"
        raise classe(f"{quoi} refusé par le DMP — {texte}", code=erreurs[0].code if erreurs else "xds",
                     erreurs=erreurs)

    # -- public API
    def envoyer(self, cda: bytes, contexte: ContexteAppel, *, remplace: str = "",
                confidentialite: tuple[str, ...] = (), source_patient_id: str = "") -> ResultatEnvoi:
        """ITI-41: the CDA with its metadata derived from its header; with `remplace` (the entryUUID of an
        entry), a new version of it (RPLC association, the previous entry becomes Deprecated)."""
        conf = self.configuration
        fiche = metadonnees.fiche_depuis_cda(cda, masquage=confidentialite, source_patient_id=source_patient_id)
        if fiche.patient_id != contexte.patient_cx:
            raise DmpErreurPermanente("L'INS du document ne correspond pas à celui de l'usager de l'appel.",
                                      code="XDSPatientIdDoesNotMatch")
        cid = f"doc.{uuid.uuid4().hex}@socle"
        ss_uid = f"{conf.source_id}.{uuid.uuid4().int}"
        corps = ebxml.provide_and_register(fiche, source_id=conf.source_id, ss_unique_id=ss_uid,
                                           contenu=ebxml.contenu_pour(fiche), cid=cid,
                                           remplace_uuid=remplace)
        message = self._appeler("ITI-41", conf.url_repository, corps, contexte, {cid: (cda, "text/xml")})
        self._verifier_reponse(message.corps, "Document")
        return ResultatEnvoi(unique_id=fiche.unique_id, entry_uuid="",  # ITI-41 answers no entryUUID: ITI-18 gives it
                             submission_uid=ss_uid, remplace=remplace,
                             notes=fiche.notes)

    def rechercher(self, contexte: ContexteAppel, *, tous_statuts: bool = False) -> list[FicheDocument]:
        """ITI-18 FindDocuments for the patient of `contexte` (approved entries; all with `tous_statuts`)."""
        statuts = (APPROUVE, DEPRECIE) if tous_statuts else (APPROUVE,)
        message = self._appeler("ITI-18", self.configuration.url_registre,
                                ebxml.requete_find_documents(contexte.patient_cx, statuts), contexte)
        reponse = message.corps
        self._verifier_reponse(reponse, "Recherche")
        fiches = []
        for eo in reponse.iter(ebxml.R("ExtrinsicObject")):
            try:
                fiches.append(ebxml.lire_extrinsic(eo))
            except ebxml.MetadonneesIllisibles as exc:
                log.warning("DMP : fiche illisible ignorée (%s)", exc)
        return fiches

    def recuperer(self, unique_id: str, contexte: ContexteAppel, repository_id: str = "") -> DocumentRecupere:
        """ITI-43: the document's bytes."""
        depot = repository_id or self.configuration.repository_id
        message = self._appeler("ITI-43", self.configuration.url_repository,
                                ebxml.requete_retrieve(depot, unique_id), contexte)
        reponse = message.corps
        rr = reponse.find(f"{{{ebxml.NS_RS}}}RegistryResponse") if reponse is not None else None
        self._verifier_reponse(rr, "Lecture du document")
        dr = reponse.find(f"{{{ebxml.NS_XDSB}}}DocumentResponse")
        doc = dr.find(f"{{{ebxml.NS_XDSB}}}Document") if dr is not None else None
        contenu = message.inclus(doc) if doc is not None else None
        if contenu is None:
            raise DmpErreurPermanente("Le DMP n'a pas renvoyé le contenu du document.", code="XDSMissingDocument")
        return DocumentRecupere(unique_id=unique_id, mime=dr.findtext(f"{{{ebxml.NS_XDSB}}}mimeType") or "",
                                contenu=contenu, repository_id=depot)

    def masquer(self, fiche: FicheDocument, codes: tuple[str, ...], contexte: ContexteAppel) -> FicheDocument:
        """ITI-57: replace the DMP masking codes of an entry by `codes` (empty: unmask); returns the new version."""
        inconnus = [c for c in codes if c not in CODES_MASQUAGE]
        if inconnus:
            raise DmpErreurPermanente(f"Code(s) de masquage inconnu(s) : {', '.join(inconnus)}.", code="masquage")
        base = tuple(c for c in fiche.confidentialite if c.code not in CODES_MASQUAGE)
        nouvelle = base + tuple(Code(c, OID_MASQUAGE, LIBELLES_MASQUAGE[c]) for c in codes)
        conf = self.configuration
        corps = ebxml.mise_a_jour(fiche, nouvelle, source_id=conf.source_id,
                                  ss_unique_id=f"{conf.source_id}.{uuid.uuid4().int}",
                                  contenu=ebxml.contenu_pour(fiche))
        message = self._appeler("ITI-57", conf.url_registre, corps, contexte)
        self._verifier_reponse(message.corps, "Mise à jour des métadonnées")
        version = str(int(fiche.version or "1") + 1)
        return dataclasses.replace(fiche, confidentialite=nouvelle, version=version,
                                   logical_id=fiche.logical_id or fiche.entry_uuid)
