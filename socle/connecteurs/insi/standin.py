"""Local INSi stand-in: speaks the CNAM protocol (SOAP 1.2 over mutual-TLS HTTPS, `POST /lps`) with its own
test CA, validates what it receives against the CNAM XSDs, and answers from a synthetic national base.

The base holds the CNAM's public test identities (same answers as the qualification platform, see
wsdl/SOURCE.md), scenario identities for the real failure modes, and any identity loaded by the demo or
tests (`base.ajouter(...)`, or a JSON file named by the setting SOCLE_INSI_STANDIN_BASE).

Failure modes reproduced: not found (01), several answers (02), diacritics and compound names (only the
CNAM spelling matches), a birth commune merged into a commune nouvelle (searching with the old code
answers with the current one), a different first-name list, a technical SOAP fault (birth name
ERREURTECHNIQUE), a slow answer (birth name LENTEUR: sleeps `lenteur` seconds), invalid request (XSD).

The HTTPS server, mutual TLS and schema plumbing come from `socle.connecteurs.commun.standin`; the journal
records, per call, the client certificate's CN, organisation (O) and serial number, so that tests see which
organisation called (each OG deposits a certificate issued by the stand-in's CA, see pki.py).
"""

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree
from lxml.builder import ElementMaker

from socle.core.identifiants import nir_key
from socle.core.naissance import DateLunaire

from ..commun.standin import PARSEUR, BouchonHttps, CertificatPair, Reponse, Requete, SchemaXsd
from .interface import OID_NIA, OID_NIR, IdentiteINS
from .pki import CN_AUTO, CN_MANU, PkiBouchon, assurer_pki
from .traits import normaliser, normaliser_prenoms

WSDL_DIR = Path(__file__).resolve().parent / "wsdl"
NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_RECSANS = "http://www.cnamts.fr/INSiRecSans"
NS_RECVIT = "http://www.cnamts.fr/INSiRecVit"
NS_RESULTAT = "http://www.cnamts.fr/INSiResultat"
NS_CTXLPS = "urn:siram:lps:ctxlps"
NS_CTXBAM = "urn:siram:bam:ctxbam"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_SIRAM = "urn:siram"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:"
OPERATIONS = {
    f"{{{NS_RECSANS}}}RECSANSVITALE": "rechercherInsAvecTraitsIdentite",
    f"{{{NS_RECVIT}}}RECVITALE": "rechercherInsAvecCarteVitale",
}
NOM_ERREUR_TECHNIQUE = "ERREURTECHNIQUE"
NOM_LENTEUR = "LENTEUR"
LIBELLES_CR = {"00": "OK", "01": "Aucune identite trouvee", "02": "Plusieurs identites trouvees"}


# --------------------------------------------------------------------------- synthetic national base


@dataclass(frozen=True)
class FicheNationale:
    """One person of the synthetic national base. `lieu_naissance` is the CURRENT code (a commune
    nouvelle's code when the birth commune was merged); `anciens_lieux` the codes that merged into it."""

    matricule: str
    nom_naissance: str
    prenoms: tuple[str, ...]
    sexe: str
    date_naissance: str  # AAAA-MM-JJ, 00 allowed (CNAM DateLunaire) [R-DN-02]
    lieu_naissance: str = ""
    oid: str = OID_NIR
    cle: str = ""
    anciens_lieux: tuple[str, ...] = ()
    historique: tuple[tuple[str, str, str], ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "matricule", self.matricule.upper())
        object.__setattr__(self, "nom_naissance", normaliser(self.nom_naissance))
        object.__setattr__(self, "prenoms", normaliser_prenoms(self.prenoms))
        if not self.cle:
            object.__setattr__(self, "cle", f"{nir_key(self.matricule):02d}")

    @property
    def liste_prenoms(self) -> str:
        return " ".join(self.prenoms)

    def correspond(self, prenom: str, lieu: str) -> bool:
        """INSi matching on the first name: the first birth first name, or the whole list in order."""
        if prenom not in (self.prenoms[0] if self.prenoms else "", self.liste_prenoms):
            return False
        return not lieu or lieu == self.lieu_naissance or lieu in self.anciens_lieux

    @classmethod
    def depuis(cls, objet) -> "FicheNationale":
        if isinstance(objet, FicheNationale):
            return objet
        if isinstance(objet, IdentiteINS):
            return cls(
                matricule=objet.matricule,
                cle=objet.cle,
                oid=objet.oid,
                nom_naissance=objet.nom_naissance,
                prenoms=tuple(objet.prenoms),
                sexe=objet.sexe,
                date_naissance=DateLunaire.lire(objet.date_naissance).isoformat(),
                lieu_naissance=objet.lieu_naissance,
                historique=tuple(objet.historique),
            )
        d = dict(objet)
        prenoms = d.get("prenoms", ())
        date = d.get("date_naissance", "")
        return cls(
            matricule=str(d["matricule"]),
            cle=str(d.get("cle", "") or ""),
            oid=d.get("oid") or OID_NIR,
            nom_naissance=d["nom_naissance"],
            prenoms=tuple(prenoms.split()) if isinstance(prenoms, str) else tuple(prenoms),
            sexe=d["sexe"],
            date_naissance=DateLunaire.lire(date).isoformat() if date else "",  # as given, 00 kept
            lieu_naissance=d.get("lieu_naissance", "") or "",
            anciens_lieux=tuple(d.get("anciens_lieux", ()) or ()),
            historique=tuple(tuple(h) for h in d.get("historique", ()) or ()),
        )


class BaseNationale:
    """Thread-safe in-memory base indexed by (birth name, sex, birth date)."""

    def __init__(self, fiches=()):
        self._lock = threading.Lock()
        self._index: dict[tuple[str, str, str], list[FicheNationale]] = {}
        self._par_matricule: dict[str, FicheNationale] = {}
        self._fichiers: dict[Path, float | None] = {}
        self._vu = 0.0
        for f in fiches:
            self.ajouter(f)

    def suivre(self, chemin) -> None:
        """Load a JSON file of identities now and again whenever it changes (checked at most once a
        second), so that a demo written by another process reaches a stand-in already running."""
        with self._lock:
            self._fichiers.setdefault(Path(chemin), None)
            self._vu = 0.0
        self._rafraichir()

    def _rafraichir(self) -> None:
        if not self._fichiers or time.monotonic() - self._vu < 1.0:
            return
        with self._lock:
            self._vu = time.monotonic()
            a_charger = []
            for chemin, mtime in self._fichiers.items():
                try:
                    actuel = chemin.stat().st_mtime_ns
                except OSError:
                    continue
                if actuel != mtime:
                    self._fichiers[chemin] = actuel
                    a_charger.append(chemin)
        for chemin in a_charger:
            try:
                self.charger_json(chemin)
            except (ValueError, KeyError, OSError):
                pass  # a half-written or invalid file: the previous content stays

    def ajouter(self, identite) -> FicheNationale:
        """Add a person (FicheNationale, IdentiteINS or dict); re-adding the same matricule replaces it."""
        fiche = FicheNationale.depuis(identite)
        with self._lock:
            ancienne = self._par_matricule.get(fiche.matricule)
            if ancienne is not None:
                cle = (ancienne.nom_naissance, ancienne.sexe, ancienne.date_naissance)
                self._index[cle] = [f for f in self._index.get(cle, []) if f.matricule != fiche.matricule]
            self._par_matricule[fiche.matricule] = fiche
            self._index.setdefault((fiche.nom_naissance, fiche.sexe, fiche.date_naissance), []).append(fiche)
        return fiche

    def ajouter_tout(self, identites) -> int:
        n = 0
        for i in identites:
            self.ajouter(i)
            n += 1
        return n

    def charger_json(self, chemin) -> int:
        """Load a JSON list of identities (keys of FicheNationale; prenoms as a list or a string)."""
        donnees = json.loads(Path(chemin).read_text(encoding="utf-8"))
        if isinstance(donnees, dict):
            donnees = donnees.get("identites", [])
        return self.ajouter_tout(donnees)

    def rechercher(self, nom: str, prenom: str, sexe: str, date: str, lieu: str = "") -> list[FicheNationale]:
        self._rafraichir()
        with self._lock:
            candidats = list(self._index.get((nom, sexe, date), ()))
        return [f for f in candidats if f.correspond(prenom, lieu)]

    def par_matricule(self, matricule: str) -> FicheNationale | None:
        self._rafraichir()
        with self._lock:
            return self._par_matricule.get((matricule or "").upper())

    def __len__(self) -> int:
        with self._lock:
            return len(self._par_matricule)


def identites_cnam() -> list[FicheNationale]:
    """The CNAM public test identities (qualification platform answers, wsdl/SOURCE.md) and the
    stand-in's scenario identities (fictitious)."""
    F = FicheNationale
    return [
        # CNAM qualification platform test identities
        F("297022A020778", "ADRTROIS", ("DOMINIQUE",), "F", "1997-02-26", "2A020", cle="78"),
        F("160012B020777", "ADRTROIS", ("TOUSSAINT",), "M", "1960-01-01", "2B020", cle="13"),
        F(
            "1090763220834", "ECETINSI", ("PIERRE-ALAIN", "MURIEL", "FLORIANT"), "M", "2009-07-14", "63220",
            cle="89",
            historique=(("2090763220834", "39", OID_NIR), ("2090663220123", "55", OID_NIR)),
        ),
        F("2360663220836", "TCHITCHI", ("CATARINA", "BELLA"), "F", "1936-06-21", "63220", cle="56"),
        F("1090763220888", "PROVISOIRE", ("MATRICULE",), "M", "2009-07-01", "63220", oid=OID_NIA, cle="35"),
        # DE VINCI LEONARDO: two persons share the traits (02 without the birthplace)
        F("1140299127001", "DE VINCI", ("LEONARDO",), "M", "2014-02-01", "99127"),
        F("1140263220417", "DE VINCI", ("LEONARDO", "PIERO"), "M", "2014-02-01", "63220"),
        F("180032B020401", "CORSE", ("ANTHONY",), "M", "1980-03-02", "2B020", cle="23"),
        # Stand-in scenarios (fictitious people)
        # diacritics, ligature and typographic apostrophe: CNAM spelling D'ARC-OEUVRE / HELOISE
        F("2750375056123", "D'ARC-ŒUVRE", ("HÉLOÏSE", "MARIE"), "F", "1975-03-18", "75056"),
        # commune nouvelle: born in Annecy-le-Vieux (74011), merged into Annecy (74010) in 2017
        F("2500574011042", "FUSIONNEE", ("JEANNE",), "F", "1950-05-12", "74010", anciens_lieux=("74011",)),
        # first-name order: the national first name is PAUL, the document starts with JEAN
        F("1620869123456", "PRENOMORDRE", ("PAUL", "JEAN"), "M", "1962-08-30", "69123"),
        # different first-name list: MARIE-JEANNE (compound) nationally, "MARIE JEANNE" on the document
        F("2441013055321", "LISTEPRENOMS", ("MARIE-JEANNE",), "F", "1944-10-02", "13055"),
        # lunar birth date (RNIPP: born in Morocco, only the year known): returned as 1962-00-00 [R-DN-02]
        F("2622099350087", "LUNAIRE", ("AMINA", "FATIMA"), "F", "1962-00-00", "99350"),
        # slow answer
        F("2810733063777", NOM_LENTEUR, ("LUCIE",), "F", "1981-07-07", "33063"),
    ]


base = BaseNationale(identites_cnam())


def cartes_demo() -> list:
    """Demo cards of the stand-in reader (lecteur.LecteurBouchon), people of the base above: two physical
    cartes Vitale (one with a lunar birth date) and one appli carte Vitale (identity verified by the app)."""
    from .lecteur import LectureCarte

    return [
        LectureCarte("CV", "297022A02077878", DateLunaire(1997, 2, 26), libelle="Carte Vitale — ADRTROIS DOMINIQUE"),
        LectureCarte("CV", "262209935008724", DateLunaire(1962, 0, 0), libelle="Carte Vitale — LUNAIRE AMINA"),
        LectureCarte("AV", "180032B02040123", DateLunaire(1980, 3, 2), nom_naissance="CORSE",
                     libelle="Appli carte Vitale — CORSE ANTHONY"),
    ]


# --------------------------------------------------------------------------- protocol


SCHEMA = SchemaXsd(
    {
        NS_RECSANS: WSDL_DIR / "xsd/ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd",
        NS_RECVIT: WSDL_DIR / "xsd/ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd",
        NS_RESULTAT: WSDL_DIR / "xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd",
        NS_CTXLPS: WSDL_DIR / "xsd/CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd",
        NS_CTXBAM: WSDL_DIR / "xsd/CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd",
        NS_WSA: WSDL_DIR / "xsd/WSA/ws-addr.xsd",
        NS_SIRAM: WSDL_DIR / "xsd/schema_faultSOAP_V01_01.xsd",
    }
)


def schema() -> etree.XMLSchema:
    """The CNAM XSDs compiled once (RECSANSVITALE, RECVITALE, RESULTAT, ContexteLPS/BAM, WS-A, Erreur)."""
    return SCHEMA.schema()


class FauteSoap(Exception):
    def __init__(self, code: str, sous_code: str, raison: str, code_erreur: str, detail: str, http: int = 500):
        super().__init__(raison)
        self.code, self.sous_code, self.raison = code, sous_code, raison
        self.code_erreur, self.detail, self.http = code_erreur, detail, http

    def xml(self) -> bytes:
        S = ElementMaker(namespace=NS_SOAP, nsmap={"S": NS_SOAP})
        siram = ElementMaker(namespace=NS_SIRAM, nsmap={"siram": NS_SIRAM})
        texte = S.Text(self.raison)
        texte.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
        env = S.Envelope(
            S.Body(
                S.Fault(
                    S.Code(S.Value(f"S:{self.code}"), S.Subcode(S.Value(f"S:{self.sous_code}"))),
                    S.Reason(texte),
                    S.Detail(siram.Erreur(self.detail, severite="fatal", code=self.code_erreur)),
                )
            )
        )
        return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def faute_technique() -> FauteSoap:
    """The CNAM's generic technical error (siram_40 / insi_102), as recorded on the qualification platform."""
    return FauteSoap(
        "Receiver",
        "siram_40",
        "Le service est temporairement inaccessible. Veuillez renouveler votre demande ultérieurement. "
        "Si le problème persiste, contactez l'éditeur du progiciel ou votre responsable informatique.",
        "insi_102",
        "L'appel au service de recherche avec les traits d'identité renvoie une erreur technique.",
    )


def faute_requete(detail: str) -> FauteSoap:
    # The CNAM's exact code for a schema rejection is not in public material: stand-in's own code.
    return FauteSoap(
        "Sender",
        "siram_10",
        "La requête ne respecte pas le format attendu par le service.",
        "insi_schema",
        detail[:500],
    )


def _valider(element: etree._Element, quoi: str) -> None:
    erreur = SCHEMA.erreur(element)
    if erreur is not None:
        raise faute_requete(f"{quoi} invalide : {erreur}")


@dataclass
class AppelRecu:
    cn: str  # CN of the client certificate (INSI-AUTO / INSI-MANU)
    operation: str
    nom: str
    prenom: str
    lieu: str
    cr: str  # "00"/"01"/"02", or "FAUTE:<sous-code>"
    idam: str = ""
    message_id: str = ""
    organisation: str = ""  # O of the client certificate: the calling organisation
    serie: str = ""  # serial number of the client certificate (hexadecimal, as the cockpit shows it)


@dataclass
class Journal:
    appels: list[AppelRecu] = field(default_factory=list)
    refus_tls: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def noter(self, appel: AppelRecu) -> None:
        with self._lock:
            self.appels.append(appel)

    def refuser(self, raison: str) -> None:
        with self._lock:
            self.refus_tls.append(raison)

    def vider(self) -> None:
        with self._lock:
            self.appels.clear()
            self.refus_tls.clear()


def _texte(el, chemin: str, ns: dict) -> str:
    x = el.find(chemin, ns)
    return (x.text or "").strip() if x is not None else ""


def _resultat(cr: str, fiche: FicheNationale | None) -> etree._Element:
    R = ElementMaker(namespace=NS_RESULTAT, nsmap={"ns2": NS_RESULTAT})
    enfants = [R.CR(R.CodeCR(cr), R.LibelleCR(LIBELLES_CR[cr]))]
    if fiche is not None:
        histo = [
            R.INSHISTO(R.IdIndividu(R.NumIdentifiant(m), R.Cle(c), R.TypeMatricule("NIR" if o == OID_NIR else "NIA")), R.OID(o))
            for m, c, o in fiche.historique
        ]
        tiq = [R.NomNaissance(fiche.nom_naissance), R.Prenom(fiche.prenoms[0]), R.ListePrenom(fiche.liste_prenoms)]
        tiq += [R.Sexe(fiche.sexe), R.DateNaissance(fiche.date_naissance)]
        if fiche.lieu_naissance:
            tiq.append(R.LieuNaissance(fiche.lieu_naissance))
        enfants.append(
            R.INDIVIDU(
                R.INSACTIF(R.IdIndividu(R.NumIdentifiant(fiche.matricule), R.Cle(fiche.cle)), R.OID(fiche.oid)),
                *histo,
                R.TIQ(*tiq),
            )
        )
    return R.RESULTAT(*enfants)


class ServiceBouchon:
    """Protocol logic, independent of the socket: bytes in -> (HTTP status, bytes out)."""

    def __init__(self, base_nationale: BaseNationale, lenteur: float = 3.0):
        self.base = base_nationale
        self.lenteur = lenteur
        self.journal = Journal()

    def traiter(self, corps: bytes, pair: CertificatPair) -> tuple[int, bytes]:
        appel = AppelRecu(cn=pair.cn, operation="", nom="", prenom="", lieu="", cr="",
                          organisation=pair.organisation, serie=pair.serie)
        try:
            resultat = self._traiter(corps, appel)
        except FauteSoap as faute:
            appel.cr = f"FAUTE:{faute.sous_code}"
            self.journal.noter(appel)
            return faute.http, faute.xml()
        self.journal.noter(appel)
        S = ElementMaker(namespace=NS_SOAP, nsmap={"S": NS_SOAP})
        return 200, etree.tostring(S.Envelope(S.Body(resultat)), xml_declaration=True, encoding="UTF-8")

    def _traiter(self, corps: bytes, appel: AppelRecu) -> etree._Element:
        try:
            env = etree.fromstring(corps, PARSEUR)
        except etree.XMLSyntaxError as exc:
            raise faute_requete(f"XML mal formé : {exc}") from None
        if env.tag != f"{{{NS_SOAP}}}Envelope":
            raise FauteSoap(
                "VersionMismatch", "siram_10", "Enveloppe SOAP 1.2 attendue.", "insi_schema", str(env.tag)
            )
        entete, corps_soap = env.find(f"{{{NS_SOAP}}}Header"), env.find(f"{{{NS_SOAP}}}Body")
        if entete is None or corps_soap is None or len(corps_soap) != 1:
            raise faute_requete("En-tête ou corps SOAP absent")
        lps = entete.find(f"{{{NS_CTXLPS}}}ContexteLPS")
        bam = entete.find(f"{{{NS_CTXBAM}}}ContexteBAM")
        if lps is None or bam is None:
            raise faute_requete("En-têtes ContexteLPS et ContexteBAM obligatoires")
        _valider(lps, "ContexteLPS")
        _valider(bam, "ContexteBAM")
        secu = entete.find(f"{{{NS_WSSE}}}Security")
        if secu is not None and len(secu):
            raise FauteSoap(
                "Sender", "siram_10", "Authentification par carte CPS non simulée par le bouchon.", "insi_auth",
                "Avec un certificat logiciel, wsse:Security doit être vide.",
            )
        ns = {"l": NS_CTXLPS, "w": NS_WSA}
        appel.idam = _texte(lps, "l:LPS/l:IDAM", ns)
        appel.message_id = _texte(entete, "w:MessageID", ns)
        if not appel.idam:
            raise FauteSoap(
                "Sender", "siram_100", "Logiciel non autorisé : numéro d'autorisation (IDAM) inconnu.",
                "desir_550", "IDAM absent du ContexteLPS.",
            )
        requete = corps_soap[0]
        operation = OPERATIONS.get(requete.tag)
        if operation is None:
            raise faute_requete(f"Opération inconnue : {requete.tag}")
        appel.operation = operation
        action = _texte(entete, "w:Action", ns)
        if action and action != ACTION + operation:
            raise faute_requete(f"wsa:Action {action} ne correspond pas à {operation}")
        _valider(requete, operation)
        if operation == "rechercherInsAvecTraitsIdentite":
            return self._recherche_traits(requete, appel)
        return self._recherche_vitale(requete, appel)

    def _recherche_traits(self, requete, appel: AppelRecu) -> etree._Element:
        ns = {"r": NS_RECSANS}
        nom = _texte(requete, "r:NomNaissance", ns)
        prenoms = [(p.text or "").strip() for p in requete.findall("r:Prenom", ns)]
        sexe, date = _texte(requete, "r:Sexe", ns), _texte(requete, "r:DateNaissance", ns)
        lieu = _texte(requete, "r:LieuNaissance", ns)
        appel.nom, appel.prenom, appel.lieu = nom, " ".join(prenoms), lieu
        if not nom or not prenoms or sexe not in ("F", "M") or not _date_ok(date):
            raise faute_requete("NomNaissance, Prenom, Sexe (F/M) et DateNaissance (AAAA-MM-JJ) sont obligatoires")
        if nom == NOM_ERREUR_TECHNIQUE:
            raise faute_technique()
        if nom == NOM_LENTEUR and self.lenteur:
            time.sleep(self.lenteur)
        trouves = self.base.rechercher(nom, " ".join(prenoms), sexe, date, lieu)
        cr = "00" if len(trouves) == 1 else ("01" if not trouves else "02")
        appel.cr = cr
        return _resultat(cr, trouves[0] if cr == "00" else None)

    def _recherche_vitale(self, requete, appel: AppelRecu) -> etree._Element:
        ns = {"v": NS_RECVIT}
        matricule = _texte(requete, "v:MatriculeIndividu/v:NumIdentifiant", ns) or _texte(
            requete, "v:MatriculeOD/v:NumIdentifiant", ns
        )
        date = _texte(requete, "v:DateNaissance", ns)
        nom = _texte(requete, "v:NomNaissance", ns)
        appel.nom, appel.prenom = nom, ""
        if not matricule or not _date_ok(date):
            raise faute_requete("NumIdentifiant et DateNaissance (AAAA-MM-JJ) sont obligatoires")
        fiche = self.base.par_matricule(matricule[:13])
        ok = fiche is not None and fiche.date_naissance == date and (not nom or nom == fiche.nom_naissance)
        appel.cr = "00" if ok else "01"
        return _resultat(appel.cr, fiche if ok else None)


def _date_ok(date: str) -> bool:
    """The CNAM ``DateLunaire``: AAAA-MM-JJ, 00 allowed for an unknown day or month [R-DN-02]."""
    try:
        DateLunaire.lire(date)
    except ValueError:
        return False
    return len(date) == 10 and date[4] == "-"


# --------------------------------------------------------------------------- HTTPS server


class BouchonInsi(BouchonHttps):
    """The stand-in server (`POST /lps`, `GET /lps?wsdl`), run in a background thread on a loopback port
    (0 = a free one). Accepts only client certificates issued by its CA with CN INSI-AUTO or INSI-MANU."""

    nom_serveur = "SocleBouchonINSi/1.0"
    nom_fil = "bouchon-insi"

    def __init__(
        self,
        pki: PkiBouchon,
        base_nationale: BaseNationale | None = None,
        hote: str = "127.0.0.1",
        port: int = 0,
        lenteur: float = 3.0,
    ):
        self.service = ServiceBouchon(base_nationale if base_nationale is not None else base, lenteur)
        super().__init__(pki, hote, port)

    @property
    def journal(self) -> Journal:
        return self.service.journal

    @property
    def base(self) -> BaseNationale:
        return self.service.base

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/lps"

    def preparer(self) -> None:
        schema()  # compile before the first call

    def refuser_tls(self, raison: str) -> None:
        self.journal.refuser(raison)

    def repondre(self, requete: Requete) -> Reponse:
        chemin = requete.chemin
        if requete.methode == "GET":
            if chemin.split("?")[0].rstrip("/").endswith("/lps") and "wsdl" in chemin.lower():
                return Reponse(200, (WSDL_DIR / "DESIR_ICIR_EXP_1.5.0.wsdl").read_bytes(), "text/xml")
            return Reponse(404, b"introuvable")
        if chemin.rstrip("/") != "/lps":
            return Reponse(404, b"introuvable")
        if requete.pair.cn not in (CN_AUTO, CN_MANU):
            self.journal.refuser(f"CN refusé : {requete.pair.cn!r}")
            faute = FauteSoap(
                "Sender", "siram_100", "Certificat non autorisé : le CN doit être INSI-AUTO ou INSI-MANU.",
                "desir_551", f"CN reçu : {requete.pair.cn}", http=403,
            )
            return Reponse(403, faute.xml(), TYPE_SOAP)
        statut, corps = self.service.traiter(requete.corps, requete.pair)
        return Reponse(statut, corps, TYPE_SOAP)


TYPE_SOAP = "application/soap+xml; charset=utf-8"


_local: BouchonInsi | None = None
_local_lock = threading.Lock()


def dossier_donnees() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "insi-standin"


def pki_locale() -> PkiBouchon:
    """The PKI of the stand-in of this installation (data folder), without starting it: its CA issues the
    per-organisation client certificates deposited in the cockpit by the demo and the tests
    (`pki_locale().emettre_certificat(cn, organisation, serie=…)`)."""
    return assurer_pki(dossier_donnees())


def fichier_demo() -> Path:
    """JSON file of identities published by the demo / the usagers app (read by every stand-in)."""
    return dossier_donnees() / "base-demo.json"


def charger_base_configuree() -> None:
    """Make the module base follow SOCLE_INSI_STANDIN_BASE (if set) and the published demo file."""
    from django.conf import settings

    chemin = getattr(settings, "SOCLE_INSI_STANDIN_BASE", "")
    if chemin:
        base.suivre(chemin)
    base.suivre(fichier_demo())
    base.suivre(dossier_donnees() / "usagers-demo.json")  # written by the usagers demo


def publier_identites(identites, chemin=None) -> Path:
    """Add identities to the stand-in's national base: in this process at once, and in the JSON file
    (merged by matricule, written atomically) that stand-ins of other processes follow. Accepts
    FicheNationale, IdentiteINS or dicts with the FicheNationale keys. Returns the file's path."""
    chemin = Path(chemin) if chemin else fichier_demo()
    fiches = [base.ajouter(i) for i in identites]
    chemin.parent.mkdir(parents=True, exist_ok=True)
    with _publication_lock:
        existantes = {}
        if chemin.exists():
            try:
                existantes = {d["matricule"]: d for d in json.loads(chemin.read_text(encoding="utf-8"))}
            except (ValueError, KeyError, TypeError):
                existantes = {}
        for f in fiches:
            d = asdict(f)
            d["prenoms"] = list(f.prenoms)
            d["anciens_lieux"] = list(f.anciens_lieux)
            d["historique"] = [list(h) for h in f.historique]
            existantes[f.matricule] = d
        tmp = chemin.with_suffix(".tmp")
        tmp.write_text(json.dumps(list(existantes.values()), ensure_ascii=False, indent=0), encoding="utf-8")
        tmp.replace(chemin)
    return chemin


_publication_lock = threading.Lock()


def bouchon_local() -> BouchonInsi:
    """The per-process stand-in on 127.0.0.1 (free port), started on first use and kept for the process's
    life (a server, not a client: which client calls it is decided by the caller's certificate)."""
    global _local
    with _local_lock:
        if _local is None:
            from django.conf import settings

            charger_base_configuree()
            _local = BouchonInsi(
                pki_locale(),
                base,
                lenteur=float(getattr(settings, "SOCLE_INSI_STANDIN_LENTEUR", 3.0)),
            ).demarrer()
        return _local
