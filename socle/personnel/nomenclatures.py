"""NOS nomenclatures used by the RPPS+ registration of social and medico-social professionals.

Codes are the keys (labels can change). Sources: IG "Terminologies de santé" (ANS), value sets JDV_J121
(rôles TRE_R85 "ENREG"), JDV_J116 (genres d'activité TRE_R22), TRE_R23 (modes d'exercice), JDV_J118
(catégories professionnelles), TRE_R291 (profession 99). See ../shared/data/nos/SOURCE.md.
"""

import re
from functools import lru_cache

from socle.core.texte import sans_accents

# TRE_R85 RolePriseCharge restricted to JDV_J121_RolePriseCharge_ENREG (the rôles RPPS+ accepts).
ROLES = {
    "307": "Mandataire judiciaire à la protection des majeurs (MJPM)",
    "312": "Autre professionnel",
    "313": "Aide-soignant",
    "314": "Ambulancier",
    "315": "Auxiliaire de puériculture",
    "316": "Préparateur en pharmacie hospitalière",
    "317": "Préparateur en pharmacie",
    "319": "Technicien de l'intervention sociale et familiale",
    "320": "Conseiller en économie sociale et familiale",
    "321": "Médiateur familial",
    "322": "Assistant familial",
    "324": "Moniteur éducateur",
    "325": "Educateur de jeunes enfants",
    "326": "Educateur spécialisé",
    "327": "Educateur technique spécialisé",
    "328": "Accompagnant éducatif et social",
    "329": "Conseiller en génétique",
    "330": "Coordonnateur de parcours",
    "331": "Secrétaire assistante médico-administrative",
    "332": "Assistant médical",
    "333": "Responsable de secteur",
    "334": "Biologiste médical ni médecin ni pharmacien",
    "335": "Gestionnaire alertes et urgences sanitaires",
    "336": "Autre professionnel intervenant dans l'accueil et l'orientation des personnes",
    "337": "Autre professionnel intervenant dans la logistique",
    "338": "Autre professionnel intervenant dans l'hôtellerie et la restauration",
    "339": "Autre professionnel intervenant dans la direction de la qualité, hygiène, sécurité et environnement",
    "340": "Autre professionnel intervenant dans la direction des systèmes d'information",
    "341": "Autre professionnel intervenant dans la direction des finances et comptabilité",
    "342": "Autre professionnel intervenant dans la direction de la communication",
    "343": "Autre professionnel intervenant dans la direction des ressources humaines",
    "344": "Autre professionnel intervenant dans la direction des affaires médicales",
    "345": "Autre professionnel intervenant dans le social, éducatif, psychologie et culturel",
    "347": "Etudiant - aide-soignant",
    "348": "Etudiant - auxiliaire de puériculture",
    "349": "Etudiant - masseur-kinésithérapeute",
    "354": "Externe en médecine",
    "355": "Externe en odontologie",
    "356": "Externe en maïeutique",
    "357": "Externe en pharmacie",
    "358": "Autre étudiant",
    "359": "Directeur d'établissement",
    "360": "Brancardier",
    "361": "Educateur en activité physique adaptée",
    "362": "Technicien d'informations médicales",
    "363": "Attaché de recherche clinique",
    "364": "Praticien A Diplôme Hors Union Européenne (PADHUE)",
    "365": "Gestionnaire admissions / frais de séjour / traitement externe",
    "366": "Archiviste",
    "367": "Surveillant de nuit",
    "368": "Animateur",
    "370": "Opérateur de Soins Non Programmés",
    "371": "Aide à domicile qualifié(e)",
    "372": "Aide à domicile",
    "374": "Agent d'autorité d'enregistrement",
    "375": "Conseiller conjugal et familial",
    "376": "PADHUE - Médecin",
    "377": "PADHUE - Pharmacien",
    "378": "PADHUE - Sage Femme",
    "379": "PADHUE - Chirurgien Dentiste",
}

# JDV_J116: genres d'activité accepted for a "professionnel à rôle" (TRE_R22).
GENRES = {
    "GENR01": "Activité de soin et de pharmacie",
    "GENR08": "Coordination et orientation",
    "GENR09": "Administratif ou appui à l'organisation de l'accompagnement social/médico-social",
    "GENR10": "Accompagnement social/médico-social à la vie sociale, professionnelle, éducative",
    "GENR11": "Accompagnement social/médico-social au soin",
    "GENR12": "Encadrement et organisation de l'accompagnement social/médico-social",
    "GENR13": "Activité médico-administrative",
    "GENR99": "Autre activité",
}
GENRES_COURTS = {
    "GENR01": "Soignant", "GENR08": "Coordination et orientation", "GENR09": "Administratif",
    "GENR10": "Accompagnement vie sociale", "GENR11": "Accompagnement au soin", "GENR12": "Encadrement",
    "GENR13": "Médico-administratif", "GENR99": "Autre",
}
# The seeds' "rôles 1 to 5" (numbering of the field table metiers-roles-grappe.csv).
GENRE_PAR_NUMERO = {1: "GENR09", 2: "GENR10", 3: "GENR12", 4: "GENR11", 5: "GENR08"}

MODES_EXERCICE = {"S": "Salarié", "L": "Libéral, indépendant, artisan, commerçant", "B": "Bénévole", "I": "Indirect"}
CATEGORIES_PRO = {"C": "Civil", "M": "Agent public (militaire ou fonction publique)", "E": "Étudiant"}
PROFESSION_ROLE = "99"  # TRE_R291 "Acteur participant au système de santé caractérisé par rôle"
PROFESSIONS = {PROFESSION_ROLE: "Acteur participant au système de santé caractérisé par rôle"}

# Field table of one grappe (2023-2024): (métier, rôle numbered 0-5, genre d'activité). 0 = judged not concerned.
METIERS_GRAPPE = [
    ("Accompagnant éducatif et social", 2, "GENR10"),
    ("Agent administratif", 1, "GENR09"),
    ("Aide Médico psychologue", 0, ""),
    ("Aide soignant", 4, "GENR11"),
    ("Animateur", 2, "GENR10"),
    ("Animateur Socio-Educatif", 2, "GENR10"),
    ("Assistant(e) Social", 2, "GENR10"),
    ("Cadre de santé", 4, "GENR11"),
    ("Chef(fe) de Service", 3, "GENR12"),
    ("Directeur/Directrice", 3, "GENR12"),
    ("Educateur de jeunes enfants", 2, "GENR10"),
    ("Educateur hébergement", 2, "GENR10"),
    ("Educateur scolaire", 2, "GENR10"),
    ("Educateur Spécialisé", 2, "GENR10"),
    ("Educateur sportif", 2, "GENR10"),
    ("Educateur technique", 2, "GENR10"),
    ("Maître(sse) de maison", 0, ""),
    ("Médiateur Familial", 0, ""),
    ("Moniteur adjoint animation", 2, "GENR10"),
    ("Moniteur d'atelier", 2, "GENR10"),
    ("Moniteur Educateur", 2, "GENR10"),
    ("Puericultrice", 4, "GENR11"),
    ("Surveillant de nuit", 0, ""),
    ("Travailleur Familial", 2, "GENR10"),
]

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
