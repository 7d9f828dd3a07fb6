"""Conduite à tenir per anomaly type — short French guides in the spirit of an identitovigilance "fiche
pratique": what to check, which document, whom to ask."""

CONDUITES: dict[str, dict] = {
    "non_trouvee": {
        "titre": "Identité non trouvée par INSi",
        "verifier": "Relire les traits avec la personne ou sa famille : nom de NAISSANCE (pas le nom d'usage), "
                    "tous les prénoms de l'acte dans l'ordre, date et lieu de naissance.",
        "document": "Passeport ou carte d'identité ; à défaut extrait d'acte de naissance ou livret de famille.",
        "contacter": "La famille ou le tuteur ; si la personne est née à l'étranger et sans NIR, la CPAM "
                     "(immatriculation en cours : l'identité reste provisoire ou validée).",
        "ensuite": "Corriger les traits puis relancer l'appel depuis l'écran « Qualifier l'identité ».",
    },
    "plusieurs": {
        "titre": "Plusieurs identités trouvées",
        "verifier": "Les traits envoyés sont trop peu discriminants (homonymes nés le même jour).",
        "document": "Pièce d'identité pour obtenir le lieu de naissance exact (code INSEE de la commune).",
        "contacter": "La personne ou sa famille pour le lieu de naissance.",
        "ensuite": "Saisir le lieu de naissance puis relancer l'appel. Ne jamais choisir une identité au hasard.",
    },
    "ecart": {
        "titre": "Écart entre les traits saisis et les traits INSi",
        "verifier": "Comparer champ par champ (nom, sexe, date) : erreur de saisie locale ou mauvaise personne ?",
        "document": "Pièce d'identité à haut niveau de confiance (passeport, CNI, titre de séjour).",
        "contacter": "Le référent identitovigilance de l'établissement si le doute persiste (identité douteuse).",
        "ensuite": "Si la pièce confirme INSi, accepter l'identité INSi depuis l'écran de qualification ; "
                   "sinon rejeter et laisser l'identité provisoire.",
    },
    "commune": {
        "titre": "Lieu de naissance différent (commune nouvelle ?)",
        "verifier": "Le code INSEE saisi est souvent celui de la commune actuelle : INSi renvoie le code valable "
                    "à la date de naissance (commune fusionnée depuis dans une commune nouvelle).",
        "document": "Pièce d'identité ou acte de naissance (commune de naissance d'origine).",
        "contacter": "Aucun contact en général : vérifier le code officiel géographique (COG) de l'INSEE à la date "
                     "de naissance.",
        "ensuite": "Accepter le code renvoyé par INSi (ne pas le « mettre à jour » vers la commune nouvelle).",
    },
    "prenoms": {
        "titre": "Liste des prénoms différente",
        "verifier": "Tous les prénoms de l'acte de naissance, dans l'ordre, avec les traits d'union des prénoms "
                    "composés ; le prénom usuel n'est pas forcément le premier.",
        "document": "Pièce d'identité (tous les prénoms y figurent) ou extrait d'acte de naissance.",
        "contacter": "La personne ou sa famille.",
        "ensuite": "Saisir la liste complète puis relancer ; le prénom d'usage va dans « prénom utilisé ».",
    },
    "cle": {
        "titre": "Clé du matricule INS invalide",
        "verifier": "Réponse anormale du téléservice : ne pas utiliser ce matricule.",
        "document": "—",
        "contacter": "Le support de l'éditeur / le service informatique (signalement au GIE SESAM-Vitale / CNAM).",
        "ensuite": "Relancer l'appel plus tard.",
    },
    "technique": {
        "titre": "Erreur technique",
        "verifier": "Certificat INSI-AUTO / INSI-MANU valide et installé, accès réseau au téléservice, "
                    "autorisation CNDA du logiciel.",
        "document": "—",
        "contacter": "Le responsable informatique de l'organisme ; si l'erreur persiste, le support CNAM.",
        "ensuite": "Relancer un lot : les personnes en erreur technique sont reprises.",
    },
    "interrompu": {
        "titre": "Appel interrompu",
        "verifier": "Le traitement s'est arrêté pendant l'appel : la réponse n'a pas été enregistrée. Pour ne "
                    "jamais appeler deux fois, la personne n'est pas rappelée automatiquement.",
        "document": "—",
        "contacter": "—",
        "ensuite": "Relancer l'appel pour cette personne depuis l'écran « Qualifier l'identité ».",
    },
    "incomplet": {
        "titre": "Traits incomplets",
        "verifier": "Il manque un trait obligatoire (nom de naissance, prénom, date, sexe F/M).",
        "document": "Pièce d'identité.",
        "contacter": "La personne ou sa famille.",
        "ensuite": "Compléter la fiche puis relancer l'appel.",
    },
}


def conduite(type_anomalie: str) -> dict:
    return CONDUITES.get(type_anomalie, CONDUITES["ecart"])
