"""What the staff screens share: the functions that open them, and who may act on an OG or read a
professional."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from socle.comptes import rights

from ..models import Professionnel, SituationExercice

GESTION = rights.fonctions_de("gerer_personnel")
TABLEAU = rights.fonctions_de("personnel")


def _gere_organisme(user, og) -> bool:
    """Function held on the whole OG (directly or through a grappe): needed for OG-wide actions (import,
    export, rules). A gestionnaire of one ESMS only sees and edits the staff of her ESMS."""
    if user.is_superuser:
        return True
    return "gerer_personnel" in rights.capacites(user, og)


def _og(request: HttpRequest, finess: str):
    og = get_object_or_404(rights.organismes_visibles(request.user), finess=finess)
    if not _gere_organisme(request.user, og):
        raise PermissionDenied("Cette action demande la fonction de gestionnaire RPPS+ ou de représentant légal "
                               "sur l'organisme.")
    return og


def _professionnels(request: HttpRequest):
    """Staff the user may read: those working in an ESMS where she is gestionnaire RPPS+ or représentante
    légale, and, for OG-wide functions, those of the OG with no situation yet."""
    ets = rights.etablissements_visibles(request.user, GESTION)
    ogs = [og for og in rights.organismes_visibles(request.user, GESTION) if _gere_organisme(request.user, og)]
    return Professionnel.objects.filter(
        Q(pk__in=SituationExercice.objects.filter(etablissement__in=ets).values("professionnel_id"))
        | Q(organisme__in=ogs))
