"""Layout of the ANS "PS_LibreAcces_Personne_activite" extract (format fact, not data).

One header line, `|`-separated, UTF-8, every line ends with `|`, one line per (person × activity). The header
is the ANS one, vendored in socle/referentiels (PS_LibreAcces_Personne_activite.header.txt).
"""

from __future__ import annotations

from socle import referentiels

ENTETE = referentiels.entete_annuaire()
COLONNES: tuple[str, ...] = tuple(ENTETE.rstrip("|").split("|"))

# Columns the reconciliation reads (by name, so that a future column added by the ANS does not shift them).
TYPE_ID = "Type d'identifiant PP"
IDENTIFIANT = "Identifiant PP"
ID_NATIONAL = "Identification nationale PP"
NOM = "Nom d'exercice"
PRENOM = "Prénom d'exercice"
PROFESSION = "Code profession"
FINESS_SITE = "Numéro FINESS site"
FINESS_EJ = "Numéro FINESS établissement juridique"
GENRE = "Code genre d'activité"
REQUISES = (TYPE_ID, IDENTIFIANT, NOM, PRENOM, PROFESSION, FINESS_SITE, FINESS_EJ, GENRE)

# "Type d'identifiant PP": 8 = RPPS (Identification nationale = "8" + RPPS), 0 = ADELI ("0" + ADELI).
TYPE_RPPS = "8"
TYPE_ADELI = "0"

_manquantes = [c for c in REQUISES if c not in COLONNES]
if _manquantes:
    raise referentiels.ReferentielInvalide(
        referentiels.chemin(referentiels.ENTETE_ANNUAIRE),
        f"colonne(s) lue(s) par le rapprochement absente(s) : {', '.join(_manquantes)}")
