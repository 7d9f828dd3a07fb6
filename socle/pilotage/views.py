from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import rights
from socle.comptes.models import Fonction
from socle.core.tableur import reponse_tableur
from socle.organisations.models import Etablissement, EtatFiness
from socle.usagers.affichage import couleur as couleur_statut_ins

from . import graphiques, services

PILOTES = (Fonction.REPRESENTANT_LEGAL, Fonction.CHEF_PROJET)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    grappes = list(rights.grappes_visibles(request.user))
    if len(grappes) == 1 and rights.a_fonction(request.user, Fonction.CHEF_PROJET) and not request.GET:
        return redirect("pilotage:grappe", pk=grappes[0].pk)
    etablissements = rights.etablissements_visibles(request.user, PILOTES).filter(etat=EtatFiness.ACTIF)
    return _page(request, etablissements, {"titre": _("Mon périmètre"), "grappes": grappes}, "tableau-de-bord")


@login_required
def grappe(request: HttpRequest, pk: int) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    g = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    etablissements = rights.etablissements_visibles(request.user, PILOTES).filter(
        organisme__grappes=g, etat=EtatFiness.ACTIF)
    return _page(request, etablissements, {"titre": g.nom, "grappe": g}, f"tableau-de-bord-grappe-{g.pk}")


@login_required
def etablissement(request: HttpRequest, finess: str) -> HttpResponse:
    rights.exiger_fonction(request.user, *PILOTES)
    et = get_object_or_404(rights.etablissements_visibles(request.user, PILOTES), finess=finess)
    qs = Etablissement.objects.filter(pk=et.pk)  # in her perimeter: checked just above
    return render(request, "pilotage/tableau.html", {"titre": et.nom, "etablissement": et,
                                                     **_tableau(qs, detail=False)})


def _page(request: HttpRequest, etablissements, contexte: dict, nom_export: str) -> HttpResponse:
    """The dashboard, or its per-ESMS table as CSV/XLSX (?format=), sorted by ?tri=."""
    tab = _tableau(etablissements)
    tab["lignes"], tri = services.trier(tab["lignes"], request.GET.get("tri", ""))
    if request.GET.get("format") in ("csv", "xlsx"):
        tracer(Action.EXPORT, objet_type="pilotage.TableauDeBord", objet_id=nom_export,
               libelle=f"Export du tableau de bord — {contexte['titre']}", details={"esms": len(tab["lignes"])})
        return reponse_tableur(nom_export, request.GET["format"], services.ENTETES_EXPORT,
                               services.lignes_export(tab))
    return render(request, "pilotage/tableau.html", {**contexte, **tab, "tri": tri,
                                                     "colonnes": _colonnes(tri)})


def _colonnes(tri: str) -> list[dict]:
    """Headers of the per-ESMS table: label, the link that sorts by it (again: the other way), aria-sort."""
    out = []
    for cle, libelle in (("esms", _("ESMS")), ("organisme", _("Organisme")), ("ins", _("INS qualifiées")),
                         ("rpps", _("RPPS+")), ("prerequis", _("Prérequis"))):
        actif = tri.lstrip("-") == cle
        descendant = actif and tri.startswith("-")
        out.append({"cle": cle, "libelle": libelle, "lien": f"-{cle}" if actif and not descendant else cle,
                    "aria_sort": ("descending" if descendant else "ascending") if actif else ""})
    return out


def _tableau(etablissements, detail: bool = True) -> dict:
    tab = services.tableau(etablissements, detail=detail)
    progression = (tab["global"].get("identites") or {}).get("progression") or []
    tab["courbe"] = graphiques.courbe([(p["semaine"].strftime("%d/%m"), p["pourcent_qual"]) for p in progression]) \
        if progression else None
    tab["couleur_qualifiee"] = couleur_statut_ins("QUAL")
    return tab
