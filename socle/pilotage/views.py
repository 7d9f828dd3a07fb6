from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from socle.comptes import rights
from socle.comptes.models import Fonction
from socle.organisations.models import Etablissement, EtatFiness

from . import services

PILOTES = (Fonction.REPRESENTANT_LEGAL, Fonction.CHEF_PROJET)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    grappes = list(rights.grappes_visibles(request.user))
    if len(grappes) == 1 and rights.a_fonction(request.user, Fonction.CHEF_PROJET):
        return redirect("pilotage:grappe", pk=grappes[0].pk)
    etablissements = rights.etablissements_visibles(request.user, PILOTES).filter(etat=EtatFiness.ACTIF)
    return render(request, "pilotage/tableau.html", {
        "titre": _("Mon périmètre"), "grappes": grappes, **_tableau(etablissements)})


@login_required
def grappe(request: HttpRequest, pk: int) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    g = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    etablissements = rights.etablissements_visibles(request.user, PILOTES).filter(
        organisme__grappes=g, etat=EtatFiness.ACTIF)
    return render(request, "pilotage/tableau.html", {"titre": g.nom, "grappe": g, **_tableau(etablissements)})


@login_required
def etablissement(request: HttpRequest, finess: str) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    et = get_object_or_404(rights.etablissements_visibles(request.user, PILOTES), finess=finess)
    qs = Etablissement.objects.filter(pk=et.pk)  # in her perimeter: checked just above
    return render(request, "pilotage/tableau.html", {"titre": et.nom, "etablissement": et, **_tableau(qs, detail=False)})


def _tableau(etablissements, detail: bool = True) -> dict:
    return services.tableau(etablissements, detail=detail)
