"""`socle ins search`: one INSi search by traits, the way the admission screen does (INSI-MANU, CNAM
first-name practice), printed as one JSON line. Exit 0 for CR 00/01/02; 1 when INSi's answer cannot be trusted
(unreadable, tampered, a field missing or malformed) or anything else unexpected happens; 2 for a technical
error (service unreachable, SOAP fault, certificate). Every message is in French, never a traceback.

An installation-level tool: it presents the installation's certificates (SOCLE_INSI_P12_* / CERT_*, or the
local stand-in's test ones when SOCLE_INSI_URL is empty), not an organisation's."""

import json
import logging
import re
import sys

from socle.core.naissance import DateLunaire, DateLunaireInvalide

from .interface import InsiErreurTechnique, TraitsRecherche

log = logging.getLogger(__name__)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
# The answer came back but cannot be trusted: unreadable XML ("reponse") or a field missing, malformed or an
# unknown CR ("reponse_invalide", client.ReponseInvalide).
CODES_REPONSE_INVALIDE = {"reponse", "reponse_invalide"}


def ajouter_arguments_search(parser) -> None:
    parser.add_argument("--nom", required=True, help="nom de naissance")
    parser.add_argument("--prenoms", required=True, help='prénoms de naissance dans l\'ordre, ex. "JEAN PIERRE"')
    parser.add_argument("--sexe", required=True, choices=["F", "M"])
    parser.add_argument("--naissance", required=True, help="date de naissance AAAA-MM-JJ ; 00 pour un jour ou un mois inconnu (1962-00-00)")
    parser.add_argument("--lieu", default="", help="code INSEE de la commune de naissance (ou 99xxx pays)")
    parser.add_argument("--mode", default="MANU", choices=["MANU", "AUTO"], help="certificat INSI-MANU ou INSI-AUTO")


def resultat_json(reponse) -> dict:
    """The JSON line: cr, ins, cle, oid, returned traits, number of calls."""
    ident = reponse.identite
    return {
        "cr": reponse.cr,
        "ins": ident.matricule if ident else None,
        "cle": ident.cle if ident else None,
        "oid": ident.oid if ident else None,
        "traits": (
            {
                "nom_naissance": ident.nom_naissance,
                "prenoms": " ".join(ident.prenoms),
                "premier_prenom": ident.premier_prenom,
                "sexe": ident.sexe,
                "date_naissance": ident.date_naissance.isoformat(),
                "lieu_naissance": ident.lieu_naissance,
            }
            if ident
            else None
        ),
        "historique": [{"ins": m, "cle": c, "oid": o} for m, c, o in ident.historique] if ident else [],
        "appels": reponse.appels,
        "prenom_retenu": reponse.prenom_retenu,
        "details": reponse.details,
    }


def search(options: dict) -> int:
    from . import client_installation
    from .traits import normaliser_prenoms

    out = options.get("stdout") or sys.stdout
    err = options.get("stderr") or sys.stderr
    try:  # INSi's DateLunaire: AAAA-MM-JJ, 00 allowed for an unknown day or month [R-DN-02]
        if not _ISO.fullmatch(options["naissance"] or ""):
            raise DateLunaireInvalide(f"Date de naissance « {options['naissance']} » invalide.")
        naissance = DateLunaire.lire(options["naissance"])
    except DateLunaireInvalide as exc:
        err.write(f"{exc} Format attendu AAAA-MM-JJ, 00 pour un jour ou un mois inconnu (ex. 1962-00-00).\n")
        return 2
    prenoms = normaliser_prenoms(options["prenoms"])
    if not prenoms:
        err.write("Au moins un prénom de naissance est obligatoire (--prenoms).\n")
        return 2
    traits = TraitsRecherche(
        nom_naissance=options["nom"],
        prenoms=prenoms,
        sexe=options["sexe"],
        date_naissance=naissance,
        lieu_naissance=options.get("lieu") or "",
    )
    try:
        reponse = client_installation(mode=options.get("mode") or "MANU").rechercher(traits)
    except InsiErreurTechnique as exc:
        out.write(json.dumps({"cr": None, "erreur": str(exc), "code": exc.code}, ensure_ascii=False) + "\n")
        if exc.code in CODES_REPONSE_INVALIDE:
            err.write(f"Réponse INSi rejetée : {exc}\n")
            return 1
        err.write(f"Erreur technique INSi : {exc}\n")
        return 2
    except ValueError as exc:  # our own checks of the traits, in French
        err.write(f"{exc}\n")
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI answers in French, never with a traceback
        log.exception("ins search : échec inattendu")
        out.write(json.dumps({"cr": None, "erreur": "échec inattendu", "code": "inattendu"}, ensure_ascii=False)
                  + "\n")
        err.write(f"Recherche INSi impossible : échec inattendu ({type(exc).__name__}). Aucune identité n'est "
                  "retenue ; le détail est dans le journal du serveur.\n")
        return 1
    out.write(json.dumps(resultat_json(reponse), ensure_ascii=False) + "\n")
    return 0
