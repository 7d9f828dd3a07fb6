"""Field mapping shared by both formats: FINESS values (text, dates, coordinates, numbers, addresses) turned into
model values, each error a RejetEnregistrement naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from socle.core.identifiants import finess_error

from ..models import EtatFiness
from .resultat import RejetEnregistrement

# FINESS "typeVoie" codes (NOS TRE_R37-TypeVoie, the usual postal abbreviations) expanded in addresses.
TYPES_VOIE = {
    "ALL": "ALLEE", "AV": "AVENUE", "BD": "BOULEVARD", "CAR": "CARREFOUR", "CHE": "CHEMIN", "CHEM": "CHEMINEMENT",
    "CHS": "CHAUSSEE", "CITE": "CITE", "COR": "CORNICHE", "CRS": "COURS", "DOM": "DOMAINE", "DSC": "DESCENTE",
    "ECA": "ECART", "ESP": "ESPLANADE", "FG": "FAUBOURG", "GR": "GRANDE RUE", "HAM": "HAMEAU", "HLE": "HALLE",
    "IMP": "IMPASSE", "LD": "LIEU-DIT", "LOT": "LOTISSEMENT", "MAR": "MARCHE", "MTE": "MONTEE", "PARC": "PARC",
    "PAS": "PASSAGE", "PL": "PLACE", "PLN": "PLAINE", "PLT": "PLATEAU", "PRO": "PROMENADE", "PRV": "PARVIS",
    "QUA": "QUARTIER", "QUAI": "QUAI", "R": "RUE", "RES": "RESIDENCE", "RLE": "RUELLE", "ROC": "ROCADE",
    "RPT": "ROND-POINT", "RTE": "ROUTE", "SEN": "SENTIER", "SQ": "SQUARE", "TPL": "TERRE-PLEIN", "TRA": "TRAVERSE",
    "VLA": "VILLA", "VLGE": "VILLAGE", "ZA": "ZA", "ZAC": "ZAC", "ZI": "ZI",
}

_SIX = Decimal("0.000001")


def _s(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _date(v: Any, nom: str) -> dt.date | None:
    v = _s(v)
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v[:10])
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(v[:10], "%d/%m/%Y").date()
    except ValueError:
        pass
    raise RejetEnregistrement(f"date invalide dans « {nom} » : « {v} » (attendu AAAA-MM-JJ)")


def _datetime(v: Any, nom: str) -> dt.datetime | None:
    v = _s(v)
    if not v:
        return None
    try:
        d = dt.datetime.fromisoformat(v) if len(v) > 10 else dt.datetime.combine(_date(v, nom), dt.time())
    except ValueError as exc:
        raise RejetEnregistrement(f"date et heure invalides dans « {nom} » : « {v} »") from exc
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def _coord(v: Any, nom: str, borne: float) -> Decimal | None:
    v = _s(v).replace(",", ".")
    if not v:
        return None
    try:
        d = Decimal(v).quantize(_SIX)
    except InvalidOperation as exc:
        raise RejetEnregistrement(f"coordonnée invalide dans « {nom} » : « {v} »") from exc
    if abs(d) > borne:
        raise RejetEnregistrement(f"coordonnée hors bornes dans « {nom} » : {v}")
    return d


def _finess(v: Any, nom: str) -> str:
    numero = _s(v).upper()
    if not numero:
        raise RejetEnregistrement(f"champ obligatoire « {nom} » absent")
    err = finess_error(numero)
    if err:
        raise RejetEnregistrement(f"numéro FINESS invalide dans « {nom} » : {err}")
    return numero


def _etat(v: Any) -> str:
    v = _s(v) or EtatFiness.ACTIF
    if v not in (EtatFiness.ACTIF, EtatFiness.INACTIF):
        raise RejetEnregistrement(f"« etatObjet » doit valoir A (actif) ou I (inactif), reçu « {v} »")
    return v


def voie(numero: str, type_voie: str, libelle: str, complement: str = "") -> str:
    """'5 RUE DU LYCEE' from FINESS address parts, expanding the type code (R → RUE, AV → AVENUE…)."""
    t = _s(type_voie)
    t = TYPES_VOIE.get(t.upper(), t)
    return " ".join(p for p in (_s(numero), _s(complement), t, _s(libelle)) if p)


def departement_de(finess: str, code_commune: str = "") -> str:
    """Department: from the INSEE commune code when known (971…976, 2A/2B), else the FINESS prefix."""
    cog = _s(code_commune).upper()
    if len(cog) == 5:
        return cog[:3] if cog[:2] in ("97", "98") else cog[:2]
    return finess[:2]


def _adresse(adresses: Any, usage: str) -> dict[str, Any]:
    if not isinstance(adresses, list):
        return {}
    choix = [a for a in adresses if isinstance(a, dict) and _s(a.get("usageAdresse")) == usage]
    choix = choix or [a for a in adresses if isinstance(a, dict)]
    return choix[0] if choix else {}


def _telephone(contacts: Any) -> str:
    if not isinstance(contacts, list):
        return ""
    for c in contacts:
        tel = _s(((c or {}).get("telecom") or {}).get("telephone")) if isinstance(c, dict) else ""
        if tel:
            return tel
    return ""


def _verifier_longueurs(model, valeurs: dict[str, Any]) -> None:
    for nom, v in valeurs.items():
        if isinstance(v, str):
            f = model._meta.get_field(nom)
            if f.max_length and len(v) > f.max_length:
                raise RejetEnregistrement(
                    f"« {f.verbose_name} » dépasse {f.max_length} caractères ({len(v)}) : « {v[:60]}… »")
