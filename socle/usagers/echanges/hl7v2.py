"""HL7 v2.5 ADT messages (A28, A31, A08, A40) as the IHE PAM national extension for France writes them, parsed
with python-hl7 (never by splitting strings); ACK / AE answers; ADT^A31 for the export.

PAM FR fields used: PID-3 (IPP, type PI, with its assigning authority; INS, type INS, authority
ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO), PID-5 (birth name type L: family^first given name^list of birth
given names; used name type D), PID-7 (birth date), PID-8 (sex), PID-11 (address of type BDL, XAD-9 = INSEE code
of the birthplace) or PID-23, PID-32 (identity reliability: RNIV status and the DOUT / FICT / HOMA attributes),
MRG-1 (A40: the IPP merged)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

import hl7

from socle.usagers import rniv

from . import lecture
from .commun import IdentiteEntrante, ImportIllisible
from .naissance import DateIllisible, ecrire_date_naissance, lire_date_naissance

EVENEMENTS = ("A28", "A31", "A08", "A40")
VERSION = "2.5"
AUTORITES_INS = {
    rniv.OID_NIR: "ASIP-SANTE-INS-NIR",
    rniv.OID_NIA: "ASIP-SANTE-INS-NIA",
    rniv.OID_NIR_TEST: "ASIP-SANTE-INS-NIR-TEST",
    rniv.OID_NIR_DEMO: "ASIP-SANTE-INS-NIR-DEMO",
}
SEXES = {"F": "F", "M": "M", "U": "I", "O": "I", "A": "I", "N": "I"}
SEXES_HL7 = {"F": "F", "M": "M", "I": "U"}
STATUTS = {"PROV": "PROV", "RECUP": "RECUP", "VALI": "VALI", "QUAL": "QUAL", "VIDE": "PROV"}
SEPARATEURS = "|^~\\&"
_DECODEUR = hl7.parse("MSH|^~\\&|")  # python-hl7 decodes the escape sequences of a value


def _val(seg, champ: int, rep: int = 1, comp: int = 1, sous: int = 1) -> str:
    """One subcomponent of a segment through python-hl7's containers ("" when absent)."""
    try:
        x = seg(champ)
    except IndexError:
        return ""
    for idx in (rep, comp, sous):
        if isinstance(x, str):
            return x if idx == 1 else ""
        try:
            x = x(idx)
        except IndexError:
            return ""
    texte = str(x)
    return (_DECODEUR.unescape(texte) if "\\" in texte else texte).strip()


def _repetitions(seg, champ: int) -> int:
    try:
        x = seg(champ)
    except IndexError:
        return 0
    if isinstance(x, str):
        return 1 if x else 0
    return len(x)


def messages(chemin: Path, encodage: str = "utf-8") -> Iterator[tuple[int, str]]:
    """The messages of a file (one after the other, MLLP framing or not), each as HL7 text with CR separators,
    numbered from 1. Memory holds one message at a time."""
    courant: list[str] = []
    n = 0
    with lecture.ouvrir(chemin) as flux:
        for _k, ligne in lecture.texte(flux, encodage):
            ligne = ligne.strip("\x0b\x1c\n\r ")
            if not ligne:
                continue
            if ligne.startswith("MSH"):
                if courant:
                    n += 1
                    lecture.trop(n)
                    yield n, "\r".join(courant)
                courant = [ligne]
            elif courant:
                courant.append(ligne)
            else:
                raise ImportIllisible(
                    "le fichier ne commence pas par un segment MSH : ce n'est pas un fichier de "
                    "messages HL7 v2"
                )
    if courant:
        yield n + 1, "\r".join(courant)
    elif n == 0:
        raise ImportIllisible("aucun message HL7 (segment MSH) dans le fichier")


def analyser_message(numero: int, texte: str, systeme_ipp: str = "") -> IdentiteEntrante:
    """One ADT message as an identity; its problems name the HL7 field (PID-7…)."""
    ident = IdentiteEntrante(numero=numero)
    try:
        msg = hl7.parse(texte)
        msh = msg.segment("MSH")
    except Exception as exc:  # noqa: BLE001 - python-hl7 raises several kinds on a broken message
        ident.probleme("MSH", f"message HL7 mal formé : {type(exc).__name__} {str(exc)[:80]}")
        return ident
    ident.controle = _val(msh, 10)
    type_, evenement = _val(msh, 9, 1, 1), _val(msh, 9, 1, 2)
    ident.evenement = evenement
    if type_ != "ADT" or evenement not in EVENEMENTS:
        ident.probleme(
            "MSH-9", f"message « {type_}^{evenement} » non pris en charge : ADT^A28, A31, A08 ou A40"
        )
        return ident
    if not _val(msh, 12).startswith(VERSION):
        ident.probleme("MSH-12", f"version HL7 « {_val(msh, 12)} » : 2.5 attendue (IHE PAM France)")
    try:
        pid = msg.segment("PID")
    except KeyError:
        ident.probleme("PID", "segment PID absent")
        return ident
    ipps = []
    for r in range(1, _repetitions(pid, 3) + 1):
        valeur, type_id = _val(pid, 3, r, 1), _val(pid, 3, r, 5)
        oid = _val(pid, 3, r, 4, 2)
        if type_id == "PI":
            ipps.append((oid, valeur))
        elif type_id in ("INS", "NH") and oid in AUTORITES_INS:
            ident.ins, ident.oid_ins = valeur, oid
    choisis = [v for o, v in ipps if systeme_ipp and o == systeme_ipp] or [v for _o, v in ipps]
    ident.ipp = choisis[0] if choisis else ""
    if not ident.ipp:
        ident.probleme("PID-3", "IPP absent (identifiant de type PI)")
    for r in range(1, _repetitions(pid, 5) + 1):
        type_nom = _val(pid, 5, r, 7)
        if type_nom == "L":
            ident.nom_naissance = _val(pid, 5, r, 1)
            ident.premier_prenom = _val(pid, 5, r, 2)
            ident.prenoms_naissance = _val(pid, 5, r, 3) or ident.premier_prenom
        elif type_nom == "D":
            ident.nom_utilise, ident.prenom_utilise = _val(pid, 5, r, 1), _val(pid, 5, r, 2)
    try:
        ident.date_naissance = lire_date_naissance(_val(pid, 7))
    except DateIllisible as exc:
        ident.probleme("PID-7", str(exc))
    sexe = _val(pid, 8)
    ident.sexe = SEXES.get(sexe.upper(), "")
    if sexe and not ident.sexe:
        ident.probleme("PID-8", f"sexe « {sexe[:10]} » hors de la table HL7 0001 (F, M, U…)")
    for r in range(1, _repetitions(pid, 11) + 1):
        if _val(pid, 11, r, 7) == "BDL":
            ident.lieu_naissance = _val(pid, 11, r, 9).upper()
    if not ident.lieu_naissance and len(_val(pid, 23)) == 5:
        ident.lieu_naissance = _val(pid, 23).upper()
    for r in range(1, _repetitions(pid, 32) + 1):
        code = _val(pid, 32, r).upper()
        if code in STATUTS:
            ident.statut_declare = STATUTS[code]
        ident.douteuse |= code == "DOUT"
        ident.fictive |= code == "FICT"
        ident.homonyme |= code == "HOMA"
    if evenement == "A40":
        try:
            mrg = msg.segment("MRG")
        except KeyError:
            ident.probleme("MRG", "A40 sans segment MRG : l'IPP fusionné manque")
            return ident
        ident.ancien_ipp = _val(mrg, 1, 1, 1)
        if not ident.ancien_ipp:
            ident.probleme("MRG-1", "A40 : IPP fusionné absent")
    return ident


def accuse(texte: str, problemes: Iterable, *, application: str = "SOCLE", etablissement: str = "") -> str:
    """The ACK of one message: AA, or AE with one ERR segment per blocking problem (HL7 table 0357 code,
    location, French message in ERR-8); AR when the message could not even be read."""
    problemes = list(problemes)
    horodatage = datetime.now().strftime("%Y%m%d%H%M%S")
    try:
        msh = hl7.parse(texte).segment("MSH")
    except Exception:  # noqa: BLE001 - a message python-hl7 cannot read gets a standalone AR
        return (
            f"MSH|{SEPARATEURS[1:]}|{application}|{_esc(etablissement)}|||{horodatage}||ACK|ACK{horodatage}|P|"
            f"{VERSION}\rMSA|AR|\rERR||MSH^1|100^Segment sequence error^HL70357|E||||Message HL7 illisible"
        )
    code = "AE" if problemes else "AA"
    segments = [
        f"MSH|{SEPARATEURS[1:]}|{application}|{_esc(etablissement)}|{_esc(_val(msh, 3))}|"
        f"{_esc(_val(msh, 4))}|{horodatage}||ACK^{_esc(_val(msh, 9, 1, 2))}^ACK|ACK{_esc(_val(msh, 10))}|P|"
        f"{_esc(_val(msh, 12)) or VERSION}",
        f"MSA|{code}|{_esc(_val(msh, 10))}",
    ]
    for p in problemes:
        segment, _, numero = p.champ.partition("-")
        lieu = f"{_esc(segment)}^1^{numero}" if numero.isdigit() else f"{_esc(p.champ)}^1"
        erreur = (
            "101^Required field missing^HL70357"
            if "absent" in p.message
            else "207^Application internal error^HL70357"
        )
        segments.append(f"ERR||{lieu}|{erreur}|E||||{_esc(p.message)}")
    return "\r".join(segments)


def _esc(valeur: str) -> str:
    """HL7 escape of one value: the five delimiters only (\\E\\ first, then \\F\\ \\S\\ \\T\\ \\R\\); other
    characters travel as they are (MSH-18 declares UNICODE UTF-8), line breaks become spaces."""
    texte = str(valeur or "").replace("\\", "\\E\\")
    for car, code in (("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\")):
        texte = texte.replace(car, code)
    return texte.replace("\r", " ").replace("\n", " ")


def message_a31(
    u,
    ipp: str,
    domaine_ipp: str,
    oid_ipp: str,
    *,
    numero: str,
    emetteur: str,
    horodatage: datetime,
    application: str = "SOCLE",
    destinataire: str = "DUI",
) -> str:
    """ADT^A31 (update patient information) for one usager, PAM FR; the INS only for a qualified identity."""
    ts = horodatage.strftime("%Y%m%d%H%M%S")
    autorite = f"{_esc(domaine_ipp)}&{_esc(oid_ipp)}&ISO" if oid_ipp else _esc(domaine_ipp)
    ids = [f"{_esc(ipp or f'SOCLE-{u.pk}')}^^^{autorite if ipp else 'SOCLE'}^PI"]
    if u.statut == rniv.QUAL and u.matricule_ins:
        oid = u.oid_ins or rniv.OID_NIR
        ids.append(f"{u.ins}^^^{AUTORITES_INS.get(oid, 'ASIP-SANTE-INS-NIR')}&{oid}&ISO^INS")
    noms = [f"{_esc(u.nom_naissance)}^{_esc(u.premier_prenom)}^{_esc(u.prenoms_naissance)}^^^^L"]
    if u.nom_utilise or u.prenom_utilise:
        noms.append(f"{_esc(u.nom_utilise or u.nom_naissance)}^{_esc(u.prenom_utilise)}^^^^^D")
    fiab = [u.statut] + [
        c for c, oui in (("DOUT", u.douteuse), ("FICT", u.fictive), ("HOMA", u.homonyme)) if oui
    ]
    pid = [
        "PID",
        "",
        "",
        "~".join(ids),
        "",
        "~".join(noms),
        "",
        ecrire_date_naissance(u.date_naissance, "hl7"),
        SEXES_HL7.get(u.sexe, "U"),
        "",
        "",
        f"^^^^^^BDL^^{_esc(u.lieu_naissance)}",
    ]
    pid += [""] * (32 - len(pid)) + ["~".join(fiab)]
    segments = [
        f"MSH|{SEPARATEURS[1:]}|{_esc(application)}|{_esc(emetteur)}|{_esc(destinataire)}|{_esc(emetteur)}|{ts}||"
        "ADT^A31^ADT_A05|"
        f"{_esc(numero)}|P|2.5^FRA^2.11||||||UNICODE UTF-8",
        f"EVN||{ts}",
        "|".join(pid),
        "PV1||N",
    ]
    return "\r".join(segments)
