"""Layout of the ANS "PS_LibreAcces_Personne_activite" extract (format fact, not data).

One header line, `|`-separated, UTF-8, every line ends with `|`, one line per (person × activity).
"""

from __future__ import annotations

from pathlib import Path

ENTETE = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|"
    "Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|"
    "Code type savoir-faire|Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|"
    "Code mode exercice|Libellé mode exercice|Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|"
    "Numéro FINESS établissement juridique|Identifiant technique de la structure|Raison sociale site|"
    "Enseigne commerciale site|Complément destinataire (coord. structure)|"
    "Complément point géographique (coord. structure)|Numéro Voie (coord. structure)|"
    "Indice répétition voie (coord. Structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|"
    "Mention distribution (coord. structure)|Bureau cedex (coord. structure)|Code postal (coord. structure)|"
    "Code commune (coord. structure)|Libellé commune (coord. structure)|Code pays (coord. structure)|"
    "Libellé pays (coord. structure)|Téléphone (coord. structure)|Téléphone 2 (coord. structure)|"
    "Télécopie (coord. structure)|Adresse e-mail (coord. structure)|Code département (coord. structure)|"
    "Libellé département (coord. structure)|Ancien identifiant de la structure|Autorité d'enregistrement|"
    "Code secteur d'activité|Libellé secteur d'activité|Code section tableau pharmaciens|"
    "Libellé section tableau pharmaciens|Code fonction|Libellé fonction|Code genre d'activité|"
    "Libellé genre d'activité|"
)
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

NOM_FICHIER_ENTETE = "PS_LibreAcces_Personne_activite.header.txt"


def entete_partagee() -> Path | None:
    """The header file of ../shared/data/annuaire (settings.SHARED_DIR), when this installation has it; outside
    Django (the benchmark's generator process) the embedded header, identical to it, is used."""
    from django.conf import settings

    if not settings.configured:
        return None
    chemin = Path(settings.SHARED_DIR) / "data" / "annuaire" / NOM_FICHIER_ENTETE
    return chemin if chemin.exists() else None
