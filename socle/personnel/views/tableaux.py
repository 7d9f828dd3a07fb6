"""Boards: the gestionnaire RPPS+'s home (readiness of every ESMS she may see) and the board of a grappe."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from socle.comptes import rights

from .. import services
from ._commun import GESTION, TABLEAU, _gere_organisme


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The gestionnaire RPPS+'s home: readiness of every ESMS she may see, grouped by OG."""
    if not rights.a_fonction(request.user, *TABLEAU):
        raise PermissionDenied("Le tableau RPPS+ est réservé aux gestionnaires RPPS+, représentants légaux et "
                               "chefs de projet.")
    ets = rights.etablissements_visibles(request.user, TABLEAU).select_related("organisme").order_by(
        "organisme__raison_sociale", "nom")
    synth = services.syntheses(ets, leger=True)
    par_og: dict = {}
    for s in synth:
        par_og.setdefault(s.etablissement.organisme, []).append(s)
    gerables = {og.pk for og in par_og if _gere_organisme(request.user, og)}
    return render(request, "personnel/index.html", {
        "organismes": [(og, lst, og.pk in gerables, _totaux(lst)) for og, lst in par_og.items()],
        "grappes": rights.grappes_visibles(request.user), "totaux": _totaux(synth),
        "ets_gerables": set(rights.etablissements_visibles(request.user, GESTION).values_list("pk", flat=True))})


@login_required
def tableau_grappe(request: HttpRequest, pk: int) -> HttpResponse:
    grappe = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    ets = rights.etablissements_visibles(request.user, TABLEAU).filter(organisme__grappes=grappe).select_related(
        "organisme").order_by("organisme__raison_sociale", "nom")
    if not ets.exists():
        raise PermissionDenied("Aucun ESMS de cette grappe dans votre périmètre RPPS+.")
    synth = services.syntheses(ets, leger=True)
    roles: dict = {}
    for s in synth:
        for r in s.par_role():
            agg = roles.setdefault(r["role"], {"role": r["role"], "libelle": r["libelle"], "total": 0,
                                               "enregistres": 0, "a_rechercher": 0, "a_enregistrer": 0,
                                               "erreurs": 0, "non_concernes": 0})
            for k in ("total", "enregistres", "a_rechercher", "a_enregistrer", "erreurs", "non_concernes"):
                agg[k] += r.get(k, 0)
    return render(request, "personnel/grappe.html", {
        "grappe": grappe, "syntheses": synth, "totaux": _totaux(synth),
        "roles": sorted(roles.values(), key=lambda r: -r["total"]),
        "peut_exporter": rights.etablissements_visibles(request.user, GESTION).filter(
            organisme__grappes=grappe).exists()})


def _totaux(synth) -> dict:
    return services.totaux_personnes(synth)
