"""Who may see and do what. Every view goes through these functions; nothing is filtered in templates.

A person sees an ESMS when one of her current habilitations covers it: the ESMS itself, its OG, or a grappe
the OG belongs to. Superusers (Socle's own operators) see everything.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire

from .models import Fonction, Habilitation


def _current(user, fonctions: Iterable[str] | None = None) -> QuerySet[Habilitation]:
    """The user's habilitations valid today, optionally only those of one of `fonctions`. In a Pro Santé Connect
    session, her function Professionnel applies only to the ESMS of the situation she chose for the session
    (`user.etablissement_session`, set from the session by `comptes.middleware`)."""
    habs = Habilitation.objects.filter(utilisateur=user).en_cours()
    etablissement = getattr(user, "etablissement_session", None)
    if etablissement:
        habs = habs.exclude(Q(fonction=Fonction.PROFESSIONNEL) & ~Q(etablissement_id=etablissement))
    return habs if fonctions is None else habs.filter(fonction__in=list(fonctions))


def _etablissement_filter(habs: Iterable[Habilitation]) -> Q:
    q = Q(pk__in=[])
    for h in habs:
        if h.etablissement_id:
            q |= Q(pk=h.etablissement_id)
        elif h.organisme_id:
            q |= Q(organisme_id=h.organisme_id)
        elif h.grappe_id:
            q |= Q(organisme__grappes__id=h.grappe_id)
    return q


def etablissements_visibles(user, fonctions: Iterable[str] | None = None) -> QuerySet[Etablissement]:
    """ESMS the user may see, optionally only those where she holds one of `fonctions`."""
    if not user.is_authenticated:
        return Etablissement.objects.none()
    if user.is_superuser:
        return Etablissement.objects.all()
    habs = _current(user, fonctions)
    return Etablissement.objects.filter(_etablissement_filter(habs)).distinct()


def organismes_visibles(user, fonctions: Iterable[str] | None = None) -> QuerySet[OrganismeGestionnaire]:
    """OG the user may see: those with a visible ESMS, plus those she is habilitated on as a whole."""
    if not user.is_authenticated:
        return OrganismeGestionnaire.objects.none()
    if user.is_superuser:
        return OrganismeGestionnaire.objects.all()
    habs = _current(user, fonctions)
    q = Q(pk__in=[])
    for h in habs:
        if h.etablissement_id:
            q |= Q(etablissements__id=h.etablissement_id)
        elif h.organisme_id:
            q |= Q(pk=h.organisme_id)
        elif h.grappe_id:
            q |= Q(grappes__id=h.grappe_id)
    return OrganismeGestionnaire.objects.filter(q).distinct()


def organismes_couverts(user, fonctions: Iterable[str] | None = None) -> QuerySet[OrganismeGestionnaire]:
    """OG the user holds a function on *as a whole* (on the OG itself or on a grappe it belongs to), unlike
    `organismes_visibles`: a function on one ESMS shows its OG's name but never acts on the OG's own objects
    (certificates, cards, proofs, homologation, accounts)."""
    if not user.is_authenticated:
        return OrganismeGestionnaire.objects.none()
    if user.is_superuser:
        return OrganismeGestionnaire.objects.all()
    q = Q(pk__in=[])
    for h in _current(user, fonctions):
        if h.organisme_id:
            q |= Q(pk=h.organisme_id)
        elif h.grappe_id:
            q |= Q(grappes__id=h.grappe_id)
    return OrganismeGestionnaire.objects.filter(q).distinct()


def fonctions_sur_organisme(user, organisme: OrganismeGestionnaire) -> set[str]:
    """Functions the user holds on the OG as a whole (see `organismes_couverts`)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Fonction.values)
    return {h.fonction for h in _current(user)
            if h.organisme_id == organisme.pk or (h.grappe_id and organisme.grappes.filter(pk=h.grappe_id).exists())}


def exiger_organisme_entier(user, organisme: OrganismeGestionnaire) -> None:
    if not organismes_couverts(user).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Ces informations concernent tout l'organisme : une fonction sur un seul ESMS "
                                 "ne permet pas d'y accéder."))


def grappes_visibles(user) -> QuerySet[Grappe]:
    if not user.is_authenticated:
        return Grappe.objects.none()
    if user.is_superuser:
        return Grappe.objects.all()
    return Grappe.objects.filter(membres__in=organismes_visibles(user)).distinct()


def fonctions(user, etablissement: Etablissement | None = None) -> set[str]:
    """Functions the user holds, everywhere or on one ESMS (directly, through its OG or its grappe)."""
    if not user.is_authenticated:
        return set()
    habs = _current(user)
    if etablissement is None:
        return set(habs.values_list("fonction", flat=True))
    return {
        h.fonction for h in habs
        if h.etablissement_id == etablissement.pk
        or h.organisme_id == etablissement.organisme_id
        or (h.grappe_id and etablissement.organisme.grappes.filter(pk=h.grappe_id).exists())
    }


def a_fonction(user, *wanted: str, etablissement: Etablissement | None = None) -> bool:
    return user.is_superuser or bool(fonctions(user, etablissement) & set(wanted))


def exiger_fonction(user, *wanted: str, etablissement: Etablissement | None = None) -> None:
    if not a_fonction(user, *wanted, etablissement=etablissement):
        raise PermissionDenied(_("Votre fonction ne permet pas cette action sur ce périmètre."))


def exiger_etablissement(user, etablissement: Etablissement) -> None:
    if not etablissements_visibles(user).filter(pk=etablissement.pk).exists():
        raise PermissionDenied(_("Cet établissement n'est pas dans votre périmètre."))


def exiger_organisme(user, organisme: OrganismeGestionnaire) -> None:
    if not organismes_visibles(user).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Cet organisme n'est pas dans votre périmètre."))


def perimetre_import_finess(user) -> set[str] | None:
    """What a FINESS import launched by `user` may change: None for the whole installation (its administrators),
    else the FINESS EJ of the organisations of the grappes she leads as chef de projet. FINESS is national
    reference data: a function on one organisation gives no right to load it."""
    if user.is_superuser:
        return None
    grappes = _current(user, [Fonction.CHEF_PROJET]).filter(grappe__isnull=False).values_list("grappe_id", flat=True)
    if not grappes:
        raise PermissionDenied(_("Charger le référentiel FINESS est réservé à l'administrateur de l'installation "
                                 "et aux chefs de projet d'une grappe (pour les organismes de leur grappe)."))
    return set(OrganismeGestionnaire.objects.filter(grappes__id__in=list(grappes)).values_list("finess", flat=True))


# --- capacités: what a person may do, in one table used by views, the menu and templates --------------------

F = Fonction
# Where the function must be held for the action: "esms" = on the ESMS or above it (its OG, a grappe of the
# OG); "organisme" = on the OG as a whole (the OG or one of its grappes); "organisme_seul" = on the OG itself;
# "grappe" = on a grappe.
REGLES: dict[str, tuple[frozenset[str], str]] = {
    "importer_finess": (frozenset({F.CHEF_PROJET}), "grappe"),
    "prerequis": (frozenset({F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE, F.GESTIONNAIRE_RPPS,
                             F.ADMISSION}), "esms"),  # admission owns the first successful INSi call
    "inventaire_cartes": (frozenset({F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE, F.GESTIONNAIRE_RPPS}),
                          "organisme"),
    "certificats": (frozenset({F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE, F.DPO}), "organisme"),
    "deposer_certificat": (frozenset({F.ADMIN_TECHNIQUE, F.REPRESENTANT_LEGAL}), "organisme"),
    "reveler_mot_de_passe": (frozenset({F.ADMIN_TECHNIQUE}), "organisme"),
    "homologation": (frozenset({F.REPRESENTANT_LEGAL, F.DPO, F.CHEF_PROJET, F.ADMIN_TECHNIQUE}), "organisme"),
    "modifier_homologation": (frozenset({F.REPRESENTANT_LEGAL, F.DPO, F.CHEF_PROJET}), "organisme"),
    # an ESMS's DUI record (product, capabilities), which switches the prerequisite chain's branches
    "modifier_dui": (frozenset({F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE}), "esms"),
    "personnel": (frozenset({F.GESTIONNAIRE_RPPS, F.REPRESENTANT_LEGAL, F.CHEF_PROJET}), "esms"),
    "gerer_personnel": (frozenset({F.GESTIONNAIRE_RPPS, F.REPRESENTANT_LEGAL}), "organisme"),
    "dossiers_usagers": (frozenset({F.ADMISSION, F.PROFESSIONNEL}), "esms"),
    # documents of a usager: written and read by professionals (what each reads: documents.droits, the matrix);
    # the ESMS's queue (waiting / sent / rejected, without content) also by its représentant légal
    "documents": (frozenset({F.PROFESSIONNEL}), "esms"),
    "documents_esms": (frozenset({F.PROFESSIONNEL, F.REPRESENTANT_LEGAL}), "esms"),
    "lots_ins": (frozenset({F.ADMISSION, F.ADMIN_TECHNIQUE}), "esms"),
    # usagers in and out of the ESMS's DUI (files, FHIR, HL7); its API tokens: administrateur technique only
    "echanges_dui": (frozenset({F.ADMISSION, F.ADMIN_TECHNIQUE}), "esms"),
    "jetons_api": (frozenset({F.ADMIN_TECHNIQUE}), "esms"),
    "tableau_ins": (frozenset({F.REPRESENTANT_LEGAL}), "esms"),  # aggregated identity figures, no names
    "pilotage": (frozenset({F.REPRESENTANT_LEGAL, F.CHEF_PROJET}), "esms"),
    "gerer_comptes": (frozenset({F.REPRESENTANT_LEGAL}), "organisme_seul"),
    "journal": (frozenset({F.REPRESENTANT_LEGAL, F.DPO}), "esms"),
    # a grappe's milestones: chef de projet on the grappe; an OG's: on the OG or one of its grappes
    "modifier_jalons": (frozenset({F.CHEF_PROJET}), "organisme"),
}
ACTIONS = frozenset(REGLES)
# Actions that show NIR/INS (usagers' records, INSi batches) or documents: only in a session strongly
# authenticated, by Pro Santé Connect or by password + second factor (`comptes.authentification`). The screens of
# these actions refuse other sessions (`comptes.middleware.ESPACES_SENSIBLES`), and `capacites` leaves them out.
AUTHENTIFICATION_FORTE = frozenset({"dossiers_usagers", "lots_ins", "documents", "documents_esms"})


def authentification_forte(user) -> bool:
    """Whether this user's current session is strongly authenticated (False outside a request)."""
    return bool(getattr(user, "authentification_forte", False))


def _portee_ok(h: Habilitation, portee: str) -> bool:
    if portee == "grappe":
        return bool(h.grappe_id)
    if portee == "organisme":
        return bool(h.organisme_id or h.grappe_id)
    if portee == "organisme_seul":
        return bool(h.organisme_id)
    return True


def capacites(user, objet=None) -> frozenset[str]:
    """What this person may do: anywhere (objet None, for the menu), or with this ESMS, OG or grappe. The one
    answer to "may she?" for views, menu and templates; REGLES says which function, held where."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    reservees = frozenset() if authentification_forte(user) else AUTHENTIFICATION_FORTE
    if user.is_superuser:
        return ACTIONS - reservees
    habs = _current(user)
    if isinstance(objet, OrganismeGestionnaire):  # her ESMS inside this OG count for ESMS-level actions
        habs = habs.filter(Q(organisme=objet) | Q(grappe__membres=objet) | Q(etablissement__organisme=objet))
    elif objet is not None:
        habs = habs.couvrant(objet)
    habs = list(habs.distinct())
    out = set()
    for action, (fonctions, portee) in REGLES.items():
        for h in habs:
            if h.fonction not in fonctions:
                continue
            if portee == "esms" or _portee_ok(h, portee):
                out.add(action)
                break
    return frozenset(out) - reservees


def exiger(user, action: str, objet=None) -> None:
    if action in AUTHENTIFICATION_FORTE and not authentification_forte(user) and action in capacites(
            _forte(user), objet):
        raise PermissionDenied(_("Cette action montre des identités (NIR, INS) ou des documents : connectez-vous "
                                 "avec Pro Santé Connect ou avec votre second facteur."))
    if action not in capacites(user, objet):
        raise PermissionDenied(_("Votre fonction ne permet pas cette action sur ce périmètre."))


def _forte(user):
    """The same person as if strongly authenticated, to tell "needs strong authentication" from "not allowed"."""
    import copy

    autre = copy.copy(user)
    autre.authentification_forte = True
    return autre


def fonctions_de(action: str) -> list[str]:
    """The functions that allow `action` (REGLES), for querysets filtered by function."""
    return sorted(REGLES[action][0])
