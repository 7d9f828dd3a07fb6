"""The identity dashboard: statuses per ESMS and per grappe, weekly progression."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from socle.comptes import rights

from .. import affichage, rniv, services
from ..models import AnomalieIns


def _barres(counter: Counter) -> dict:
    total = sum(counter.values())
    return {"total": total, "segments": [
        {"code": s, "libelle": rniv.LIBELLES[s], "couleur": affichage.couleur(s), "n": counter.get(s, 0),
         "pourcent": round(100 * counter.get(s, 0) / total, 1) if total else 0} for s in rniv.STATUTS]}


@login_required
def tableau(request: HttpRequest) -> HttpResponse:
    ets_visibles = rights.etablissements_visibles(request.user)
    finess = request.GET.get("etablissement", "")
    grappe_pk = request.GET.get("grappe", "")
    selection = ets_visibles
    titre = "Tous les ESMS de votre périmètre"
    if finess:
        et = get_object_or_404(ets_visibles, finess=finess)
        selection, titre = ets_visibles.filter(pk=et.pk), et.nom
    elif grappe_pk:
        g = get_object_or_404(rights.grappes_visibles(request.user), pk=grappe_pk if grappe_pk.isdigit() else -1)
        selection, titre = ets_visibles.filter(organisme__grappes=g).distinct(), g.nom
    stats = services.stats_identites(selection)
    rep = services.statuts_par_etablissement(ets_visibles)
    anomalies_et = Counter(AnomalieIns.objects.filter(etablissement__in=ets_visibles, resolue_le__isnull=True)
                           .values_list("etablissement_id", flat=True))
    lignes_et = [{"et": et, "anomalies": anomalies_et.get(et.pk, 0), **_barres(rep.get(et.pk, Counter()))}
                 for et in ets_visibles.select_related("organisme").order_by("organisme__raison_sociale", "nom")
                 if rep.get(et.pk)]
    grappes = []
    for g in rights.grappes_visibles(request.user):
        c = Counter()
        for et_pk in ets_visibles.filter(organisme__grappes=g).values_list("pk", flat=True):
            c.update(rep.get(et_pk, Counter()))
        grappes.append({"grappe": g, **_barres(c)})
    prog = stats["progression"]
    svg = _svg_progression(prog)
    return render(request, "usagers/tableau.html", {
        "stats": stats, "titre": titre, "lignes_et": lignes_et, "grappes": grappes, "svg": svg,
        "etablissement": finess, "grappe": grappe_pk,
        "selection_barres": _barres(Counter(stats["par_statut"]))})


def _svg_progression(prog: list[dict]) -> dict:
    """Stacked columns (one per week) as plain SVG rectangles: no JS library."""
    largeur, hauteur, marge = 720, 200, 30
    n = len(prog) or 1
    col = (largeur - marge) / n
    maxi = max((p["total"] for p in prog), default=0) or 1
    rects, labels = [], []
    for i, p in enumerate(prog):
        y = hauteur
        x = marge + i * col + 4
        for s in ("QUAL", "RECUP", "VALI", "PROV"):
            h = (hauteur - 20) * p[s] / maxi
            if h > 0:
                y -= h
                rects.append({"x": round(x, 1), "y": round(y, 1), "w": round(col - 8, 1), "h": round(h, 1),
                              "couleur": affichage.couleur(s), "titre": f"{p['semaine']:%d/%m} {rniv.LIBELLES[s]} : {p[s]}"})
        labels.append({"x": round(x + (col - 8) / 2, 1), "texte": f"{p['semaine']:%d/%m}",
                       "qual": p["pourcent_qual"]})
    return {"largeur": largeur, "hauteur": hauteur + 20, "rects": rects, "labels": labels, "base": hauteur,
            "label_y": hauteur + 15,
            "couleurs": [(s["libelle"], s["couleur"]) for s in affichage.statuts()]}
