"""The DLU of an EHPAD resident as a structured CDA R2 (model CI-SIS DLU-EHPAD-DLU_2022.01, templateId
1.2.250.1.213.1.1.1.22): sections and entries follow the model (facts: the kit's schematrons and its official
example), filled from the form (`CHAMPS`) and Socle's data.

Free text typed by the nurse (antécédents, allergies, traitements) goes into the narrative block, one line per
item, and each coded entry points at its line (`originalText/reference`) with a null code (`nullFlavor="OTH"`):
Socle does not guess a CIM-10 or CIS code from a free text. The checklists (état du patient, documents annexés)
are coded from their value sets (JDV_ObservationEtatPatient_CISIS, JDV_ChecklistDLU_CISIS)."""

from __future__ import annotations

import uuid

from lxml import etree

from .entete import concepts, el, entete, horodatage, xsi_type

TEMPLATE_DLU = ("1.2.250.1.213.1.1.1.22", "2022.01")
LOINC = "2.16.840.1.113883.6.1"
SNOMED = "2.16.840.1.113883.6.96"

# What the form asks (field → label); the checklists come from their value sets.
CHAMPS = {
    "medecin_nom": "Médecin traitant (nom et prénom)",
    "medecin_telephone": "Téléphone du médecin traitant",
    "medecin_rpps": "RPPS du médecin traitant (11 chiffres, si connu)",
    "personne_confiance": "Personne de confiance (nom, lien, téléphone)",
    "contacts": "Autres personnes à prévenir",
    "directives_anticipees": "Directives anticipées rédigées",
    "directives_lieu": "Où trouver les directives anticipées",
    "soins_palliatifs": "Soins palliatifs en cours",
    "antecedents": "Antécédents (un par ligne)",
    "allergies": "Allergies et intolérances (une par ligne)",
    "traitements": "Traitements en cours (un par ligne)",
    "autonomie_deplacement": "Autonomie pour les déplacements",
    "poids": "Poids (kg)",
    "tension_systolique": "Tension artérielle systolique (mmHg)",
    "tension_diastolique": "Tension artérielle diastolique (mmHg)",
    "temperature": "Température (°C)",
    "date_constantes": "Date des dernières constantes",
    "bmr": "Porteur d'une bactérie multirésistante (BMR)",
    "etablissement_prefere": "Établissement de santé de préférence",
    "commentaire": "Commentaire",
}
AUTONOMIE = {
    "autonome": "Autonome",
    "aide": "Avec aide (canne, déambulateur, tierce personne)",
    "fauteuil": "En fauteuil roulant",
    "alite": "Alité",
}
OUI_NON = {"oui": "Oui", "non": "Non", "": "Non renseigné"}


def observations_etat() -> dict[str, str]:
    """code → libellé of JDV_ObservationEtatPatient_CISIS (the 15 items of the DLU's checklist)."""
    return {c: v[1] for c, v in concepts("JDV_ObservationEtatPatient_CISIS.xml").items()}


def documents_annexes() -> dict[str, str]:
    return {c: v[1] for c, v in concepts("JDV_ChecklistDLU_CISIS.xml").items()}


def _uid() -> str:
    return str(uuid.uuid4()).upper()


def _lignes(texte: str) -> list[str]:
    return [ligne.strip() for ligne in (texte or "").splitlines() if ligne.strip()]


class _Section:
    def __init__(self, corps, templates: list[str], code: str, libelle: str, titre: str):
        self.section = el(el(corps, "component"), "section")
        for t in templates:
            el(self.section, "templateId", root=t)
        el(self.section, "id", root=_uid())
        el(self.section, "code", code=code, displayName=libelle, codeSystem=LOINC, codeSystemName="LOINC")
        el(self.section, "title", titre)
        self.texte = el(self.section, "text")
        self.n = 0

    def ligne(self, prefixe: str, contenu: str) -> str:
        """A paragraph of the narrative block with an ID, returned as '#ID' for a reference."""
        self.n += 1
        ident = f"{prefixe}-{self.n}"
        el(el(self.texte, "paragraph"), "content", contenu, ID=ident)
        return f"#{ident}"

    def entree(self, tag: str, **attrs):
        return el(el(self.section, "entry"), tag, **attrs)


def _texte_ref(parent, ref: str) -> None:
    el(el(parent, "text"), "reference", value=ref)


def _preference(corps, document, c: dict) -> None:
    s = _Section(
        corps,
        ["1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10", "1.2.250.1.213.1.1.2.172"],
        "11302-7",
        "Etablissement de santé de préférence",
        "Etablissement de santé de préférence",
    )
    nom = c.get("etablissement_prefere") or "Non précisé"
    ref = s.ligne("pref", nom)
    act = s.entree("act", classCode="ACT", moodCode="INT")
    el(act, "templateId", root="1.3.6.1.4.1.19376.1.5.3.1.1.10.4.2")
    el(act, "templateId", root="1.2.250.1.213.1.1.3.97")
    el(act, "id", root=_uid())
    el(
        act,
        "code",
        code="11302-7",
        displayName="Etablissement de santé de préférence",
        codeSystem=LOINC,
        codeSystemName="LOINC",
    )
    _texte_ref(act, ref)
    el(act, "statusCode", code="normal")
    el(act, "effectiveTime", nullFlavor="NAV")
    for type_code in ("RCV", "ORG", "DST"):
        p = el(act, "participant", typeCode=type_code)
        el(p, "time", nullFlavor="NAV")
        role = el(p, "participantRole", classCode="ROL")
        el(role, "id", nullFlavor="UNK")
        el(role, "addr", nullFlavor="UNK")
        el(role, "telecom", nullFlavor="UNK")
        el(el(role, "playingEntity"), "name", nom)


def _probleme(
    corps,
    lignes: list[str],
    *,
    templates,
    code,
    libelle,
    titre,
    prefixe,
    tid_act,
    tid_obs,
    allergie: bool = False,
) -> None:
    s = _Section(corps, templates, code, libelle, titre)
    for texte in lignes:
        ref = s.ligne(prefixe, texte)
        act = s.entree("act", classCode="ACT", moodCode="EVN")
        for t in ("2.16.840.1.113883.10.20.1.27", "1.3.6.1.4.1.19376.1.5.3.1.4.5.1", *tid_act):
            el(act, "templateId", root=t)
        el(act, "id", root=_uid())
        el(act, "code", nullFlavor="NA")
        el(act, "statusCode", code="completed" if not allergie else "active")
        periode = el(act, "effectiveTime")
        el(periode, "low", nullFlavor="UNK")
        if not allergie:
            el(periode, "high", nullFlavor="UNK")
        rel = el(act, "entryRelationship", typeCode="SUBJ", inversionInd="false")
        obs = el(rel, "observation", classCode="OBS", moodCode="EVN")
        if allergie:
            for t in (
                "2.16.840.1.113883.10.20.1.18",
                "2.16.840.1.113883.10.20.1.28",
                "1.3.6.1.4.1.19376.1.5.3.1.4.5",
                "1.3.6.1.4.1.19376.1.5.3.1.4.6",
                *tid_obs,
            ):
                el(obs, "templateId", root=t)
        else:
            for t in ("2.16.840.1.113883.10.20.1.28", "1.3.6.1.4.1.19376.1.5.3.1.4.5", *tid_obs):
                el(obs, "templateId", root=t)
        el(obs, "id", root=_uid())
        if allergie:
            el(
                obs,
                "code",
                code="420134006",
                displayName="réaction d'hypersensibilité",
                codeSystem=SNOMED,
                codeSystemName="SNOMED CT",
            )
        else:
            el(
                obs,
                "code",
                code="282291009",
                displayName="interprétation diagnostique",
                codeSystem=SNOMED,
                codeSystemName="SNOMED CT",
            )
        _texte_ref(obs, ref)
        el(obs, "statusCode", code="completed")
        periode = el(obs, "effectiveTime")
        el(periode, "low", nullFlavor="UNK")
        valeur = xsi_type(el(obs, "value", nullFlavor="OTH"), "CD")
        el(el(valeur, "originalText"), "reference", value=ref)


def _traitements(corps, lignes: list[str]) -> None:
    s = _Section(
        corps,
        ["2.16.840.1.113883.10.20.1.8", "1.3.6.1.4.1.19376.1.5.3.1.3.19", "1.2.250.1.213.1.1.2.143"],
        "10160-0",
        "Historique de la prise médicamenteuse",
        "Traitements en cours",
    )
    if not lignes:
        s.ligne("trt", "Aucun traitement en cours")
    for texte in lignes:
        ref = s.ligne("trt", texte)
        sa = s.entree("substanceAdministration", classCode="SBADM", moodCode="INT")
        for t in (
            "2.16.840.1.113883.10.20.1.24",
            "1.3.6.1.4.1.19376.1.5.3.1.4.7",
            "1.2.250.1.213.1.1.3.42",
            "1.3.6.1.4.1.19376.1.5.3.1.4.7.1",
        ):
            el(sa, "templateId", root=t)
        el(sa, "id", root=_uid())
        _texte_ref(sa, ref)
        el(sa, "statusCode", code="completed")
        periode = xsi_type(el(sa, "effectiveTime"), "IVL_TS")
        el(periode, "low", nullFlavor="UNK")
        el(periode, "high", nullFlavor="UNK")
        el(sa, "doseQuantity", nullFlavor="UNK")
        produit = el(el(sa, "consumable", typeCode="CSM"), "manufacturedProduct")
        for t in (
            "2.16.840.1.113883.10.20.1.53",
            "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
            "1.2.250.1.213.1.1.3.43",
        ):
            el(produit, "templateId", root=t)
        matiere = el(produit, "manufacturedMaterial", classCode="MMAT")
        code = el(matiere, "code", nullFlavor="OTH")
        el(el(code, "originalText"), "reference", value=ref)
        el(matiere, "name", texte[:200])


def _procedure(s: _Section, ref: str, *, code: tuple[str, str] | None, negation: bool | None):
    proc = s.entree(
        "procedure",
        classCode="PROC",
        moodCode="EVN",
        negationInd=None if negation is None else ("true" if negation else "false"),
    )
    for t in ("1.3.6.1.4.1.19376.1.5.3.1.4.19", "2.16.840.1.113883.10.20.1.29", "1.2.250.1.213.1.1.3.62"):
        el(proc, "templateId", root=t)
    el(proc, "id", root=_uid())
    if code:
        el(proc, "code", code=code[0], displayName=code[1], codeSystem=SNOMED, codeSystemName="SNOMED CT")
    else:
        el(proc, "code", nullFlavor="NA")
    _texte_ref(proc, ref)
    el(proc, "statusCode", code="completed")
    el(proc, "effectiveTime", nullFlavor="UNK")
    return proc


def _palliatifs_et_directives(corps, c: dict) -> None:
    s = _Section(
        corps,
        ["2.16.840.1.113883.10.20.1.10", "1.3.6.1.4.1.19376.1.5.3.1.3.36", "1.2.250.1.213.1.1.2.158"],
        "18776-5",
        "Plan de soins",
        "Soins palliatifs",
    )
    oui = c.get("soins_palliatifs") == "oui"
    ref = s.ligne("pal", "Soins palliatifs en cours" if oui else "Pas de soins palliatifs en cours")
    _procedure(s, ref, code=("103735009", "Soins palliatifs"), negation=not oui)
    s = _Section(
        corps,
        [
            "2.16.840.1.113883.10.20.1.1",
            "1.3.6.1.4.1.19376.1.5.3.1.3.34",
            "1.3.6.1.4.1.19376.1.5.3.1.3.35",
            "1.2.250.1.213.1.1.2.157",
        ],
        "42348-3",
        "Directives anticipées",
        "Directives anticipées",
    )
    redigees = c.get("directives_anticipees") == "oui"
    texte = "Directives anticipées rédigées" if redigees else "Pas de directives anticipées connues"
    if redigees and c.get("directives_lieu"):
        texte += f" : {c['directives_lieu']}"
    ref = s.ligne("da", texte)
    obs = s.entree("observation", classCode="OBS", moodCode="EVN")
    for t in (
        "2.16.840.1.113883.10.20.1.17",
        "1.3.6.1.4.1.19376.1.5.3.1.4.13",
        "1.3.6.1.4.1.19376.1.5.3.1.4.13.7",
        "1.2.250.1.213.1.1.3.54",
    ):
        el(obs, "templateId", root=t)
    el(obs, "id", root=_uid())
    el(
        obs,
        "code",
        code="42348-3",
        displayName="Directives anticipées",
        codeSystem=LOINC,
        codeSystemName="LOINC",
    )
    _texte_ref(obs, ref)
    el(obs, "statusCode", code="completed")
    periode = el(obs, "effectiveTime")
    el(periode, "low", nullFlavor="UNK")
    el(periode, "high", nullFlavor="UNK")
    xsi_type(el(obs, "value", value="true" if redigees else "false"), "BL")
    if redigees:
        reference = el(obs, "reference", typeCode="REFR")
        el(reference, "templateId", root="2.16.840.1.113883.10.20.1.36")
        ext = el(reference, "externalDocument", classCode="DOC", moodCode="EVN")
        el(ext, "id", root=_uid())
        _texte_ref(ext, ref)


def _observation_bl(
    s: _Section,
    ref: str,
    code: str,
    libelle: str,
    valeur: bool | None,
    *,
    systeme: str = SNOMED,
    nom_systeme: str = "SNOMED CT",
) -> None:
    obs = s.entree("observation", classCode="OBS", moodCode="EVN")
    el(obs, "templateId", root="1.3.6.1.4.1.19376.1.5.3.1.4.13")
    el(obs, "templateId", root="1.2.250.1.213.1.1.3.48")
    el(obs, "id", root=_uid())
    el(obs, "code", code=code, displayName=libelle, codeSystem=systeme, codeSystemName=nom_systeme)
    _texte_ref(obs, ref)
    el(obs, "statusCode", code="completed")
    el(obs, "effectiveTime", nullFlavor="NA")
    if valeur is None:
        xsi_type(el(obs, "value", nullFlavor="UNK"), "BL")
    else:
        xsi_type(el(obs, "value", value="true" if valeur else "false"), "BL")


def _etat(corps, c: dict) -> None:
    s = _Section(
        corps,
        ["1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9", "1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "1.2.250.1.213.1.1.2.163"],
        "42545-4",
        "Evènements observés",
        "État du patient",
    )
    coches = set(c.get("etat", []))
    for code, libelle in observations_etat().items():
        present = code in coches
        ref = s.ligne("etat", f"{libelle} : {'oui' if present else 'non'}")
        _observation_bl(s, ref, code, libelle, present)
    autonomie = AUTONOMIE.get(c.get("autonomie_deplacement", ""), "")
    if autonomie:
        s.ligne("autonomie", f"Déplacements : {autonomie}")
    constantes = []
    for cle, libelle, unite in (
        ("poids", "Poids", "kg"),
        ("tension_systolique", "Tension systolique", "mmHg"),
        ("tension_diastolique", "Tension diastolique", "mmHg"),
        ("temperature", "Température", "°C"),
    ):
        if c.get(cle):
            constantes.append(f"{libelle} {c[cle]} {unite}")
    if constantes:
        quand = c.get("date_constantes", "")
        if len(quand) == 10 and quand[4] == "-":
            quand = f"{quand[8:10]}/{quand[5:7]}/{quand[:4]}"
        s.ligne(
            "constantes",
            f"Dernières constantes{f' (le {quand})' if quand else ''} : " + ", ".join(constantes),
        )


def _bmr(corps, c: dict) -> None:
    s = _Section(
        corps,
        ["1.3.6.1.4.1.19376.1.5.3.1.3.27", "1.3.6.1.4.1.19376.1.5.3.1.3.28", "1.2.250.1.213.1.1.2.151"],
        "30954-2",
        "Résultats d'examens",
        "Résultats d'examens",
    )
    valeur = {"oui": True, "non": False}.get(c.get("bmr", ""))
    ref = s.ligne(
        "bmr", f"Bactérie multirésistante (BMR) : {OUI_NON.get(c.get('bmr', ''), 'Non renseigné').lower()}"
    )
    _procedure(s, ref, code=None, negation=None)
    _observation_bl(
        s,
        ref,
        "U83.71",
        "Bactérie multirésistante [BMR]",
        valeur,
        systeme="2.16.840.1.113883.6.3",
        nom_systeme="CIM-10",
    )


def _commentaire(corps, c: dict) -> None:
    lignes = []
    for cle in ("personne_confiance", "contacts", "commentaire"):
        if c.get(cle):
            lignes.append(f"{CHAMPS[cle]} : {c[cle]}")
    if not lignes:
        return
    s = _Section(
        corps,
        ["2.16.840.1.113883.10.12.201", "1.3.6.1.4.1.19376.1.4.1.2.16", "1.2.250.1.213.1.1.2.73"],
        "55112-7",
        "Commentaire",
        "Informations complémentaires",
    )
    for ligne in lignes:
        s.ligne("com", ligne)


def _documents_ajoutes(corps, c: dict) -> None:
    s = _Section(
        corps,
        ["1.2.250.1.213.1.1.2.37"],
        "55107-7",
        "Documents ajoutés",
        "Checklist des documents annexés au DLU",
    )
    joints = set(c.get("documents_annexes", []))
    for code, libelle in documents_annexes().items():
        s.ligne("doc", f"{libelle} : {'oui' if code in joints else 'non'}")


def construire_dlu(document) -> bytes:
    c = document.contenu or {}
    racine = entete(
        document,
        template=TEMPLATE_DLU,
        titre="Dossier de liaison d'urgence",
        service=("34117-2", "Historique et clinique"),
        medecin={
            "nom": c.get("medecin_nom", ""),
            "telephone": c.get("medecin_telephone", ""),
            "rpps": c.get("medecin_rpps", ""),
        },
    )
    corps = el(el(racine, "component"), "structuredBody")
    _preference(corps, document, c)
    antecedents = _lignes(c.get("antecedents", ""))
    if antecedents:
        _probleme(
            corps,
            antecedents,
            templates=["1.3.6.1.4.1.19376.1.5.3.1.3.8", "1.2.250.1.213.1.1.2.134"],
            code="11348-0",
            libelle="Antécédents médicaux",
            titre="Antécédents médicaux",
            prefixe="ant",
            tid_act=["1.3.6.1.4.1.19376.1.5.3.1.4.5.2", "1.2.250.1.213.1.1.3.39"],
            tid_obs=["1.2.250.1.213.1.1.3.37"],
        )
    allergies = _lignes(c.get("allergies", ""))
    if allergies:
        _probleme(
            corps,
            allergies,
            templates=[
                "2.16.840.1.113883.10.20.1.2",
                "1.3.6.1.4.1.19376.1.5.3.1.3.13",
                "1.2.250.1.213.1.1.2.137",
            ],
            code="48765-2",
            libelle="Allergies et hypersensibilités",
            titre="Allergies et intolérances",
            prefixe="all",
            tid_act=["1.3.6.1.4.1.19376.1.5.3.1.4.5.3", "1.2.250.1.213.1.1.3.40"],
            tid_obs=["1.2.250.1.213.1.1.3.41"],
            allergie=True,
        )
    _traitements(corps, _lignes(c.get("traitements", "")))
    _palliatifs_et_directives(corps, c)
    _etat(corps, c)
    _bmr(corps, c)
    _commentaire(corps, c)
    _documents_ajoutes(corps, c)
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8")


__all__ = ["CHAMPS", "construire_dlu", "horodatage"]
