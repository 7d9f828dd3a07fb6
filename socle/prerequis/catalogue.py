"""The Ségur prerequisites chain as data: a versioned, declarative catalogue of steps forming a DAG.

Version 2026.12-1 (current) follows the field webinars (ARS Île-de-France 24/04/2024, Collectif SI MS Pays de
la Loire, ESMS numérique Mayenne 07/11/2024): contract and CDE card are one procedure (CGU, contract F101 /
Démarches simplifiées, CDE request: 6 to 16 days for a complete file); card orders follow the CDE card, the
mandataires (TOM) being an optional delegation; the right form per card (CPE: F301; CPS of salaried health
professionals: F201; both also on Démarches simplifiées or TOM; self-employed: their ARS or Ordre); cards are
received, then each professional activates hers (48 h after RPPS+ registration, for registered ones only: CPE
holders are not in RPPS+); the gestionnaire RPPS+ needs a physical card, a PC/SC reader and the Cryptolib; INSi
by certificate OR by CPE cards, and the DMP feed by a further pair of certificates, are branches switched by each
ESMS's DUI record (see `branches` in rules.py). Delays not given by the webinars are Socle's estimates
(`delai_estime`), to be edited when the team knows better; they are NOT official ANS figures.

Changing a step means a new version; states are keyed by step id, so ids are never reused. Older versions stay
in CATALOGUES so that their states (kept in the database) can still be read and named.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from socle.comptes.models import Fonction

CATALOGUE_VERSION = "2026.12-1"


class Niveau(StrEnum):
    OG = "og"  # entité juridique (FINESS juridique): contract, CDE, certificates…
    ESMS = "esms"  # entité géographique: readers on site, staff registration, first INSi call


class Canal(StrEnum):
    FORMULAIRE = "formulaire papier"
    DEMARCHES_SIMPLIFIEES = "Démarches simplifiées"
    PORTAIL = "portail en ligne"
    INTERNE = "action interne"
    TOM = "téléservice TOM"


class Branche(StrEnum):
    """Optional branches of the chain, switched per ESMS by its DUI record (rules.branches)."""

    INSI_CERTIFICAT = "insi_certificat"  # the DUI calls INSi with the OG's certificate: certificate + homologation
    INSI_CARTE = "insi_carte"  # no certificate call: the people who call INSi need CPE cards and readers
    DMP_CERTIFICAT = "dmp_certificat"  # the DUI feeds the DMP with certificates: authentication + signature pair


BRANCHES_LIBELLES = {
    Branche.INSI_CERTIFICAT: "INSi par certificat",
    Branche.INSI_CARTE: "INSi par cartes CPE",
    Branche.DMP_CERTIFICAT: "alimentation du DMP par certificats",
}


@dataclass(frozen=True)
class Etape:
    id: str
    titre: str
    responsable: str  # a socle.comptes.models.Fonction value
    prerequis: tuple[str, ...]
    canal: Canal
    delai_min: int  # typical delay in days between "sent / started" and "done"
    delai_max: int
    preuve: str  # evidence to keep
    niveau: Niveau
    source: str = ""  # public reference of the facts (webinar, form), shown on the step's page
    aide: str = ""
    delai_estime: bool = True  # the delay is Socle's estimate, not a published figure
    branches: tuple[str, ...] = ()  # empty: always in the chain; else only when one of these branches is taken
    facultative: bool = False  # nothing depends on it (an optional delegation)

    @property
    def responsable_libelle(self) -> str:
        return Fonction(self.responsable).label


E = Etape
# Version 2026.11-1, kept readable: its states stay in the database under these ids.
CATALOGUE_2026_11: tuple[Etape, ...] = (
    E("finess", "Vérifier les FINESS juridique et géographiques", Fonction.CHEF_PROJET, (), Canal.PORTAIL, 0, 5,
      "Extrait FINESS à jour (ou demande de correction à l'ARS)", Niveau.OG, "issue 6 ; délai : estimation",
      "Les données FINESS conditionnent le contrat, la carte CDE et les certificats."),
    E("contrat", "Accepter les CGU et signer le contrat d'adhésion ANS (F101 ou Démarches simplifiées)",
      Fonction.REPRESENTANT_LEGAL, ("finess",), Canal.DEMARCHES_SIMPLIFIEES, 2, 15,
      "Contrat d'adhésion signé ou accusé de dépôt Démarches simplifiées", Niveau.OG,
      "issue 6 ; délai : estimation", "Au niveau du FINESS juridique, par le représentant légal."),
    E("cde_demande", "Demander la carte de directeur d'établissement (CDE)", Fonction.REPRESENTANT_LEGAL,
      ("contrat",), Canal.DEMARCHES_SIMPLIFIEES, 6, 16, "Accusé de la demande de carte CDE", Niveau.OG,
      "issue 6 (délai de 6 à 16 jours)"),
    E("cde_reception", "Réceptionner la carte CDE et ses codes", Fonction.REPRESENTANT_LEGAL, ("cde_demande",),
      Canal.INTERNE, 0, 3, "Bordereau de réception de la carte CDE", Niveau.OG, "issue 6 ; délai : estimation"),
    E("mandataires", "Désigner les mandataires (TOM)", Fonction.REPRESENTANT_LEGAL, ("cde_reception",),
      Canal.PORTAIL, 1, 10, "Désignation des mandataires", Niveau.OG, "issue 6 ; délai : estimation"),
    E("gestionnaires_rpps", "Habiliter les gestionnaires RPPS+ sur MesHabilitations", Fonction.REPRESENTANT_LEGAL,
      ("cde_reception",), Canal.PORTAIL, 1, 10, "Capture de l'habilitation MesHabilitations", Niveau.OG,
      "issue 6 ; prérequis et délai : estimation"),
    E("cpx_commande", "Commander les cartes CPx (formulaire F301)", Fonction.REPRESENTANT_LEGAL,
      ("mandataires",), Canal.FORMULAIRE, 7, 21, "Formulaire F301 envoyé", Niveau.OG,
      "issue 6 ; délai : estimation", "Commande par un mandataire ; activation 48 h après l'inscription RPPS+."),
    E("admin_techniques", "Déclarer les administrateurs techniques (formulaire F413)", Fonction.REPRESENTANT_LEGAL,
      ("cpx_commande",), Canal.FORMULAIRE, 5, 15, "Formulaire F413 envoyé et accusé", Niveau.OG,
      "issue 6 ; délai : estimation", "Les administrateurs techniques doivent eux-mêmes disposer d'une CPx."),
    E("certificats", "Commander les certificats logiciels IGC Santé (AUTH_CLI INSI-AUTO, SIGN)",
      Fonction.ADMIN_TECHNIQUE, ("admin_techniques",), Canal.PORTAIL, 1, 5,
      "Certificats téléversés dans Socle, mot de passe conservé chiffré", Niveau.OG,
      "issue 6 ; délai : estimation",
      "AUTH_CLI avec CN INSI-AUTO pour l'INSi, SIGN pour la signature ; durée de vie 3 ans ; "
      "indiquer une adresse e-mail de service pour les rappels de renouvellement."),
    E("homologation", "Prononcer l'auto-homologation INS (dossier, commission, PV, registre RGPD)",
      Fonction.REPRESENTANT_LEGAL, ("finess",), Canal.INTERNE, 15, 60,
      "Procès-verbal d'homologation signé et fiche du registre RGPD", Niveau.OG, "issue 6 ; délai : estimation",
      "À prononcer avant d'utiliser un certificat pour l'INSi."),
    E("lecteurs", "Installer les lecteurs PC/SC et la Cryptolib CPS", Fonction.ADMIN_TECHNIQUE,
      ("cde_reception",), Canal.INTERNE, 2, 10, "Inventaire des lecteurs du site", Niveau.ESMS,
      "issue 6 ; délai : estimation"),
    E("rpps_personnels", "Enregistrer les professionnels dans RPPS+", Fonction.GESTIONNAIRE_RPPS,
      ("gestionnaires_rpps",), Canal.PORTAIL, 1, 20, "Liste des professionnels enregistrés", Niveau.ESMS,
      "issue 6 ; délai : estimation"),
    E("cpx_activation", "Activer les cartes CPx des professionnels", Fonction.GESTIONNAIRE_RPPS,
      ("cpx_commande", "rpps_personnels"), Canal.INTERNE, 2, 7, "Inventaire des cartes activées", Niveau.ESMS,
      "issue 6 (au plus tôt 48 h après l'inscription RPPS+)"),
    E("premier_insi", "Premier appel INSi réussi", Fonction.ADMISSION,
      ("certificats", "homologation", "lecteurs"), Canal.INTERNE, 0, 2, "Trace du premier appel INSi", Niveau.ESMS,
      "issue 6 ; délai : estimation"),
)
W004 = "Webinaire ARS Île-de-France (24/04/2024)"
W001 = "Webinaire Collectif SI MS Pays de la Loire"
W003 = "ESMS numérique, Mayenne (07/11/2024)"
CATALOGUE: tuple[Etape, ...] = (
    E("finess", "Vérifier les FINESS juridique et géographiques", Fonction.CHEF_PROJET, (), Canal.PORTAIL, 0, 5,
      "Extrait FINESS à jour (ou demande de correction envoyée)", Niveau.OG, W004,
      "Anomalie d'un ESMS de compétence ARS ou conjointe ARS/CD : votre délégation départementale de l'ARS ; "
      "de compétence du seul conseil départemental : votre conseil départemental."),
    E("contrat_cde", "Contractualiser avec l'ANS et commander la carte CDE (CGU, contrat d'adhésion F101, "
      "demande de carte CDE)", Fonction.REPRESENTANT_LEGAL, ("finess",), Canal.DEMARCHES_SIMPLIFIEES, 6, 16,
      "Accusé de dépôt Démarches simplifiées (ou formulaires F101 et demande de carte CDE envoyés)", Niveau.OG,
      W004 + " ; " + W001,
      "Une seule procédure, au niveau du FINESS juridique, par le représentant légal : prendre connaissance des "
      "CGU, remplir le contrat d'adhésion (F101) et demander la carte CDE, en ligne sur Démarches simplifiées ou "
      "par formulaires. Instruction de 6 à 16 jours pour un dossier complet.", delai_estime=False),
    E("cde_reception", "Réceptionner la carte CDE du représentant légal et ses codes", Fonction.REPRESENTANT_LEGAL,
      ("contrat_cde",), Canal.INTERNE, 0, 3, "Bordereau de réception de la carte CDE", Niveau.OG, W004,
      "La commande des autres moyens d'identification (cartes, certificats) suit la réception de la carte CDE."),
    E("mandataires", "Désigner des mandataires sur TOM (facultatif)", Fonction.REPRESENTANT_LEGAL,
      ("cde_reception",), Canal.TOM, 1, 10, "Liste des mandataires désignés", Niveau.OG, W004,
      "Délégation facultative : un mandataire peut commander des cartes CPx et/ou être gestionnaire RPPS+. "
      "La liste des mandataires (fonction ou personne nommée) se tient dans l'inventaire des cartes ; aucune "
      "étape ne l'attend.", facultative=True),
    E("cpx_commande", "Commander les cartes CPx (CPE : F301 ; CPS des salariés : F201 ; ou Démarches simplifiées, "
      "ou TOM)", Fonction.REPRESENTANT_LEGAL, ("cde_reception",), Canal.DEMARCHES_SIMPLIFIEES, 7, 21,
      "Formulaires F301 / F201 ou accusés Démarches simplifiées ou TOM", Niveau.OG, W001 + " ; " + W004,
      "CPE (personnels d'établissement) : formulaire F301, Démarches simplifiées ou téléservice TOM. CPS des "
      "professionnels de santé salariés : formulaire F201, Démarches simplifiées ou TOM. Professionnels de santé "
      "libéraux : leur ARS ou leur Ordre. Commande par le représentant légal ou un mandataire ; le canal de "
      "chaque carte se note dans l'inventaire."),
    E("cpx_reception", "Réceptionner les cartes CPx", Fonction.REPRESENTANT_LEGAL, ("cpx_commande",),
      Canal.INTERNE, 0, 3, "Inventaire des cartes reçues", Niveau.OG, W004,
      "Chaque carte reçue se note dans l'inventaire (date de réception), avant sa remise à son titulaire."),
    E("gestionnaires_rpps", "Habiliter les gestionnaires RPPS+ sur MesHabilitations", Fonction.REPRESENTANT_LEGAL,
      ("cde_reception",), Canal.PORTAIL, 1, 10, "Capture de l'habilitation MesHabilitations", Niveau.OG, W004,
      "Organisation centralisée (au siège) ou décentralisée (un gestionnaire par établissement)."),
    E("poste_gestionnaire", "Équiper les gestionnaires RPPS+ : carte physique (CPE ou CPx), lecteur PC/SC et "
      "Cryptolib CPS", Fonction.ADMIN_TECHNIQUE, ("cde_reception",), Canal.INTERNE, 1, 10,
      "Inventaire : carte reçue du gestionnaire et lecteur avec Cryptolib", Niveau.OG, W004 + " ; " + W001,
      "Le gestionnaire RPPS+ se connecte au portail avec une carte physique : l'étape ne peut être marquée « fait » "
      "que si l'inventaire montre une carte reçue et un lecteur avec la Cryptolib CPS installée."),
    E("admin_techniques", "Déclarer les administrateurs techniques (formulaire F413 ou Démarches simplifiées)",
      Fonction.REPRESENTANT_LEGAL, ("cde_reception",), Canal.FORMULAIRE, 5, 15, "Formulaire F413 envoyé et accusé",
      Niveau.OG, W004,
      "Les administrateurs techniques (de la structure ou de l'éditeur) commandent les certificats ; ils doivent "
      "disposer d'une carte CPx.", branches=(Branche.INSI_CERTIFICAT, Branche.DMP_CERTIFICAT)),
    E("certificat_insi", "Commander le certificat d'authentification INSi (AUTH_CLI : CN INSI-AUTO pour les lots, "
      "INSI-MANU pour les appels déclenchés par une personne)", Fonction.ADMIN_TECHNIQUE, ("admin_techniques",),
      Canal.PORTAIL, 1, 5, "Certificat émis par l'IGC Santé déposé dans Socle, mot de passe conservé chiffré",
      Niveau.OG, W004 + " ; " + W001,
      "Le téléservice INSi est le seul à avoir besoin de son propre certificat. Certificat de l'IGC Santé, durée "
      "de vie 3 ans, protégé par un mot de passe ; indiquer une adresse e-mail de service pour les rappels.",
      branches=(Branche.INSI_CERTIFICAT,)),
    E("certificats_dmp", "Commander la paire de certificats pour alimenter le DMP (authentification et "
      "signature / cachet)", Fonction.ADMIN_TECHNIQUE, ("admin_techniques",), Canal.PORTAIL, 1, 5,
      "Les deux certificats IGC Santé déposés dans Socle", Niveau.OG, W004,
      "Alimenter le DMP par certificat demande deux certificats : un d'authentification et un de signature "
      "(cachet) ; ils s'ajoutent au certificat INSi.", branches=(Branche.DMP_CERTIFICAT,)),
    E("homologation", "Prononcer l'auto-homologation INS (dossier, commission, PV, registre RGPD)",
      Fonction.REPRESENTANT_LEGAL, ("finess",), Canal.INTERNE, 15, 60,
      "Procès-verbal d'homologation signé et fiche du registre RGPD", Niveau.OG, W001 + " ; " + W004,
      "Obligatoire pour appeler l'INSi par certificat : Socle refuse tout appel INSi par certificat (lots et "
      "appels un par un) tant que cette étape n'est pas « fait ».", branches=(Branche.INSI_CERTIFICAT,)),
    E("lecteurs", "Installer les lecteurs PC/SC et la Cryptolib CPS sur le site", Fonction.ADMIN_TECHNIQUE,
      ("cde_reception",), Canal.INTERNE, 2, 10, "Inventaire des lecteurs du site", Niveau.ESMS, W004,
      "Un lecteur mono-fente au standard PC/SC (15 à 30 €), puis la Cryptolib CPS."),
    E("rpps_personnels", "Enregistrer les professionnels dans RPPS+", Fonction.GESTIONNAIRE_RPPS,
      ("gestionnaires_rpps", "poste_gestionnaire"), Canal.PORTAIL, 1, 20, "Liste des professionnels enregistrés",
      Niveau.ESMS, W004,
      "Numéro RPPS transmis par e-mail en 30 minutes, visible dans l'Annuaire santé sous 48 h. Les titulaires de "
      "CPE (personnels d'établissement) ne sont pas enregistrés dans RPPS+."),
    E("cpx_activation", "Activer les cartes CPx (chaque professionnel active la sienne)", Fonction.PROFESSIONNEL,
      ("cpx_reception", "lecteurs"), Canal.INTERNE, 2, 7, "Inventaire des cartes activées", Niveau.ESMS, W004,
      "Une fois la carte reçue et le lecteur installé, le professionnel l'active. Pour un professionnel enregistré "
      "dans RPPS+, pas avant 48 h après son enregistrement ; une CPE s'active dès sa réception."),
    E("insi_cartes", "Équiper de cartes CPE actives et de lecteurs les personnes qui appellent l'INSi",
      Fonction.ADMIN_TECHNIQUE, ("cpx_activation",), Canal.INTERNE, 0, 5,
      "Liste des personnes de l'admission avec leur carte CPE active", Niveau.ESMS, W003,
      "Le DUI n'appelle pas l'INSi par certificat : les personnes chargées de la qualification des identités "
      "l'appellent avec leur carte CPE (commandée par formulaire F301 ou Démarches simplifiées).",
      branches=(Branche.INSI_CARTE,)),
    E("premier_insi", "Premier appel INSi réussi", Fonction.ADMISSION,
      ("certificat_insi", "homologation", "insi_cartes"), Canal.INTERNE, 0, 2, "Trace du premier appel INSi",
      Niveau.ESMS, W003,
      "Par certificat (certificat INSi et auto-homologation) ou par cartes CPE, selon le DUI de l'établissement."),
)
del E

ETAPES: dict[str, Etape] = {e.id: e for e in CATALOGUE}
CATALOGUES: dict[str, tuple[Etape, ...]] = {"2026.11-1": CATALOGUE_2026_11, CATALOGUE_VERSION: CATALOGUE}
# Every step id ever used, with its latest definition: a state recorded under an older version keeps its name.
ETAPES_CONNUES: dict[str, Etape] = {e.id: e for cat in CATALOGUES.values() for e in cat}
# Where the state of a step of an older version carries over in the current one (data migration 0008).
REMPLACEMENTS_2026_11: dict[str, str] = {"contrat": "contrat_cde", "cde_demande": "contrat_cde",
                                         "certificats": "certificat_insi"}


@dataclass(frozen=True)
class JalonDefaut:
    code: str
    libelle: str
    programme: str
    date_cible: date
    etapes: tuple[str, ...] = field(default_factory=tuple)


# Programme milestones, copied to each grappe (or OG outside any grappe) "à confirmer" until its chef de projet
# sets them. From the webinars: the ESMS numérique programme's last year is 2025 (Mayenne, 07/11/2024), its
# deadlines are those of the grappe's ARS convention; SONS pays the editor directly, so its deadlines are the
# editor's quote and order (calendar advice of the ARS Île-de-France webinar, 24/04/2024).
JALONS_DEFAUT: tuple[JalonDefaut, ...] = (
    JalonDefaut("esms_numerique_convention", "ESMS numérique : échéance de la convention ARS (programme clos "
                "fin 2025) — contrat ANS et carte CDE", "ESMS numérique", date(2025, 12, 31),
                ("contrat_cde", "cde_reception")),
    JalonDefaut("sons_bon_commande", "SONS : échéance du devis et du bon de commande de l'éditeur — INSi en "
                "service avec la version Ségur du DUI", "SONS", date(2027, 6, 30), ("premier_insi",)),
)
# Default milestones of version 2026.11-1: their unconfirmed copies are removed by migration 0008.
JALONS_DEFAUT_RETIRES = ("esms_contrat", "sons_ins", "esms_cartes")


class CycleError(ValueError):
    pass


def verifier_catalogue(catalogue: tuple[Etape, ...] = CATALOGUE) -> list[str]:
    """Topological order of the steps; raises CycleError on a cycle, an unknown prerequisite or a duplicate id,
    or when an OG-level step depends on an ESMS-level one (an OG cannot wait for one ESMS)."""
    par_id: dict[str, Etape] = {}
    for e in catalogue:
        if e.id in par_id:
            raise CycleError(f"Étape en double : {e.id}")
        par_id[e.id] = e
    for e in catalogue:
        for p in e.prerequis:
            if p not in par_id:
                raise CycleError(f"Étape {e.id} : prérequis inconnu {p}")
            if e.niveau == Niveau.OG and par_id[p].niveau == Niveau.ESMS:
                raise CycleError(f"Étape {e.id} (niveau OG) ne peut dépendre de {p} (niveau ESMS)")
    ordre: list[str] = []
    etat: dict[str, int] = {}  # 1 = on stack, 2 = done

    def visiter(eid: str, chemin: list[str]) -> None:
        if etat.get(eid) == 2:
            return
        if etat.get(eid) == 1:
            raise CycleError("Cycle dans le catalogue : " + " → ".join([*chemin, eid]))
        etat[eid] = 1
        for p in par_id[eid].prerequis:
            visiter(p, [*chemin, eid])
        etat[eid] = 2
        ordre.append(eid)

    for e in catalogue:
        visiter(e.id, [])
    return ordre


ORDRE: list[str] = verifier_catalogue()


def etapes_du_niveau(niveau: Niveau) -> list[Etape]:
    return [ETAPES[i] for i in ORDRE if ETAPES[i].niveau == niveau]
