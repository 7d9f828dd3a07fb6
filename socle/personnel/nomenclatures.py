"""NOS nomenclatures used by the RPPS+ registration of social and medico-social professionals.

Codes are the keys (labels can change). Sources: IG "Terminologies de santé" (ANS), value sets JDV_J121
(rôles TRE_R85 "ENREG"), JDV_J116 (genres d'activité TRE_R22), TRE_R23 (modes d'exercice), JDV_J118
(catégories professionnelles), TRE_R291 (profession 99). The tables Socle vendors (rôles, genres, modes
d'exercice) are loaded from socle/referentiels (see its SOURCE.md); the small ones below are not published as
files there.
"""

import re
from functools import lru_cache

from socle import referentiels
from socle.core.texte import sans_accents

# TRE_R85 RolePriseCharge restricted to JDV_J121_RolePriseCharge_ENREG (the rôles RPPS+ accepts).
ROLES: dict[str, str] = dict(referentiels.roles_enregistrement())

# JDV_J116: genres d'activité accepted for a "professionnel à rôle" (TRE_R22), by code.
GENRES: dict[str, str] = {g.code: g.libelle for g in sorted(referentiels.genres_activite(), key=lambda g: g.code)
                          if g.rpps_plus}
# Socle's short labels for tables and filters (shorter than TRE_R22's own "libelle_court").
GENRES_COURTS = {
    "GENR01": "Soignant", "GENR08": "Coordination et orientation", "GENR09": "Administratif",
    "GENR10": "Accompagnement vie sociale", "GENR11": "Accompagnement au soin", "GENR12": "Encadrement",
    "GENR13": "Médico-administratif", "GENR99": "Autre",
}
# The seeds' "rôles 1 to 5" (numbering of the field table metiers-roles-grappe.csv).
GENRE_PAR_NUMERO = {1: "GENR09", 2: "GENR10", 3: "GENR12", 4: "GENR11", 5: "GENR08"}

MODES_EXERCICE: dict[str, str] = dict(referentiels.modes_exercice())  # TRE_R23
CATEGORIES_PRO = {"C": "Civil", "M": "Agent public (militaire ou fonction publique)", "E": "Étudiant"}
PROFESSION_ROLE = "99"  # TRE_R291 "Acteur participant au système de santé caractérisé par rôle"
PROFESSIONS = {PROFESSION_ROLE: "Acteur participant au système de santé caractérisé par rôle"}

# Professions already registered in the RPPS by their Ordre or the ARS (TRE_G15 professions de santé,
# psychologues, assistants de service social): never primo-registered through RPPS+; look their number up.
# Keys are normalised words found in a métier title; values the profession's label (TRE_G15 code if any).
PROFESSIONS_DEJA_RPPS = {
    "medecin": "Médecin (G15 10)",
    "pharmacien": "Pharmacien (G15 21)",
    "chirurgien dentiste": "Chirurgien-dentiste (G15 40)",
    "sage femme": "Sage-femme (G15 50)",
    "infirmier": "Infirmier (G15 60)",
    "ide": "Infirmier (G15 60)",
    "idec": "Infirmier coordinateur (G15 60)",
    "puericultrice": "Infirmier puériculteur (G15 60)",
    "puericulteur": "Infirmier puériculteur (G15 60)",
    "kinesitherapeute": "Masseur-kinésithérapeute (G15 70)",
    "pedicure podologue": "Pédicure-podologue (G15 80)",
    "orthophoniste": "Orthophoniste (G15 91)",
    "orthoptiste": "Orthoptiste (G15 92)",
    "psychologue": "Psychologue (G15 93)",
    "neuropsychologue": "Psychologue (G15 93)",
    "ergotherapeute": "Ergothérapeute (G15 94)",
    "dieteticien": "Diététicien (G15 95)",
    "psychomotricien": "Psychomotricien (G15 96)",
    "assistant social": "Assistant de service social",
    "assistant de service social": "Assistant de service social",
}

_FEMININ = [
    (r"\b(\w+)\(e\)", r"\1"), (r"\b(\w+)\(fe\)", r"\1"), (r"\b(\w+)\(sse\)", r"\1"),
    (r"\b(\w+)\(ne\)", r"\1"), (r"\b(\w+)\(ice\)", r"\1"), (r"\b(\w+)\(euse\)", r"\1"),
]
_MOTS_FEMININS = {
    "assistante": "assistant", "accompagnante": "accompagnant", "educatrice": "educateur",
    "directrice": "directeur", "animatrice": "animateur", "monitrice": "moniteur", "cheffe": "chef",
    "surveillante": "surveillant", "maitresse": "maitre", "infirmiere": "infirmier", "sociale": "social",
    "specialisee": "specialise", "mediatrice": "mediateur", "agente": "agent", "adjointe": "adjoint",
    "psychomotricienne": "psychomotricien", "dieteticienne": "dieteticien", "travailleuse": "travailleur",
    "educatrices": "educateur", "educateurs": "educateur", "administrative": "administratif",
    "coordinatrice": "coordinateur", "secretaire": "secretaire", "aide-soignante": "aide soignant",
    "soignante": "soignant", "technicienne": "technicien", "conseillere": "conseiller", "lingere": "linger",
    "puericulteur": "puericultrice", "cuisiniere": "cuisinier", "veilleuse": "veilleur",
}


# Socle's proposal of a TRE_R85 rôle for each métier of the field table (the table only gives the genre).
ROLE_PROPOSE_METIER = {
    "Accompagnant éducatif et social": "328", "Agent administratif": "312", "Aide Médico psychologue": "328",
    "Aide soignant": "313", "Animateur": "368", "Animateur Socio-Educatif": "368", "Assistant(e) Social": "345",
    "Cadre de santé": "312", "Chef(fe) de Service": "312", "Directeur/Directrice": "359",
    "Educateur de jeunes enfants": "325", "Educateur hébergement": "326", "Educateur scolaire": "326",
    "Educateur Spécialisé": "326", "Educateur sportif": "361", "Educateur technique": "327",
    "Maître(sse) de maison": "338", "Médiateur Familial": "321", "Moniteur adjoint animation": "368",
    "Moniteur d'atelier": "345", "Moniteur Educateur": "324", "Puericultrice": "312", "Surveillant de nuit": "367",
    "Travailleur Familial": "319",
}


@lru_cache(maxsize=4096)
def normaliser_metier(titre: str) -> str:
    """Key for tolerant matching of HR job titles: accents, case, punctuation and gender forms ignored.
    "Chef(fe) de Service", "cheffe de service" and "CHEF DE SERVICE" give the same key; so do
    "Directeur/Directrice" and "Directrice"."""
    t = sans_accents(titre or "").lower().strip()
    if "/" in t:  # "Directeur/Directrice": the masculine form before the slash
        t = t.split("/")[0]
    for motif, repl in _FEMININ:
        t = re.sub(motif, repl, t)
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    mots = [_MOTS_FEMININS.get(m, m) for m in t.split()]
    return " ".join(" ".join(mots).split())
