"""Cockpit screens. Views stay thin: rights through socle.comptes.rights, rules in rules.py / services.py."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights
from socle.comptes.models import Utilisateur
from socle.organisations.models import EtatFiness

from . import calendrier, homologation, rules, services
from .catalogue import BRANCHES_LIBELLES, ETAPES, Niveau
from .certificats import CertificatError
from .forms import (
    CarteForm,
    CertificatForm,
    DuiForm,
    EtapeForm,
    HomologationForm,
    LecteurForm,
    MandataireForm,
)
from .models import Carte, Certificat, Dui, EtatEtape, Homologation, Lecteur, Mandataire


def _og(request, finess: str):
    return get_object_or_404(rights.organismes_visibles(request.user), finess=finess)


def _og_pour(request, finess: str, action: str):
    """An OG and what the user may do with it; refused unless `action` is among it (cards, certificates and
    homologation are the OG's own objects: a function on one of its ESMS does not open them)."""
    og = _og(request, finess)
    peut = rights.capacites(request.user, og)
    if action not in peut:
        raise PermissionDenied(_("Votre fonction ne permet pas d'ouvrir cette page de l'organisme."))
    return og, peut


@login_required
def index(request: HttpRequest) -> HttpResponse:
    jour = services.aujourdhui()
    ogs = list(rights.organismes_visibles(request.user).order_by("raison_sociale"))
    resumes = []
    for og in ogs:
        vue = services.vue_organisme(og, set(), jour)
        faits, total = vue.progression
        resumes.append({"og": og, "faits": faits, "total": total, "pct": round(100 * faits / total) if total else 0,
                        "avertissements": len(vue.avertissements),
                        "retards": sum(lg.en_retard for lg in vue.lignes)
                        + sum(lg.en_retard for _, ls in vue.esms for lg in ls)})
    return render(request, "prerequis/index.html", {
        "actions": services.actions_de(request.user, jour), "resumes": resumes,
        "grappes": rights.grappes_visibles(request.user),
        "alertes": services.alertes_certificats(ogs, jour), "insi": [(og, *services.certificat_insi_pret(og)) for og in ogs],
    })


@login_required
def og_detail(request: HttpRequest, finess: str) -> HttpResponse:
    og = _og(request, finess)
    par_og, par_et = services.carte_fonctions(request.user)
    f_esms = {et.pk: par_et.get(et.pk, set()) for et in services.etablissements_actifs(og)}
    js = services.jalons_de(og)
    vue = services.vue_organisme(og, par_og.get(og.pk, set()), esms_fonctions=f_esms, js=js)
    return render(request, "prerequis/og.html", {
        "vue": vue, "og": og, "jalons": js, "frise": services.frise(vue.lignes, services.aujourdhui(), js),
        "capacites": rights.capacites(request.user, og),
        "organisme_entier": rights.organismes_couverts(request.user).filter(pk=og.pk).exists()})


@login_required
def grappe(request: HttpRequest, pk: int) -> HttpResponse:
    g = get_object_or_404(rights.grappes_visibles(request.user), pk=pk)
    filtre = request.GET.get("filtre", "")
    if filtre not in ("", "retard", "bloque"):
        filtre = ""
    m = services.matrice_grappe(g, request.user, filtre)
    if request.GET.get("format") in ("csv", "xlsx"):
        from socle.core.tableur import reponse_tableur

        lignes = [[lg["og"].raison_sociale, lg["og"].finess, lg["etablissement"].nom, lg["etablissement"].finess,
                   *[c["libelle"] + (" (en retard)" if c["retard"] else "") + (" (bloquée)" if c["bloquee"] else "")
                     for c in lg["cellules"]], lg["faits"], lg["applicables"]] for lg in m["lignes"]]
        return reponse_tableur(f"matrice-prerequis-grappe-{g.pk}", request.GET["format"],
                               ["Organisme", "FINESS EJ", "ESMS", "FINESS ET", *[e.titre for e in m["etapes"]],
                                "Étapes faites", "Étapes applicables"], lignes)
    return render(request, "prerequis/grappe.html", {"grappe": g, "filtre": filtre, **m})


@login_required
def etape(request: HttpRequest, finess: str, etape_id: str, esms: str | None = None) -> HttpResponse:
    og = _og(request, finess)
    if etape_id not in ETAPES:
        raise Http404("Étape inconnue")
    et = None
    if esms is not None:
        et = get_object_or_404(rights.etablissements_visibles(request.user).filter(organisme=og), finess=esms)
    if (ETAPES[etape_id].niveau == Niveau.ESMS) != (et is not None):
        raise Http404("Étape d'un autre niveau")
    etat = EtatEtape.objects.filter(organisme=og, etablissement=et, etape=etape_id).first()
    peut = services.peut_modifier(request.user, og, etape_id, et)
    if request.method == "POST":
        if not peut:
            raise PermissionDenied(_("Seule la fonction responsable de l'étape, le représentant légal ou le chef de "
                                     "projet peut la modifier."))
        form = EtapeForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.marquer(request.user, og, etape_id, d["statut"], etablissement=et, date_envoi=d["date_envoi"],
                                 date_fait=d["date_fait"], preuve=d["preuve"], motif=d["motif"],
                                 commentaire=d["commentaire"])
            except services.EtapeError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Étape « %(titre)s » enregistrée.") % {"titre": ETAPES[etape_id].titre})
                return redirect("prerequis:og", finess=og.finess)
    else:
        initial = {"statut": etat.statut if etat else "a_faire"}
        if etat:
            initial.update(date_envoi=etat.date_envoi, date_fait=etat.date_fait, motif=etat.motif_non_applicable,
                           commentaire=etat.commentaire)
        form = EtapeForm(initial=initial)
    etats = services.etats_pour(og, et)
    hors = etats.get(etape_id)
    return render(request, "prerequis/etape.html", {
        "hors_branche": hors.motif_non_applicable if isinstance(hors, rules.EtatSimple) else "",
        "og": og, "et": et, "etape": ETAPES[etape_id], "etat": etat, "form": form, "peut": peut,
        "bloquee_par": [ETAPES[b] for b in rules.bloquee_par(etape_id, etats)],
        "prerequis": [(ETAPES[p], rules.statut(etats, p)) for p in ETAPES[etape_id].prerequis],
        "statut_actuel": etat.statut if etat else "a_faire",
        "voir_preuve": et is not None or rights.organismes_couverts(request.user).filter(pk=og.pk).exists(),
    })


@login_required
def preuve(request: HttpRequest, pk: int) -> FileResponse:
    etat = get_object_or_404(EtatEtape, pk=pk, organisme__in=rights.organismes_visibles(request.user))
    if etat.etablissement_id and not rights.etablissements_visibles(request.user).filter(pk=etat.etablissement_id).exists():
        raise Http404
    if not etat.etablissement_id:  # an OG-level step's proof (contract, CDE order…) is the OG's document
        rights.exiger_organisme_entier(request.user, etat.organisme)
    if not etat.preuve:
        raise Http404("Aucune pièce")
    tracer(Action.LECTURE, objet=etat, details={"champ": "preuve"})
    return FileResponse(etat.preuve.open("rb"), as_attachment=True, filename=etat.preuve.name.rsplit("/", 1)[-1])


def _ogs_calendrier(request: HttpRequest) -> tuple[list, str | None]:
    """The OGs of the calendar: all visible ones, or the one of `?og=<FINESS>` (404 if not visible)."""
    ogs = list(rights.organismes_visibles(request.user).order_by("raison_sociale"))
    finess = request.GET.get("og")
    if finess:
        ogs = [og for og in ogs if og.finess == finess]
        if not ogs:
            raise Http404
    return ogs, finess


@login_required
def calendrier_vue(request: HttpRequest) -> HttpResponse:
    ogs, finess = _ogs_calendrier(request)
    if request.method == "POST":
        # a milestone of a grappe or OG the user sees (else 404), edited by its own chef de projet (else 403)
        jalon = get_object_or_404(services.jalons_visibles(request.user), pk=request.POST.get("jalon") or 0)
        if not services.peut_modifier_jalon(request.user, jalon):
            raise PermissionDenied(_("Seul le chef de projet de la grappe ou de l'organisme qui porte ce jalon en "
                                     "modifie la date cible."))
        try:
            nouvelle = date.fromisoformat(request.POST.get("date_cible", ""))
        except ValueError:
            messages.error(request, _("Date cible invalide : format attendu JJ/MM/AAAA."))
        else:
            services.modifier_jalon(request.user, jalon, nouvelle)
            messages.success(request, _("Date cible de « %(jalon)s » enregistrée.") % {"jalon": jalon.libelle})
        return redirect(request.get_full_path())
    evts, avertissements = calendrier.evenements(ogs)
    jalons, _par_og = calendrier.jalons_du_calendrier(ogs)
    return render(request, "prerequis/calendrier.html", {
        "evenements": evts, "avertissements": avertissements, "og": ogs[0] if finess else None,
        "jalons": [(j, services.peut_modifier_jalon(request.user, j)) for j in jalons],
        "peut_jalons": any(services.peut_modifier_jalon(request.user, j) for j in jalons)})


@login_required
def calendrier_ics(request: HttpRequest) -> HttpResponse:
    ogs, finess = _ogs_calendrier(request)
    resp = HttpResponse(calendrier.exporter_ics(ogs), content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="prerequis-segur{"-" + finess if finess else ""}.ics"'
    return resp


@login_required
def cartes(request: HttpRequest, finess: str) -> HttpResponse:
    og, _capacites = _og_pour(request, finess, "inventaire_cartes")  # holders' names: for those who manage cards
    utilisateurs = Utilisateur.objects.filter(
        Q(habilitations__organisme=og) | Q(habilitations__etablissement__organisme=og)).distinct()
    carte_form = CarteForm(organisme=og, utilisateurs=utilisateurs, prefix="carte")
    lecteur_form = LecteurForm(organisme=og, prefix="lecteur")
    mandataire_form = MandataireForm(utilisateurs=utilisateurs, prefix="mandataire")
    if request.method == "POST":
        if "carte-type" in request.POST:
            carte_form = CarteForm(request.POST, organisme=og, utilisateurs=utilisateurs, prefix="carte")
            if carte_form.is_valid():
                c = carte_form.save(commit=False)
                c.organisme = og
                c.save()
                tracer(Action.CREATION, objet=c)
                messages.success(request, _("Carte ajoutée à l'inventaire."))
                return redirect("prerequis:cartes", finess=og.finess)
        elif "mandataire-designation" in request.POST:
            mandataire_form = MandataireForm(request.POST, utilisateurs=utilisateurs, prefix="mandataire")
            if mandataire_form.is_valid():
                m = mandataire_form.save(commit=False)
                m.organisme = og
                m.save()
                tracer(Action.CREATION, objet=m)
                messages.success(request, _("Mandataire ajouté."))
                return redirect("prerequis:cartes", finess=og.finess)
        else:
            lecteur_form = LecteurForm(request.POST, organisme=og, prefix="lecteur")
            if lecteur_form.is_valid():
                lect = lecteur_form.save()
                tracer(Action.CREATION, objet=lect)
                messages.success(request, _("Lecteurs ajoutés à l'inventaire."))
                return redirect("prerequis:cartes", finess=og.finess)
    cartes_og = list(Carte.objects.filter(organisme=og).select_related("titulaire", "etablissement"))
    tracer_lecture_liste(cartes_og, "prerequis.Carte", f"Inventaire des cartes — {og.raison_sociale}",
                         organisme=og)  # the holders' names
    mandataires = list(Mandataire.objects.filter(organisme=og).select_related("utilisateur"))
    tracer_lecture_liste(mandataires, "prerequis.Mandataire", f"Mandataires — {og.raison_sociale}", organisme=og)
    return render(request, "prerequis/cartes.html", {
        "og": og, "carte_form": carte_form, "lecteur_form": lecteur_form, "mandataire_form": mandataire_form,
        "cartes": cartes_og, "mandataires": mandataires,
        "lecteurs": Lecteur.objects.filter(etablissement__organisme=og).select_related("etablissement")})


@login_required
def dui(request: HttpRequest, finess: str) -> HttpResponse:
    """The DUI record of each ESMS of the OG the user sees: its capabilities choose the chain's branches."""
    og = _og(request, finess)
    ets = list(rights.etablissements_visibles(request.user).filter(organisme=og, etat=EtatFiness.ACTIF)
               .order_by("nom"))
    existants = services.duis_de(ets)
    en_erreur: dict[int, DuiForm] = {}
    if request.method == "POST":
        et = next((e for e in ets if e.finess == request.POST.get("esms")), None)
        if et is None:
            raise Http404
        if "modifier_dui" not in rights.capacites(request.user, et):
            raise PermissionDenied(_("Seuls le représentant légal, le chef de projet ou l'administrateur technique "
                                     "renseignent le DUI d'un établissement."))
        cree = et.pk not in existants
        form = DuiForm(request.POST, instance=existants.get(et.pk) or Dui(etablissement=et), prefix=et.finess)
        if form.is_valid():
            d = form.save()
            tracer(Action.CREATION if cree else Action.MODIFICATION, objet=d, details={"champs": form.changed_data})
            messages.success(request, _("DUI de « %(nom)s » enregistré.") % {"nom": et.nom})
            return redirect("prerequis:dui", finess=og.finess)
        en_erreur[et.pk] = form
    formulaires = [{"et": et, "dui": existants.get(et.pk), "branches": sorted(rules.branches(existants.get(et.pk))),
                    "form": en_erreur.get(et.pk) or DuiForm(instance=existants.get(et.pk), prefix=et.finess),
                    "peut": "modifier_dui" in rights.capacites(request.user, et)} for et in ets]
    return render(request, "prerequis/dui.html", {"og": og, "formulaires": formulaires,
                                                  "libelles": {b.value: lib for b, lib in BRANCHES_LIBELLES.items()}})


@login_required
def certificats_vue(request: HttpRequest, finess: str) -> HttpResponse:
    og, capacites = _og_pour(request, finess, "certificats")
    peut_deposer = "deposer_certificat" in capacites
    admin_tech = "reveler_mot_de_passe" in capacites
    form = CertificatForm()
    if request.method == "POST":
        if not peut_deposer:
            raise PermissionDenied(
                _("Seuls l'administrateur technique et le représentant légal déposent un certificat."))
        form = CertificatForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.enregistrer_certificat(og, d["fichier"].read(), d["fichier"].name, d["mot_de_passe"],
                                                d["email_service"], d["libelle"], request.user)
            except CertificatError as exc:
                form.add_error("fichier", str(exc))
            else:
                messages.success(request, _("Certificat enregistré."))
                return redirect("prerequis:certificats", finess=og.finess)
    jour = services.aujourdhui()
    certs = list(Certificat.objects.filter(organisme=og).defer("contenu"))
    alertes = {a.certificat.pk: a for a in services.alertes_certificats([og], jour)}
    return render(request, "prerequis/certificats.html", {
        "og": og, "form": form, "peut_deposer": peut_deposer, "admin_tech": admin_tech,
        "certificats": [(c, c.insi_pret(jour), alertes.get(c.pk)) for c in certs],
        "insi": services.certificat_insi_pret(og), "inventaire": services.inventaire_certificats(certs, jour),
        "dmp": "dmp_certificat" in services.branches_og(og), **services.plateforme_test()})


@login_required
@require_POST
def mot_de_passe(request: HttpRequest, pk: int) -> HttpResponse:
    cert = get_object_or_404(Certificat, pk=pk, organisme__in=rights.organismes_couverts(request.user))
    try:
        mdp = services.mot_de_passe_certificat(request.user, cert)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    if request.htmx:
        return HttpResponse(format_html("<code>{}</code>", mdp))
    return render(request, "prerequis/mot_de_passe.html", {"cert": cert, "mot_de_passe": mdp})


@login_required
def homologation_vue(request: HttpRequest, finess: str) -> HttpResponse:
    og, capacites = _og_pour(request, finess, "homologation")
    peut = "modifier_homologation" in capacites
    h, _created = Homologation.objects.get_or_create(organisme=og)
    form = HomologationForm(instance=h)
    if request.method == "POST":
        if not peut:
            raise PermissionDenied(_("Votre fonction ne permet pas de modifier le dossier d'homologation."))
        form = HomologationForm(request.POST, instance=h)
        if form.is_valid():
            h = form.save(commit=False)
            h.checklist = {code: {"ok": request.POST.get(f"ok_{code}") == "on",
                                  "note": request.POST.get(f"note_{code}", "")[:500]} for code in homologation.ITEMS}
            h.save()
            tracer(Action.MODIFICATION, objet=h)
            messages.success(request, _("Dossier d'homologation enregistré."))
            return redirect("prerequis:homologation", finess=og.finess)
    sections = [(titre, [(code, lib, {"ok": False, "note": "", **h.checklist.get(code, {})}) for code, lib in items])
                for titre, items in homologation.CHECKLIST.items()]
    faits, total = homologation.progression(h)
    return render(request, "prerequis/homologation.html", {
        "og": og, "h": h, "form": form, "peut": peut, "sections": sections, "faits": faits, "total": total,
        "manques": homologation.manques(h), "homologation_faite": not services.refus_homologation(og)
        or not services.homologation_exigee(), **services.plateforme_test()})


@login_required
def homologation_pv(request: HttpRequest, finess: str) -> HttpResponse:
    og, _capacites = _og_pour(request, finess, "homologation")
    h = get_object_or_404(Homologation, organisme=og)
    manques = homologation.manques(h)
    if manques:
        messages.error(request, _("Le PV ne peut pas encore être généré : %(manques)s.") % {"manques": " ; ".join(manques)})
        return redirect(reverse("prerequis:homologation", args=[og.finess]))
    tracer(Action.EXPORT, objet=h, details={"document": "pv"})
    resp = HttpResponse(homologation.pv_pdf(h), content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="pv-auto-homologation-ins-{og.finess}.pdf"'
    return resp
