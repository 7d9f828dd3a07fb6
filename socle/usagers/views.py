"""Screens of the usagers app. Thin: rights via socle.comptes.rights, rules in rniv/services, every read traced."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights

from . import batch, conduites, rniv, services
from .forms import AttributsForm, ControleForm, CreationForm, LotForm, RejetForm, TraitsForm
from .models import AnomalieIns, AppelInsi, Fusion, LotQualification, Statut, TypeAnomalie, Usager

FONCTIONS_DOSSIER = rights.fonctions_de("dossiers_usagers")
FONCTIONS_LOT = rights.fonctions_de("lots_ins")


def _ets_dossier(user):
    return rights.etablissements_visibles(user, fonctions=FONCTIONS_DOSSIER)


def _usager(request: HttpRequest, pk: int) -> Usager:
    """The usager if followed by one of the user's ESMS (or merged into such a record); 404 otherwise."""
    ets = _ets_dossier(request.user)
    qs = Usager.objects.filter(Q(sejours__etablissement__in=ets) | Q(fusionne_dans__sejours__etablissement__in=ets))
    usager = qs.select_related("organisme").distinct().filter(pk=pk).first()
    if usager is None:
        raise Http404("Usager introuvable dans votre périmètre.")
    return usager


def _exiger_dossier(request: HttpRequest):
    ets = _ets_dossier(request.user)
    if not ets.exists():
        raise PermissionDenied("Les dossiers usagers sont réservés aux fonctions Admission et Professionnel.")
    return ets


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not _ets_dossier(request.user).exists():
        # The menu shows "Usagers & INS" to the représentant légal: send people without access to records to
        # what they may see (INSi batches, then the aggregated identity dashboard) rather than to a bare 403.
        if rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT).exists():
            return redirect("usagers:lots")
        if rights.etablissements_visibles(request.user).exists():
            return redirect("usagers:tableau")
    ets = _exiger_dossier(request)
    finess = request.GET.get("etablissement", "")
    q = request.GET.get("q", "").strip()
    statut = request.GET.get("statut", "")
    selection = ets.filter(finess=finess) if finess else ets
    qs = services.usagers_de(selection).select_related("organisme")
    if q:
        f = rniv.formater_nom(q)
        qs = qs.filter(Q(nom_naissance__startswith=f) | Q(nom_utilise__startswith=f) | Q(prenoms_naissance__contains=f)
                       | Q(matricule_ins__startswith=q))
    if statut in Statut.values:
        qs = qs.filter(statut=statut)
    total = qs.count()
    usagers = list(qs.order_by("nom_naissance", "premier_prenom", "pk")[:200])
    tracer_lecture_liste(usagers, "usagers.Usager", f"Liste des usagers {finess or 'tous ESMS'} {q}".strip())
    return render(request, "usagers/index.html", {
        "usagers": usagers, "total": total, "etablissements": ets.order_by("nom"), "etablissement": finess, "q": q,
        "statut": statut, "statuts": Statut.choices,
        "peut_lot": rights.etablissements_visibles(request.user, fonctions=FONCTIONS_LOT).exists()})


@login_required
def nouveau(request: HttpRequest) -> HttpResponse:
    """Create an identity, after the RNIV search for an existing one (same birth date in the OG) to avoid
    creating a duplicate; the user confirms when the people listed are not the person."""
    ets = _exiger_dossier(request).order_by("nom")
    form = CreationForm(request.POST or None, etablissements=ets,
                        initial={"date_admission": timezone.localdate(), "etablissement": ets.first()})
    existants, autres_esms = [], 0
    if request.method == "POST" and form.is_valid():
        et = form.cleaned_data["etablissement"]
        rights.exiger_fonction(request.user, *FONCTIONS_DOSSIER, etablissement=et)
        traits = {k: form.cleaned_data[k] for k in TraitsForm.base_fields}
        nes_ce_jour = Usager.objects.filter(organisme=et.organisme, fusionne_dans__isnull=True,
                                            date_naissance=traits["date_naissance"])
        # Names only of people followed in an ESMS she may see; elsewhere in the OG, only how many.
        visibles = nes_ce_jour.filter(pk__in=services.usagers_de(ets).values("pk"))
        existants = list(visibles.prefetch_related("sejours__etablissement")[:50])
        autres_esms = nes_ce_jour.exclude(pk__in=visibles.values("pk")).count()
        if (existants or autres_esms) and not request.POST.get("confirmer"):
            tracer_lecture_liste(existants, "usagers.Usager", "Recherche d'antériorité avant création")
        else:
            try:
                u = services.creer_usager(et.organisme, et, traits, user=request.user,
                                          date_admission=form.cleaned_data["date_admission"])
            except rniv.RegleRniv as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Usager créé avec une identité provisoire.")
                return redirect("usagers:qualifier", pk=u.pk)
    return render(request, "usagers/nouveau.html", {"form": form, "existants": existants,
                                                    "autres_esms": autres_esms})


def _contexte_fiche(usager: Usager) -> dict:
    return {
        "usager": usager, "libelle_statut": rniv.libelle_statut(usager.statut),
        "ins_affichable": rniv.ins_affichable(usager.statut) and usager.matricule_ins,
        "ins_transmissible": rniv.ins_transmissible(usager.statut, usager.douteuse, usager.fictive),
        "nature_ins": rniv.nature_oid(usager.oid_ins) or "",
        "alerte_lieu": rniv.lieu_naissance_alerte(usager.lieu_naissance, usager.statut),
        "historique": usager.historique.select_related("par")[:50],
        "justificatifs": usager.justificatifs.all()[:20],
        "sejours": usager.sejours.select_related("etablissement"),
        "anomalies": usager.anomalies.filter(resolue_le__isnull=True),
        "fusions": Fusion.objects.filter(Q(source=usager) | Q(cible=usager)).select_related("source", "cible"),
        "appel_insi_ok": rniv.appel_insi_autorise(usager.douteuse, usager.fictive),
        "aujourdhui": timezone.localdate(),
    }


@login_required
def fiche(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager(request, pk)
    tracer(Action.LECTURE, objet=usager)
    ctx = _contexte_fiche(usager)
    ctx["ets_admission"] = _ets_dossier(request.user).filter(organisme=usager.organisme).order_by("nom")
    ctx["attributs_form"] = AttributsForm(initial={"douteuse": usager.douteuse, "fictive": usager.fictive,
                                                   "homonyme": usager.homonyme})
    return render(request, "usagers/fiche.html", ctx)


def _exiger_droit_usager(request: HttpRequest, usager: Usager) -> None:
    if request.user.is_superuser:
        return
    ets = _ets_dossier(request.user).filter(sejours__usager=usager)
    if not ets.exists():
        raise PermissionDenied("Votre fonction ne permet pas de modifier cette identité.")
    if usager.fusionne_dans_id:
        raise PermissionDenied("Identité fusionnée : elle n'est plus modifiable (annulez la fusion si besoin).")


def _usager_modifiable(request: HttpRequest, pk: int) -> Usager:
    """The usager of `pk` (404 out of perimeter) that the user may change (403 otherwise)."""
    usager = _usager(request, pk)
    _exiger_droit_usager(request, usager)
    return usager


@login_required
def qualifier(request: HttpRequest, pk: int) -> HttpResponse:
    """Type/edit traits, record the document check, call INSi (MANU), compare, accept or reject."""
    usager = _usager_modifiable(request, pk)
    initial = {k: getattr(usager, k) for k in TraitsForm.base_fields}
    traits_form = TraitsForm(request.POST or None, initial=initial, statut=usager.statut)
    controle_form = ControleForm(request.POST or None)
    appel = None
    if request.method == "POST":
        action = request.POST.get("action", "enregistrer")
        if traits_form.is_valid() and controle_form.is_valid():
            try:
                cd = controle_form.cleaned_data
                res = services.qualifier_identite(
                    usager, traits_form.cleaned_data, user=request.user, appeler=action == "appeler",
                    controle=cd if cd.get("controle_fait") else None)
                usager, appel = res.usager, res.appel
                if res.justificatif:
                    (messages.success if res.justificatif.haut_niveau else messages.warning)(
                        request, res.justificatif.raison)
                if action != "appeler":
                    messages.success(request, "Identité enregistrée.")
                    return redirect("usagers:qualifier", pk=usager.pk)
            except (rniv.RegleRniv, services.AppelInsiRefuse) as exc:
                traits_form.add_error(None, str(exc))
            usager.refresh_from_db()
            traits_form = TraitsForm(initial={k: getattr(usager, k) for k in TraitsForm.base_fields},
                                     statut=usager.statut) if not traits_form.errors else traits_form
            controle_form = ControleForm() if not controle_form.errors else controle_form
    else:
        tracer(Action.LECTURE, objet=usager, details={"ecran": "qualification"})
    ctx = _contexte_fiche(usager)
    ctx.update({"traits_form": traits_form, "controle_form": controle_form, "appel": appel,
                "rejet_form": RejetForm(), "lignes": services.comparaison(usager, appel) if appel else []})
    if request.htmx:
        return render(request, "usagers/_zone_qualification.html", ctx)
    return render(request, "usagers/qualifier.html", ctx)


def _appel(request: HttpRequest, pk: int, appel_pk: int) -> tuple[Usager, AppelInsi]:
    usager = _usager_modifiable(request, pk)
    return usager, get_object_or_404(AppelInsi, pk=appel_pk, usager=usager)


@login_required
@require_POST
def accepter(request: HttpRequest, pk: int, appel_pk: int) -> HttpResponse:
    usager, appel = _appel(request, pk, appel_pk)
    try:
        usager = services.accepter_identite(usager, appel, user=request.user)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
        return redirect("usagers:qualifier", pk=usager.pk)
    messages.success(request, f"Identité INSi acceptée : {rniv.libelle_statut(usager.statut)}.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def rejeter(request: HttpRequest, pk: int, appel_pk: int) -> HttpResponse:
    usager, appel = _appel(request, pk, appel_pk)
    form = RejetForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Le motif du rejet est obligatoire.")
        return redirect("usagers:qualifier", pk=usager.pk)
    try:
        services.rejeter_identite(usager, appel, form.cleaned_data["motif"], user=request.user)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "Réponse INSi rejetée ; l'identité est inchangée.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def attributs(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    form = AttributsForm(request.POST)
    if form.is_valid():
        try:
            services.definir_attributs(usager, user=request.user, **form.cleaned_data)
            messages.success(request, "Attributs enregistrés.")
        except rniv.RegleRniv as exc:
            messages.error(request, str(exc))
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def verifier(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    try:
        conforme, appel = services.verifier_ins(usager, user=request.user)
    except (rniv.RegleRniv, services.AppelInsiRefuse) as exc:
        messages.error(request, str(exc))
    else:
        if appel.cr == "ERR":
            messages.error(request, f"Vérification impossible (erreur technique) : {appel.erreur}")
        elif conforme:
            messages.success(request, "INS confirmé par INSi.")
        else:
            messages.warning(request, "INSi ne confirme plus cet INS : l'identité a perdu le critère « récupérée ».")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def sejour_ajouter(request: HttpRequest, pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    et = get_object_or_404(_ets_dossier(request.user), pk=request.POST.get("etablissement") or 0)
    try:
        d = date.fromisoformat(request.POST.get("date_admission", ""))
        services.ajouter_sejour(usager, et, d, user=request.user)
    except ValueError:
        messages.error(request, "Date d'admission invalide (JJ/MM/AAAA).")
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Admission enregistrée : {et.nom}.")
    return redirect("usagers:fiche", pk=usager.pk)


@login_required
@require_POST
def sejour_sortie(request: HttpRequest, pk: int, sejour_pk: int) -> HttpResponse:
    usager = _usager_modifiable(request, pk)
    sejour = get_object_or_404(usager.sejours.filter(etablissement__in=_ets_dossier(request.user)), pk=sejour_pk)
    try:
        d = date.fromisoformat(request.POST.get("date_sortie", ""))
        services.enregistrer_sortie(sejour, d, user=request.user)
    except ValueError:
        messages.error(request, "Date de sortie invalide (JJ/MM/AAAA).")
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Sortie enregistrée.")
    return redirect("usagers:fiche", pk=usager.pk)


# --- batches ------------------------------------------------------------------------------------------------

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
            from .tasks import executer_lot_ins

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
        from .tasks import executer_lot_ins

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
                                a.usager.prenoms_naissance, a.usager.date_naissance, a.usager.sexe,
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


# --- dashboard ----------------------------------------------------------------------------------------------

def repartition_par_etablissement(ets) -> dict[int, Counter]:
    rows = (services.Usager.objects.filter(sejours__etablissement__in=ets, sejours__date_sortie__isnull=True,
                                           fusionne_dans__isnull=True)
            .values("sejours__etablissement", "statut").annotate(n=Count("id", distinct=True)))
    out: dict[int, Counter] = defaultdict(Counter)
    for r in rows:
        out[r["sejours__etablissement"]][r["statut"]] += r["n"]
    return out


def _barres(counter: Counter) -> dict:
    total = sum(counter.values())
    return {"total": total, "segments": [
        {"code": s, "libelle": rniv.LIBELLES[s], "n": counter.get(s, 0),
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
        g = get_object_or_404(rights.grappes_visibles(request.user), pk=grappe_pk)
        selection, titre = ets_visibles.filter(organisme__grappes=g).distinct(), g.nom
    stats = services.stats_identites(selection)
    rep = repartition_par_etablissement(ets_visibles)
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


COULEURS = {"PROV": "#b3261e", "VALI": "#c98a00", "RECUP": "#0b6e6e", "QUAL": "#2e7d32"}


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
                              "couleur": COULEURS[s], "titre": f"{p['semaine']:%d/%m} {rniv.LIBELLES[s]} : {p[s]}"})
        labels.append({"x": round(x + (col - 8) / 2, 1), "texte": f"{p['semaine']:%d/%m}",
                       "qual": p["pourcent_qual"]})
    return {"largeur": largeur, "hauteur": hauteur + 20, "rects": rects, "labels": labels, "base": hauteur,
            "label_y": hauteur + 15,
            "couleurs": [(rniv.LIBELLES[s], COULEURS[s]) for s in rniv.STATUTS]}


# --- duplicates ---------------------------------------------------------------------------------------------

def _organismes_doublons(user):
    return rights.organismes_visibles(user, fonctions=FONCTIONS_DOSSIER)


@login_required
def doublons(request: HttpRequest, finess: str = "") -> HttpResponse:
    ogs = _organismes_doublons(request.user)
    if not ogs.exists():
        raise PermissionDenied("La recherche de doublons est réservée aux fonctions Admission et Professionnel.")
    if not finess:
        if ogs.count() == 1:
            return redirect("usagers:doublons_og", finess=ogs.first().finess)
        return render(request, "usagers/doublons_choix.html", {"organismes": ogs})
    og = get_object_or_404(ogs, finess=finess)
    from .doublons_wiring import paires_probables

    ets = _ets_dossier(request.user).filter(organisme=og)
    paires = paires_probables(services.usagers_de(ets))
    montrees = paires[:300]
    tracer_lecture_liste([u for p in montrees for u in (p["a"], p["b"])], "usagers.Usager",
                         f"Doublons probables — {og.raison_sociale}", organisme=og,
                         details={"ecran": "doublons probables", "paires": len(paires),
                                  "paires_montrees": [[p["a"].pk, p["b"].pk] for p in montrees]})
    return render(request, "usagers/doublons.html", {"og": og, "paires": montrees, "total": len(paires)})


@login_required
@require_POST
def fusion(request: HttpRequest) -> HttpResponse:
    source = _usager(request, int(request.POST.get("source", 0)))
    cible = _usager(request, int(request.POST.get("cible", 0)))
    _exiger_droit_usager(request, source)
    _exiger_droit_usager(request, cible)
    score = request.POST.get("score")
    try:
        services.fusionner(source, cible, user=request.user, motif=request.POST.get("motif", "").strip(),
                           score=float(score) if score else None)
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
        return redirect("usagers:doublons_og", finess=source.organisme.finess)
    messages.success(request, "Fusion enregistrée ; elle peut être annulée depuis la fiche.")
    return redirect("usagers:fiche", pk=cible.pk)


@login_required
@require_POST
def distincts(request: HttpRequest) -> HttpResponse:
    a = _usager(request, int(request.POST.get("a", 0)))
    b = _usager(request, int(request.POST.get("b", 0)))
    _exiger_droit_usager(request, a)
    _exiger_droit_usager(request, b)
    try:
        services.declarer_distincts(a, b, user=request.user, motif=request.POST.get("motif", "").strip())
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Paire écartée : les deux identités sont marquées homonymes.")
    return redirect("usagers:doublons_og", finess=a.organisme.finess)


@login_required
@require_POST
def fusion_annuler(request: HttpRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(Fusion, pk=pk)
    cible = _usager(request, f.cible_id)
    if not _ets_dossier(request.user).filter(sejours__usager=cible).exists() and not request.user.is_superuser:
        raise PermissionDenied("Votre fonction ne permet pas d'annuler cette fusion.")
    try:
        services.annuler_fusion(f, user=request.user, motif=request.POST.get("motif", "").strip())
    except rniv.RegleRniv as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Fusion annulée.")
    return redirect("usagers:fiche", pk=f.source_id)

