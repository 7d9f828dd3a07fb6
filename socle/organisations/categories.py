"""FINESS establishment categories (NOS TRE_R66, same codes in TRE_R397), medico-social subset.

Codes and labels are facts of the nomenclature (source: ../shared/data/nos/TRE_R66_categories_medico_sociales.csv,
read from the ANS "Terminologies de santé" IG). The default tutelle is the usual authorising authority of the
category (CASF L313-3): ARS alone, conseil départemental (CD) alone, or both (conjointe); an OG can override it
per establishment.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Categorie:
    code: str
    libelle: str
    sigle: str = ""
    tutelle: str = ""  # "ARS", "CD", "conjointe" or "" (unknown / other)
    deprecated_by: str = ""  # replacement code when the category is deprecated


_C = Categorie
CATEGORIES: dict[str, Categorie] = {
    c.code: c
    for c in [
        _C("500", "Etablissement d'hébergement pour personnes âgées dépendantes", "EHPAD", "conjointe"),
        _C("501", "EHPA percevant des crédits d'assurance maladie", "EHPA", "conjointe"),
        _C("502", "EHPA ne percevant pas des crédits d'assurance maladie", "EHPA", "CD"),
        _C("202", "Résidences autonomie", "RA", "CD"),
        _C("207", "Centre de jour pour personnes âgées", "CAJ", "conjointe"),
        _C("354", "Service de soins infirmiers à domicile (SSIAD)", "SSIAD", "ARS"),
        _C("209", "Service autonomie aide et soins (SAAS)", "SAAS", "conjointe"),
        _C("460", "Service autonomie aide (SAA)", "SAAD", "CD"),
        _C("640", "Service d'aide et d'accompagnement à domicile aux familles (SAADF)", "SAADF", "CD"),
        _C("463", "Centre local d'information et de coordination de personnes âgées (CLIC)", "CLIC", "CD"),
        _C("183", "Institut médico-éducatif (IME)", "IME", "ARS"),
        _C("182", "Service d'éducation spéciale et de soins à domicile (SESSAD)", "SESSAD", "ARS"),
        _C("186", "Institut thérapeutique éducatif et pédagogique (ITEP)", "ITEP", "ARS"),
        _C("188", "Etablissement pour enfants ou adolescents polyhandicapés", "EEAP", "ARS"),
        _C("189", "Centre médico-psycho-pédagogique (CMPP)", "CMPP", "ARS"),
        _C("190", "Centre action médico-sociale précoce (CAMSP)", "CAMSP", "conjointe"),
        _C("192", "Institut d'éducation motrice", "IEM", "ARS"),
        _C("194", "Institut pour déficients visuels", "IDV", "ARS"),
        _C("195", "Institut pour déficients auditifs", "IDA", "ARS"),
        _C("196", "Institut d'éducation sensorielle sourd-aveugle", "IESSA", "ARS"),
        _C("238", "Centre d'accueil familial spécialisé", "CAFS", "ARS"),
        _C("390", "Etablissement d'accueil temporaire d'enfants handicapés", "", "ARS"),
        _C("396", "Foyer d'hébergement pour enfants et adolescents handicapés", "", "ARS"),
        _C("402", "Jardin d'enfants spécialisé", "JES", "ARS"),
        _C("246", "Etablissement et service d'aide par le travail (ESAT)", "ESAT", "ARS"),
        _C("247", "Entreprise adaptée", "EA", ""),
        _C("249", "Établissement et Service de Réadaptation Professionnelle", "ESRP", "ARS"),
        _C("198", "Établissement et Service de Préorientation", "ESPO", "ARS"),
        _C("464", "Unité d'évaluation, de réentraînement et d'orientation sociale et-ou professionnelle (UEROS)", "UEROS", "ARS"),
        _C("255", "Maison d'accueil spécialisée (MAS)", "MAS", "ARS"),
        _C("448", "Etablissement d'Accueil Médicalisé en tout ou partie personnes handicapées (EAM)", "EAM", "conjointe"),
        _C("449", "Etablissement d'Accueil Non Médicalisé pour personnes handicapées (EANM)", "EANM", "CD"),
        _C("437", "Foyer d'accueil médicalisé pour adultes handicapés (FAM)", "FAM", "conjointe", "448"),
        _C("252", "Foyer d'hébergement d'adultes handicapés", "FH", "CD", "449"),
        _C("253", "Foyer d'accueil polyvalent pour adultes handicapés", "FAP", "conjointe", "448 ou 449"),
        _C("382", "Foyer de vie pour adultes handicapés", "FV", "CD"),
        _C("395", "Etablissement d'accueil temporaire pour adultes handicapés", "", "conjointe"),
        _C("445", "Service d'accompagnement médico-social pour adultes handicapés (SAMSAH)", "SAMSAH", "conjointe"),
        _C("446", "Service d'accompagnement à la vie sociale (SAVS)", "SAVS", "CD"),
        _C("242", "Service d'Activité de Jour", "SAJ", "CD"),
        _C("370", "Etablissement Expérimental pour personnes handicapées", "", ""),
        _C("377", "Etablissement expérimental pour enfance handicapée", "", ""),
        _C("379", "Etablissement expérimental pour adultes handicapés", "", ""),
        _C("381", "Etablissement expérimental pour personnes âgées", "", ""),
        _C("461", "Centres de ressources SAI (sans aucune indication)", "CR", "ARS"),
        _C("462", "Lieux de Vie et d'Accueil", "LVA", "CD"),
        _C("221", "Bureau d'aide psychologique universitaire (BAPU)", "BAPU", "ARS"),
        _C("165", "Appartement de coordination thérapeutique (ACT)", "ACT", "ARS"),
        _C("178", "Centre d'accueil et d'accompagnement à la réduction des risques pour usagers de drogues (CAARUD)", "CAARUD", "ARS"),
        _C("180", "Lits halte soins santé (LHSS)", "LHSS", "ARS"),
        _C("213", "Lits d'accueil médicalisés (L.A.M.)", "LAM", "ARS"),
        _C("197", "Centre de soins d'accompagnement et de prévention en addictologie (CSAPA)", "CSAPA", "ARS"),
        _C("214", "Centre d'hébergement et de réinsertion sociale (CHRS)", "CHRS", ""),
        _C("443", "Centre d'accueil de demandeurs d'asile (CADA)", "CADA", ""),
        _C("442", "Centre provisoire d'hébergement", "CPH", ""),
        _C("444", "Centre de crise et d'accueil permanent", "", ""),
        _C("166", "Centre Parents-Enfants de moins de 3 ans", "", "CD"),
        _C("172", "Pouponnière à caractère social", "", "CD"),
        _C("175", "Foyer de l'enfance", "", "CD"),
        _C("176", "Village d'enfants", "", "CD"),
        _C("177", "Maison d'enfants à caractère social (MECS)", "MECS", "CD"),
        _C("236", "Service de placement familial (SPF)", "SPF", "CD"),
        _C("295", "Service AEMO et AED", "AEMO", "CD"),
        _C("340", "Service mandataire judiciaire à la protection des majeurs", "MJPM", ""),
        _C("341", "Service dédié aux mesures d'accompagnement social personnalisé", "MASP", "CD"),
        _C("608", "Equipe mobile médico-sociale précarité (EMMSP)", "EMMSP", "ARS"),
        _C("606", "Dispositif d'appui à la coordination (DAC)", "DAC", "ARS"),
    ]
}


def libelle_categorie(code: str, fallback: str = "") -> str:
    cat = CATEGORIES.get(code)
    if cat:
        return cat.libelle
    return fallback or f"Catégorie {code} (hors champ médico-social, libellé non référencé)"
