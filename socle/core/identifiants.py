"""Check digits of the national identifiers Socle handles: FINESS, RPPS, NIR/NIA.

Each validator returns None when the number is valid, else a French message saying which rule failed,
so that the model validators, the importers and `socle check` give the same answer.
"""

import re

from django.utils.translation import gettext as _

_FINESS_RE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")
_NIR_RE = re.compile(r"^[1-478]\d{4}(\d{2}|2A|2B)\d{6}\d{2}$")


# Luhn doubling of a digit, digit sum taken (2×7 = 14 -> 5), as a translation table: fast enough for the
# millions of numbers of an Annuaire Santé extract.
_DOUBLE = str.maketrans("0123456789", "0246813579")


def _luhn_somme(digits: str) -> int:
    """Luhn sum of `digits`, the last one being the check digit (not doubled)."""
    return sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2].translate(_DOUBLE)))


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) over a string of digits, check digit included as the last one."""
    return _luhn_somme(digits) % 10 == 0


def luhn_key(digits: str) -> int:
    """The Luhn check digit to append to `digits`."""
    return (10 - _luhn_somme(digits + "0") % 10) % 10


def avec_cle_luhn(corps: str) -> str:
    """`corps` followed by its Luhn key: a valid FINESS (outside Corsica) or RPPS number from its body."""
    return corps + str(luhn_key(corps))


def finess_error(numero: str) -> str | None:
    """FINESS: 9 characters, department prefix (01-95, 2A/2B, 97x/98x overseas), 9th = Luhn key of the 8 first.

    Corsica: the key of a 2A/2B number is computed with the department read as "20" (the single Corsican
    department before 1976, which FINESS numbering predates). No official text states it; we found none in
    the ANS FINESS material we could read, so this is an assumption, flagged as such in the issue notes.
    """
    numero = (numero or "").strip().upper()
    if len(numero) != 9:
        return _("un numéro FINESS a 9 caractères (reçu %(n)s)") % {"n": len(numero)}
    if not _FINESS_RE.match(numero):
        return _("un numéro FINESS commence par un département (2 chiffres, 2A ou 2B) suivi de 7 chiffres")
    if numero[:2] == "00":
        return _("le département « 00 » n'existe pas")
    digits = ("20" + numero[2:]) if numero[:2] in ("2A", "2B") else numero
    if not luhn_ok(digits):
        return _("clé de contrôle incorrecte : la clé attendue est %(attendue)s, pas %(recue)s") % {
            "attendue": luhn_key(digits[:8]), "recue": numero[8]}
    return None


def rpps_error(numero: str) -> str | None:
    """RPPS: 11 digits, Luhn key over the 11 (ANS practice; checked on real numbers of the Annuaire)."""
    numero = (numero or "").strip()
    if not numero.isdigit() or len(numero) != 11:
        return _("un numéro RPPS a 11 chiffres (reçu « %(numero)s »)") % {"numero": numero}
    if not luhn_ok(numero):
        return _("clé de contrôle incorrecte : la clé attendue est %(attendue)s, pas %(recue)s") % {
            "attendue": luhn_key(numero[:10]), "recue": numero[10]}
    return None


def nir_key(body: str) -> int:
    """NIR/NIA key = 97 - (number mod 97); Corsica 2A → 19, 2B → 18 (INSEE rule)."""
    body = body.upper()
    if body[5:7] == "2A":
        value = int(body[:5] + "19" + body[7:])
    elif body[5:7] == "2B":
        value = int(body[:5] + "18" + body[7:])
    else:
        value = int(body)
    return 97 - value % 97


def nir_error(numero: str) -> str | None:
    """NIR (matricule INS) or NIA: 13 characters + 2-digit key; sex digit 1/2, 3/4 (foreigners), 7/8 (NIA)."""
    numero = re.sub(r"\s", "", numero or "").upper()
    if len(numero) != 15:
        return _("un NIR ou NIA a 15 caractères, clé comprise (reçu %(n)s)") % {"n": len(numero)}
    if not _NIR_RE.match(numero):
        return _("format incorrect : sexe (1, 2, 3, 4, 7 ou 8), année, mois, département (ou 2A/2B), commune, ordre, "
                 "clé")
    month = int(numero[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return _("mois de naissance « %(mois)s » impossible") % {"mois": numero[3:5]}
    expected = nir_key(numero[:13])
    if int(numero[13:]) != expected:
        return _("clé de contrôle incorrecte : la clé attendue est %(attendue)s, pas %(recue)s") % {
            "attendue": f"{expected:02d}", "recue": numero[13:]}
    return None


CHECKS = {"finess": finess_error, "rpps": rpps_error, "nir": nir_error}
