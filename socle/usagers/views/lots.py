"""INSi batches (AUTO) and the queue of INS anomalies they leave."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights

from .. import batch, conduites
from ..forms import LotForm
from ..models import AnomalieIns, LotQualification, TypeAnomalie
from ._commun import FONCTIONS_LOT, _ets_dossier, _exiger_dossier


@login_required
def lots(request: HttpRequest) -> HttpResponse:
    ets = rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT).order_by("nom")
    if not ets.exists():
        raise PermissionDenied("Les lots INSi sont réservés aux fonctions Admission et Administrateur technique.")
    form = LotForm(request.POST or None, etablissements=ets, initial={"etablissement": ets.first()})
    if request.method == "POST" and form.is_valid():
        et = form.cleaned_data["etablissement"]
        try:
            lot = batch.preparer_lot(et, user=request.user, limite=form.cleaned_data["limite"],
                                     debit=form.cleaned_data["debit"], rappeler=form.cleaned_data["rappeler"])
        except (PermissionError, ValueError) as exc:
            form.add_error(None, str(exc))
        else:
            from ..tasks import executer_lot_ins

            executer_lot_ins.enqueue(lot.pk)
            tracer(Action.APPEL_SERVICE, objet=lot, details={"service": "INSi", "mode": "AUTO",
                                                             "lignes": lot.lignes.count()})
            return redirect("usagers:lot", pk=lot.pk)
    liste = LotQualification.objects.filter(etablissement__in=ets).select_related("etablissement")[:50]
    return render(request, "usagers/lots.html", {"form": form, "lots": liste})


def _lot(request: HttpRequest, pk: int) -> LotQualification:
    ets = rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT)
    return get_object_or_404(LotQualification.objects.select_related("etablissement"), pk=pk, etablissement__in=ets)


@login_required
def lot(request: HttpRequest, pk: int) -> HttpResponse:
    lot_ = _lot(request, pk)
    ctx = {"lot": lot_, "c": lot_.compte(),
           "anomalies": Counter(AnomalieIns.objects.filter(ligne__lot=lot_).values_list("type", flat=True))}
    ctx["anomalies"] = [(TypeAnomalie(t).label, n) for t, n in ctx["anomalies"].items()]
    template = "usagers/_lot_progression.html" if request.htmx else "usagers/lot.html"
    return render(request, template, ctx)


@login_required
@require_POST
def lot_reprendre(request: HttpRequest, pk: int) -> HttpResponse:
    lot_ = _lot(request, pk)
    actif = lot_.etat == LotQualification.Etat.EN_COURS and not LotQualification.bloques(
        timedelta(minutes=2)).filter(pk=lot_.pk).exists()
    if actif:
        messages.warning(request, "Le lot avance encore : attendez deux minutes sans progression avant de le reprendre.")
    elif lot_.etat != LotQualification.Etat.TERMINE:
        from ..tasks import executer_lot_ins

        executer_lot_ins.enqueue(lot_.pk)
        messages.info(request, "Reprise du lot demandée : les personnes déjà appelées ne seront pas rappelées.")
    return redirect("usagers:lot", pk=lot_.pk)


@login_required
def anomalies(request: HttpRequest) -> HttpResponse:
    ets = _exiger_dossier(request)
    type_ = request.GET.get("type", "")
    finess = request.GET.get("etablissement", "")
    qs = AnomalieIns.objects.filter(etablissement__in=ets, resolue_le__isnull=True).select_related(
        "usager", "etablissement")
    if finess:
        qs = qs.filter(etablissement__finess=finess)
    par_type = Counter(qs.values_list("type", flat=True))
    if type_:
        qs = qs.filter(type=type_)
    liste = list(qs[:300])
    tracer_lecture_liste([a.usager for a in liste], "usagers.Usager", "File des anomalies INS")
    return render(request, "usagers/anomalies.html", {
        "anomalies": liste, "type": type_, "etablissement": finess, "etablissements": ets.order_by("nom"),
        "par_type": [(t, TypeAnomalie(t).label, n, conduites.conduite(t)) for t, n in par_type.most_common()],
        "conduite": conduites.conduite(type_) if type_ else None, "types": TypeAnomalie.choices})


@login_required
def anomalies_export(request: HttpRequest) -> HttpResponse:
    """The open anomaly queue as an Excel workbook, with the conduct to follow per line (traced as an export)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from socle.core.tableur import ajouter_ligne_xlsx

    ets = _exiger_dossier(request)
    qs = AnomalieIns.objects.filter(etablissement__in=ets, resolue_le__isnull=True).select_related(
        "usager", "etablissement").order_by("etablissement__nom", "type", "usager__nom_naissance")
    if request.GET.get("etablissement"):
        qs = qs.filter(etablissement__finess=request.GET["etablissement"])
    if request.GET.get("type"):
        qs = qs.filter(type=request.GET["type"])
    wb = Workbook()
    ws = wb.active
    ws.title = "Anomalies INS"
    entetes = ["FINESS ESMS", "ESMS", "Nom de naissance", "Prénoms de naissance", "Date de naissance", "Sexe",
               "Type d'anomalie", "Détail", "Depuis le", "À vérifier", "Document", "Qui contacter", "Ensuite"]
    ws.append(entetes)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    lignes = list(qs[:20000])
    for a in lignes:  # names typed by people: never stored as formulas (socle.core.tableur)
        c = conduites.conduite(a.type)
        ajouter_ligne_xlsx(ws, [a.etablissement.finess, a.etablissement.nom, a.usager.nom_naissance,
                                a.usager.prenoms_naissance, _date_cellule(a.usager.date_naissance), a.usager.sexe,
                                a.get_type_display(), a.detail, timezone.localtime(a.creee_le).date(), c["verifier"],
                                c["document"], c["contacter"], c["ensuite"]])
        ws.cell(row=ws.max_row, column=5).number_format = "DD/MM/YYYY"
        ws.cell(row=ws.max_row, column=9).number_format = "DD/MM/YYYY"
    for col, largeur in zip("ABCDEFGHIJKLM", (12, 30, 20, 24, 12, 6, 28, 50, 12, 50, 30, 40, 40), strict=True):
        ws.column_dimensions[col].width = largeur
    ws.freeze_panes = "A2"
    buf = BytesIO()
    wb.save(buf)
    tracer(Action.EXPORT, objet_type="usagers.AnomalieIns", objet_id="liste", libelle="File des anomalies INS",
           details={"usagers": [a.usager_id for a in lignes], "nombre": len(lignes)})
    r = HttpResponse(buf.getvalue(),
                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    r["Content-Disposition"] = f'attachment; filename="anomalies-ins-{timezone.localdate():%Y%m%d}.xlsx"'
    return r


@login_required
@require_POST
def anomalie_resoudre(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(AnomalieIns, pk=pk, etablissement__in=_ets_dossier(request.user))
    a.resolue_le, a.resolue_par = timezone.now(), request.user
    a.resolution = request.POST.get("resolution", "").strip() or "Traitée"
    a.save()
    tracer(Action.MODIFICATION, objet=a.usager, details={"anomalie": a.pk, "resolution": a.resolution})
    return redirect(reverse("usagers:anomalies") + f"?type={a.type}")


def _date_cellule(d):
    """A real birth date as a spreadsheet date; a lunar one (00/00/1962) as its text, never rewritten [R-DN-02]."""
    return (d.reelle or d.affichage()) if d else ""
