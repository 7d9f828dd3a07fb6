"""RNIV identitovigilance rules as plain functions. Rule ids (R-xx) refer to socle/referentiels/RNIV.md.

Nothing here touches the database: services.py applies these rules and writes the history.
Rules tagged [K] in RNIV.md are implemented as the working choice stated there (see the report)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from socle.core.identifiants import nir_error
from socle.core.naissance import DateLunaire, DateLunaireInvalide
from socle.core.texte import sans_accents

PROV, RECUP, VALI, QUAL = "PROV", "RECUP", "VALI", "QUAL"
STATUTS = (PROV, RECUP, VALI, QUAL)
LIBELLES = {PROV: "Identité provisoire", RECUP: "Identité récupérée", VALI: "Identité validée",
            QUAL: "Identité qualifiée"}

OID_NIR = "1.2.250.1.213.1.4.8"
OID_NIA = "1.2.250.1.213.1.4.9"
OID_NIR_TEST = "1.2.250.1.213.1.4.10"
OID_NIR_DEMO = "1.2.250.1.213.1.4.11"
NATURES_OID = {OID_NIR: "INS-NIR", OID_NIA: "INS-NIA", OID_NIR_TEST: "INS-NIR de test",
               OID_NIR_DEMO: "INS-NIR de démonstration"}

TRAITS_STRICTS = ("nom_naissance", "prenoms_naissance", "premier_prenom", "date_naissance", "sexe", "lieu_naissance")
TRAITS_COMPLEMENTAIRES = ("nom_utilise", "prenom_utilise")
CHAMPS_INS = ("matricule_ins", "cle_ins", "oid_ins")
LIBELLES_TRAITS = {"nom_naissance": "nom de naissance", "prenoms_naissance": "prénoms de naissance",
                   "premier_prenom": "premier prénom", "date_naissance": "date de naissance", "sexe": "sexe",
                   "lieu_naissance": "lieu de naissance", "nom_utilise": "nom utilisé",
                   "prenom_utilise": "prénom utilisé"}


class RegleRniv(Exception):
    """An action refused by an RNIV rule; the message is French and names the rule."""

    def __init__(self, regle: str, message: str):
        super().__init__(f"{message} (règle {regle})")
        self.regle = regle


# --- §1 statuses --------------------------------------------------------------------------------------------

def statut_valide(statut: str) -> bool:
    """[R-ST-01] exactly one of the 4 statuses."""
    return statut in STATUTS


def statut_de(insi: bool, controle: bool) -> str:
    """[R-ST-01][S4] the status is the cross of (retrieved from INSi) × (controlled on a high-trust device)."""
    return {(False, False): PROV, (True, False): RECUP, (False, True): VALI, (True, True): QUAL}[(insi, controle)]


def criteres(statut: str) -> tuple[bool, bool]:
    """(I, C) of a status."""
    return {PROV: (False, False), RECUP: (True, False), VALI: (False, True), QUAL: (True, True)}[statut]


def statut_initial() -> str:
    """[R-ST-02] a new identity typed by hand without document check is provisoire."""
    return PROV


def verifier_attributs(douteuse: bool, fictive: bool, homonyme: bool) -> None:
    """[R-AT-04] fictive excludes douteuse and homonyme; douteuse + homonyme is allowed."""
    if fictive and douteuse:
        raise RegleRniv("R-AT-04", "Une identité ne peut pas être à la fois fictive et douteuse")
    if fictive and homonyme:
        raise RegleRniv("R-AT-04", "Une identité fictive ne peut pas porter l'attribut homonyme")


def attribut_bloquant(douteuse: bool, fictive: bool) -> bool:
    """[R-AT-01][R-AT-02] douteuse or fictive keep the identity provisoire."""
    return douteuse or fictive


def appel_insi_autorise(douteuse: bool, fictive: bool) -> tuple[bool, str]:
    """[R-ST-05][R-AT-03] it must be technically impossible to call INSi for a douteuse / fictive identity."""
    if fictive:
        return False, "Identité fictive : l'appel au téléservice INSi est interdit (règle R-AT-03)."
    if douteuse:
        return False, "Identité douteuse : l'appel au téléservice INSi est interdit (règle R-AT-03)."
    return True, ""


def transition(statut: str, evenement: str, *, douteuse: bool = False, fictive: bool = False,
               sexe: str = "") -> str:
    """New status after an event [R-ST-03][R-ST-04][R-ST-05][R-ST-06].

    Events: "insi_ok" (INSi answered one identity coherent with the traits), "controle_ok" (high-trust device
    checked), "apcv" (identity read from the Appli carte Vitale: qualifiée at once), "insi_perdu" (a new INSi
    search no longer confirms), "controle_perdu" (document not high-trust / not the person's),
    "attribut_bloquant" (douteuse/fictive set), "trait_strict_modifie" (manual change of a strict trait)."""
    if not statut_valide(statut):
        raise RegleRniv("R-ST-01", f"Statut « {statut} » inconnu")
    i, c = criteres(statut)
    if evenement == "attribut_bloquant":
        return PROV  # [R-ST-06][R-AT-06]
    if evenement in ("insi_ok", "controle_ok", "apcv") and attribut_bloquant(douteuse, fictive):
        raise RegleRniv("R-ST-05", "Une identité douteuse ou fictive reste provisoire")
    if evenement == "insi_ok":
        i = True
    elif evenement == "controle_ok":
        c = True
    elif evenement == "apcv":
        i = c = True  # [R-ST-04] ApCV: qualifiée, the only stated exception
    elif evenement == "insi_perdu":
        i = False  # [R-ST-06] QUAL→VALI, RECUP→PROV (RULES §5 choice)
    elif evenement == "controle_perdu":
        c = False
    elif evenement == "trait_strict_modifie":
        i = c = False  # [R-ED-04] the checked document and the INSi answer no longer match the traits
    else:
        raise ValueError(evenement)
    nouveau = statut_de(i, c)
    if nouveau != PROV and sexe and sexe not in ("M", "F"):
        # [R-SX-01] sex I (indéterminé) exists only on a provisoire identity: no way out of PROV with it
        raise RegleRniv("R-SX-01", f"Sexe « {sexe} » : une {LIBELLES[nouveau].lower()} ne peut avoir que le sexe F "
                                   "ou M ; corrigez le sexe avant de contrôler le justificatif ou d'appeler INSi")
    return nouveau


def qualifiee_possible(insi_ok: bool, controle_ok: bool, apcv: bool = False) -> bool:
    """[R-ST-04] qualifiée needs BOTH an INSi success and a high-trust control (or the ApCV)."""
    return apcv or (insi_ok and controle_ok)


# --- §1.3 documents ------------------------------------------------------------------------------------------

# [R-DOC-01] nationals whose CNI is a high-trust device (EU/EEA, CH, LI, NO, IS, VA, MC, SM, AD) — ISO alpha-2.
PAYS_CNI_HAUT_NIVEAU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
    "IS LI NO CH VA MC SM AD".split())
# [R-DOC-01]; CN depends on nationality. IE (eIDAS "substantiel"/"élevé") and CM (carte militaire): validation
# modes listed by FR Core issues #194/#241 (RNIV 2024 new justificatifs, IHE PAM FR 2.11.2).
HAUT_NIVEAU = {"PA", "eCN", "CS", "IN", "AV", "IE", "CM"}
NON_HAUT_NIVEAU = {"LF", "EN", "PC", "CV", "CST", "AU"}  # [R-DOC-02]


@dataclass(frozen=True)
class ContexteControle:
    categorie_etablissement: str = ""  # FINESS category code, 500 = EHPAD
    admission_directe_ehpad: bool = False
    mineur: bool = False
    pays_cni: str = ""  # ISO alpha-2 of the issuing country, always chosen, never defaulted [R-DOC-01]
    mineur_ase: bool = False  # minor in the care of the ASE without an official identity document
    majeur_sans_document: bool = False  # adult who cannot obtain an official identity document


def controle_haut_niveau(type_doc: str, ctx: ContexteControle | None = None) -> tuple[bool, str]:
    """Does checking this document give criterion C? [R-DOC-01][R-DOC-02][R-DOC-03]. Returns (yes, why)."""
    ctx = ctx or ContexteControle()
    if type_doc in HAUT_NIVEAU:
        return True, "Dispositif d'identification à haut niveau de confiance (R-DOC-01)."
    if type_doc == "CN":
        if not ctx.pays_cni:
            return False, "Carte d'identité : le pays qui l'a délivrée n'est pas indiqué (R-DOC-01)."
        if ctx.pays_cni.upper() in PAYS_CNI_HAUT_NIVEAU:
            return True, "Carte d'identité d'un pays de l'UE/EEE, Suisse, Vatican, Monaco, Saint-Marin, Andorre (R-DOC-01)."
        return False, (f"Carte d'identité du pays « {ctx.pays_cni} » : pas de haut niveau de confiance, "
                       "demander le passeport ou le titre de séjour (R-DOC-01).")
    if type_doc == "LECV":
        if ctx.categorie_etablissement == "500" and ctx.admission_directe_ehpad:
            return True, "Exception EHPAD (admission directe) : livret/extrait + carte Vitale avec photo (R-DOC-03)."
        if ctx.mineur and ctx.mineur_ase:
            return True, "Exception mineur confié à l'ASE : extrait d'acte + carte Vitale avec photo (R-DOC-03)."
        if not ctx.mineur and ctx.majeur_sans_document:
            return True, ("Exception majeur ne pouvant obtenir de pièce officielle : extrait d'acte + carte Vitale "
                          "avec photo (R-DOC-03).")
        return False, ("Livret/extrait + carte Vitale avec photo : accepté seulement en admission directe en EHPAD, "
                       "pour un mineur confié à l'ASE ou un majeur ne pouvant obtenir de pièce officielle (R-DOC-03).")
    if type_doc in ("AN", "CC"):
        if ctx.mineur:
            return True, "Exception mineur : acte de naissance + pièce d'un parent, ou document de circulation (R-DOC-03)."
        return False, "Exception réservée aux mineurs (R-DOC-03)."
    if type_doc in NON_HAUT_NIVEAU:
        return False, "Ce document seul n'est pas un dispositif à haut niveau de confiance (R-DOC-02)."
    return False, "Document inconnu."


def controle_complet(type_doc: str, verifie_par: str, verifie_le) -> list[str]:
    """[R-DOC-04] a control is only recorded with its document type, who checked it and when."""
    manque = []
    if not type_doc:
        manque.append("type de justificatif")
    if not verifie_par:
        manque.append("professionnel ayant vérifié")
    if not verifie_le:
        manque.append("date du contrôle")
    return manque


# --- §2 traits -----------------------------------------------------------------------------------------------

_LIGATURES = {"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"}
_APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"}
_TIRETS = {"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"}


def formater_nom(valeur: str) -> str:
    """[R-FMT-01][R-FMT-02] uppercase, no diacritics, ligatures expanded, hyphen/apostrophe kept, single spaces."""
    s = valeur or ""
    for table in (_LIGATURES, _APOSTROPHES, _TIRETS):
        for k, v in table.items():
            s = s.replace(k, v)
    s = sans_accents(s).upper()
    s = re.sub(r"[^A-Z0-9' -]", " ", s)
    s = re.sub(r"\s*-\s*", "-", s)
    s = re.sub(r"\s*'\s*", "'", s)
    return re.sub(r"\s+", " ", s).strip()


def formater_prenoms(valeur: str | list | tuple) -> str:
    """[R-FMT-03] birth first names in order, one space between them; a composed first name keeps its hyphen."""
    if isinstance(valeur, list | tuple):
        valeur = " ".join(valeur)
    valeur = (valeur or "").replace(",", " ")
    return formater_nom(valeur)


def _norm_sep(s: str) -> str:
    return re.sub(r"[-' ]+", " ", s).strip()


def premier_prenom_coherent(premier: str, liste: str) -> bool:
    """[R-FMT-04] the premier prénom is the start of the list, whole first names, '-', "'" and space equivalent."""
    p, li = _norm_sep(formater_nom(premier)), _norm_sep(formater_prenoms(liste))
    if not p:
        return False
    return li == p or li.startswith(p + " ")


def traits_obligatoires_manquants(traits: dict) -> list[str]:
    """[R-TR-01][R-FMT-06] the 5 traits needed to create any identity, even provisoire. No placeholder is
    invented for an unknown birth name: the identity cannot be created without one."""
    noms = {"nom_naissance": "nom de naissance", "premier_prenom": "premier prénom de naissance",
            "date_naissance": "date de naissance", "sexe": "sexe", "lieu_naissance": "lieu de naissance"}
    return [lib for k, lib in noms.items() if not traits.get(k)]


def nom_utilise_requis(nom_naissance: str, nom_utilise: str, prenom: str, prenom_utilise: str) -> dict:
    """[R-TR-02] used traits sent with a qualified identity when they differ from the birth traits
    (an empty used trait means 'same as birth')."""
    out = {}
    if nom_utilise and nom_utilise != nom_naissance:
        out["nom_utilise"] = nom_utilise
    if prenom_utilise and prenom_utilise != prenom:
        out["prenom_utilise"] = prenom_utilise
    return out


def date_naissance_erreur(d: DateLunaire | date | str | None, aujourd_hui: date | None = None) -> str | None:
    """[R-DN-01] mandatory, not in the future; [R-DN-02] a lunar date (00 for an unknown day or month) is a
    valid birth date, judged on the earliest day it may stand for."""
    if d is None or d == "":
        return "La date de naissance est obligatoire (règle R-DN-01)."
    try:
        d = DateLunaire.lire(d)
    except DateLunaireInvalide as exc:
        return f"{exc} (règle R-DN-02)"
    if d.plus_tot() > (aujourd_hui or date.today()):
        return "La date de naissance ne peut pas être dans le futur (règle R-DN-01)."
    return None


def age_le(naissance: DateLunaire | date, jour: date) -> int:
    """Age in whole years on `jour`, counted on birthdays (the day before the 18th birthday: 17). For a lunar
    date, the age a person has for sure: counted from the latest day the date may stand for [R-DN-02]."""
    n = DateLunaire.lire(naissance)
    n = n.reelle or n.plus_tard()
    return jour.year - n.year - ((jour.month, jour.day) < (n.month, n.day))


def mineur_le(naissance: DateLunaire | date, jour: date) -> bool:
    """Under 18 on `jour` (R-DOC-03 minor exception), computed on birthdays."""
    return age_le(naissance, jour) < 18


def sexe_erreur(sexe: str, statut: str) -> str | None:
    """[R-SX-01] M or F for an INS identity; 'I' only on a provisoire identity."""
    if sexe in ("M", "F"):
        return None
    if sexe == "I" and statut == PROV:
        return None
    return f"Sexe « {sexe} » impossible pour une {LIBELLES.get(statut, statut).lower()} : F ou M (règle R-SX-01)."


_LIEU_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def lieu_naissance_erreur(code: str) -> str | None:
    """[R-LN-01] 5-character COG code: commune (2A/2B for Corsica, 97x overseas) or 99 + country."""
    if not _LIEU_RE.match((code or "").upper()):
        return (f"Lieu de naissance « {code} » : 5 caractères, code INSEE de la commune ou 99 + code du pays "
                "(règle R-LN-01).")
    return None


def lieu_naissance_alerte(code: str, statut: str) -> str | None:
    """[R-LN-01][S8] 99999 (unknown birthplace) on a validée / qualifiée identity deserves a warning."""
    if code == "99999" and statut in (VALI, QUAL):
        return "Lieu de naissance inconnu (99999) sur une identité validée ou qualifiée : à vérifier (R-LN-01)."
    return None


def _texte_trait(v) -> str:
    """A trait as text; dates as ISO text, 00 kept, so a lunar date compares as given [R-DN-02]."""
    if isinstance(v, DateLunaire | date):
        return DateLunaire.lire(v).isoformat()
    return str(v or "")


def ecarts_traits(saisis: dict, retournes: dict) -> dict[str, tuple[str, str]]:
    """Differences between typed traits and INSi traits, compared after RNIV formatting. Keys: nom_naissance,
    prenoms_naissance, sexe, date_naissance, lieu_naissance."""
    out = {}
    for k in ("nom_naissance", "sexe", "date_naissance"):
        a, b = _texte_trait(saisis.get(k)), _texte_trait(retournes.get(k))
        if formater_nom(a) != formater_nom(b):
            out[k] = (a, b)
    a, b = saisis.get("prenoms_naissance") or "", retournes.get("prenoms_naissance") or ""
    if _norm_sep(formater_prenoms(a)) != _norm_sep(formater_prenoms(b)):
        out["prenoms_naissance"] = (a, b)
    a, b = saisis.get("lieu_naissance") or "", retournes.get("lieu_naissance") or ""
    if a and b and a.upper() != b.upper():
        out["lieu_naissance"] = (a, b)
    return out


def type_ecart(ecarts: dict) -> str | None:
    """Classify a gap for the anomaly queue [R-LN-02]: a birthplace-only gap is most often a commune nouvelle
    (the typed code is today's commune, INSi returns the code valid at the birth date)."""
    if not ecarts:
        return None
    if set(ecarts) == {"lieu_naissance"}:
        return "commune"
    if set(ecarts) == {"prenoms_naissance"}:
        return "prenoms"
    return "ecart"


def coherence_insi(saisis: dict, retournes: dict) -> bool:
    """The INSi answer may be taken without a person's decision only if it matches every typed trait, except a
    typed list of first names shorter than (and beginning) the returned one [R-ST-03 'comparaison réussie']."""
    ecarts = ecarts_traits(saisis, retournes)
    if "prenoms_naissance" in ecarts:
        a, b = ecarts["prenoms_naissance"]
        if premier_prenom_coherent(a, b) and set(ecarts) == {"prenoms_naissance"}:
            return True
    return not ecarts


# --- §3 editing / display ------------------------------------------------------------------------------------

def champs_modifiables(statut: str) -> set[str]:
    """[R-ED-01][R-ED-02][R-ED-03] what a person may type, by status. The INS is never typed."""
    base = set(TRAITS_COMPLEMENTAIRES)
    if statut in (RECUP, QUAL):
        return base | {"premier_prenom"}  # still subject to R-FMT-04
    return base | set(TRAITS_STRICTS)


def verifier_modification(statut: str, anciens: dict, nouveaux: dict) -> str:
    """Check a manual change and return the new status [R-ED-01..04]. `nouveaux` holds only changed fields."""
    for champ in nouveaux:
        if champ in CHAMPS_INS:
            raise RegleRniv("R-ED-01", "Le matricule INS ne se saisit jamais : il vient uniquement du téléservice INSi")
        if champ not in champs_modifiables(statut):
            raise RegleRniv("R-ED-02", f"« {champ} » n'est pas modifiable sur une {LIBELLES[statut].lower()} : "
                                       "un nouvel appel INSi est nécessaire")
    if "premier_prenom" in nouveaux or "prenoms_naissance" in nouveaux:
        liste = nouveaux.get("prenoms_naissance", anciens.get("prenoms_naissance", ""))
        premier = nouveaux.get("premier_prenom", anciens.get("premier_prenom", ""))
        if not premier_prenom_coherent(premier, liste):
            raise RegleRniv("R-FMT-04", f"Le premier prénom « {premier} » ne correspond pas au début de la liste "
                                        f"des prénoms « {liste} »")
    stricts = set(nouveaux) & set(TRAITS_STRICTS) - {"premier_prenom"}
    if stricts and statut == VALI:
        return transition(statut, "trait_strict_modifie")  # [R-ED-04]
    return statut


def ins_affichable(statut: str) -> bool:
    """The matricule is shown on screen once retrieved (RECUP/QUAL), with its status; it is only sent for QUAL."""
    return statut in (RECUP, QUAL)


def ins_transmissible(statut: str, douteuse: bool = False, fictive: bool = False) -> bool:
    """[R-INS-01][R-AF-04] the INS is used in exchanges and documents only for a qualified identity."""
    return statut == QUAL and not douteuse and not fictive


def donnees_ins_document(usager) -> dict | None:
    """[R-AF-03][R-INS-02] INS + OID + the 5 strict traits together, or nothing [R-AF-04]."""
    if not ins_transmissible(usager.statut, usager.douteuse, usager.fictive) or not usager.matricule_ins:
        return None
    return {
        "matricule_ins": usager.matricule_ins + usager.cle_ins,
        "oid": usager.oid_ins,
        "nature": NATURES_OID.get(usager.oid_ins, ""),
        "nom_naissance": usager.nom_naissance,
        "prenoms_naissance": usager.prenoms_naissance,
        "premier_prenom": usager.premier_prenom,
        "date_naissance": DateLunaire.lire(usager.date_naissance).isoformat(),  # as given, 00 kept [R-DN-02]
        "sexe": usager.sexe,
        "lieu_naissance": usager.lieu_naissance,
        **nom_utilise_requis(usager.nom_naissance, usager.nom_utilise, usager.premier_prenom, usager.prenom_utilise),
    }


def identite_affichee(usager) -> str:
    """[R-AF-02] birth name (+ used name if different), first name (or used first name), date, sex."""
    nom = usager.nom_naissance
    if usager.nom_utilise and usager.nom_utilise != usager.nom_naissance:
        nom += f" ({usager.nom_utilise})"
    prenom = usager.prenom_utilise or usager.premier_prenom
    d = DateLunaire.lire(usager.date_naissance).affichage() if usager.date_naissance else "??/??/????"
    return f"{nom} {prenom}, né(e) le {d}, {usager.sexe}"


def libelle_statut(statut: str) -> str:
    """[R-AF-01] the RNIV label to show on every screen."""
    return LIBELLES[statut]


# --- §4 INS --------------------------------------------------------------------------------------------------

def nature_oid(oid: str) -> str | None:
    """[R-INS-03] nature of the INS from its OID."""
    return NATURES_OID.get(oid)


def ins_erreur(matricule: str, cle: str, oid: str = OID_NIR) -> str | None:
    """[R-INS-04..07] 13 characters + 2-digit key (Corsica 2A/2B), NIR or NIA; an invalid key is never used."""
    if nature_oid(oid) is None:
        return f"OID « {oid} » inconnu : ni NIR ni NIA (règle R-INS-03)."
    err = nir_error(f"{matricule}{cle}")
    if err:
        return f"Matricule INS {matricule} {cle} invalide : {err} (règles R-INS-04 à R-INS-07)."
    return None
