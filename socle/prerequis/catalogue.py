"""The Ségur prerequisites chain as data: a versioned, declarative catalogue of steps forming a DAG.

Where the facts come from (checked on 2026-11-26, nothing more is claimed):
- the order of the chain, the CDE delay (6 to 16 days), the forms F101 (contrat d'adhésion), F301 (CPx orders),
  F413 (administrateurs techniques), the 48 h between RPPS+ registration and CPx activation, the IGC Santé
  software certificates (AUTH_CLI with CN INSI-AUTO for INSi, SIGN for signing, 3-year life, password, service
  e-mail), MesHabilitations and the INS auto-homologation (support documentaire, commission, procès-verbal,
  RGPD register) are taken from Socle's issue 6, written from the ANS guides for ESMS;
- the CN INSI-AUTO / INSI-MANU required by the INSi téléservice (error DESIR_560 otherwise) is confirmed by
  the public README of padoa/tlsi-ins;
- the other delays are Socle's own working estimates (marked `estimation` below), to be edited when the
  team knows better; they are NOT official ANS figures.
Changing a step means bumping CATALOGUE_VERSION; states are keyed by step id, so ids must never be reused.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from socle.comptes.models import Fonction

CATALOGUE_VERSION = "2026.11-1"


class Niveau(StrEnum):
    OG = "og"  # entité juridique (FINESS juridique): contract, CDE, certificates…
    ESMS = "esms"  # entité géographique: readers on site, staff registration, first INSi call


class Canal(StrEnum):
    FORMULAIRE = "formulaire papier"
    DEMARCHES_SIMPLIFIEES = "Démarches simplifiées"
    PORTAIL = "portail en ligne"
    INTERNE = "action interne"


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
    source: str = "issue 6"
    aide: str = ""

    @property
    def responsable_libelle(self) -> str:
        return Fonction(self.responsable).label


E = Etape
CATALOGUE: tuple[Etape, ...] = (
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
del E

ETAPES: dict[str, Etape] = {e.id: e for e in CATALOGUE}


@dataclass(frozen=True)
class JalonDefaut:
    code: str
    libelle: str
    programme: str
    date_cible: date
    etapes: tuple[str, ...] = field(default_factory=tuple)


# Programme milestones. Target dates are placeholders for the grappe to edit (admin or calendar screen):
# the real SONS / ESMS Numérique dates depend on each funding call.
JALONS_DEFAUT: tuple[JalonDefaut, ...] = (
    JalonDefaut("esms_contrat", "ESMS Numérique : contrat ANS et carte CDE", "ESMS Numérique", date(2027, 3, 31),
                ("contrat", "cde_reception")),
    JalonDefaut("sons_ins", "SONS : INS qualifiée (premier appel INSi)", "SONS", date(2027, 6, 30),
                ("premier_insi",)),
    JalonDefaut("esms_cartes", "ESMS Numérique : cartes CPx actives", "ESMS Numérique", date(2027, 9, 30),
                ("cpx_activation",)),
)


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
