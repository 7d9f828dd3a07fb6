from django.contrib.auth.decorators import login_not_required, login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from socle.comptes import authentification as authn
from socle.comptes import rights, second_facteur


@login_required
def accueil(request: HttpRequest) -> HttpResponse:
    habilitations = request.user.habilitations.en_cours().select_related("etablissement", "organisme", "grappe")
    return render(request, "web/accueil.html", {
        "habilitations": habilitations,
        "grappes": rights.grappes_visibles(request.user),
        "organismes": rights.organismes_visibles(request.user)[:50],
        "nb_etablissements": rights.etablissements_visibles(request.user).count(),
        "moyen_connexion": authn.LIBELLES_MOYENS.get(authn.moyen(request), ""),
        "psc": authn.moyen(request) == "psc",
        "second_facteur": second_facteur.a_second_facteur(request.user),
        "forte": rights.authentification_forte(request.user),
    })


@login_not_required  # probed by the reverse proxy / monitoring
def sante(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"statut": "ok", "base": connection.vendor})
