"""Exchanges with the ESMS's DUI: upload an export (dry run, then commit), the column mapping and IPP domain,
the export back (CSV, FHIR, HL7), and the API tokens (administrateur technique)."""

from __future__ import annotations

import io
from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from socle.comptes import rights
from socle.core.fichiers import reglage, taille_lisible

from ..echanges import exporter, jetons
from ..echanges.importer import parametres
from ..echanges.tableau import COLONNES, LIBELLES, deviner_mapping, lire_entetes
from ..echanges.travaux import executer_import, seuil_tache
from ..models import EchangeDui, JetonApi, ParametresDui
from ..tasks import traiter_import_dui

FONCTIONS = rights.fonctions_de("echanges_dui")
FORMATS_IMPORT = [
    ("", "Reconnaître le format"),
    ("csv", "CSV"),
    ("xlsx", "XLSX (Excel)"),
    ("fhir", "FHIR R4 (Bundle de Patient, FR Core)"),
    ("hl7", "HL7 v2.5 ADT (IHE PAM France)"),
]
FORMATS_EXPORT = [
    ("csv", "CSV (colonnes de l'ESMS)"),
    ("fhir", "FHIR R4 (Bundle FR Core)"),
    ("hl7", "HL7 v2.5 ADT^A31 (IHE PAM France)"),
]


class DepotForm(forms.Form):
    fichier = forms.FileField(label="Export du DUI (CSV, XLSX, JSON FHIR, HL7 ; .gz ou .zip acceptés)")
    format = forms.ChoiceField(label="Format", choices=FORMATS_IMPORT, required=False)

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        maxi = reglage("SOCLE_USAGERS_MAX_FICHIER")
        if f.size > maxi:
            raise forms.ValidationError(
                f"Le fichier fait {taille_lisible(f.size)}, au plus {taille_lisible(maxi)} "
                "(limite SOCLE_USAGERS_MAX_FICHIER) : découpez l'export du DUI."
            )
        return f


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=FORMATS_EXPORT)
    depuis = forms.DateField(
        label="Modifiés depuis le (JJ/MM/AAAA, vide : tous)",
        required=False,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )
    dernier = forms.BooleanField(label="Seulement ce qui a changé depuis le dernier export", required=False)


class ParametresForm(forms.ModelForm):
    class Meta:
        model = ParametresDui
        fields = ["format_date", "encodage", "separateur", "domaine_ipp", "oid_ipp"]
        widgets = {
            "encodage": forms.Select(
                choices=[("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "ISO-8859-1")]
            )
        }

    def __init__(self, *args, entetes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for c in COLONNES:
            self.fields[f"col_{c}"] = forms.CharField(
                label=f"Colonne « {LIBELLES[c]} »",
                required=False,
                initial=(self.instance.colonnes or {}).get(c, ""),
                max_length=120,
            )

    def save(self, commit: bool = True):
        self.instance.colonnes = {
            c: self.cleaned_data[f"col_{c}"].strip()
            for c in COLONNES
            if self.cleaned_data.get(f"col_{c}", "").strip()
        }
        return super().save(commit)


class JetonForm(forms.Form):
    nom = forms.CharField(label="Nom du DUI ou de l'éditeur", max_length=100)


def _ets(request: HttpRequest):
    ets = rights.etablissements_visibles(request.user, fonctions=FONCTIONS)
    if not ets.exists():
        raise PermissionDenied(
            "Les échanges avec le DUI sont réservés aux fonctions Admission et Administrateur technique."
        )
    return ets


def _esms(request: HttpRequest, finess: str):
    et = _ets(request).select_related("organisme").filter(finess=finess).first()
    if et is None:
        raise Http404("ESMS introuvable dans votre périmètre.")
    return et


@login_required
def echanges(request: HttpRequest) -> HttpResponse:
    ets = _ets(request).order_by("nom")
    if ets.count() == 1:
        return redirect("usagers:echanges_esms", finess=ets.first().finess)
    return render(request, "usagers/echanges_index.html", {"ets": ets})


@login_required
def esms(request: HttpRequest, finess: str) -> HttpResponse:
    et = _esms(request, finess)
    form = DepotForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["fichier"]
        ech = EchangeDui.objects.create(
            etablissement=et,
            sens=EchangeDui.Sens.IMPORT,
            nom_fichier=f.name[:255],
            format=form.cleaned_data["format"],
            cree_par=request.user,
            fichier=f,
        )
        if f.size > seuil_tache():
            ech.passer(EchangeDui.Statut.EN_COURS)
            traiter_import_dui.enqueue(ech.pk, False)
            messages.info(request, "Fichier volumineux : la simulation se poursuit en arrière-plan.")
        else:
            executer_import(ech.pk, False, utilisateur=request.user)
        return redirect("usagers:echanges_import", pk=ech.pk)
    peut_jetons = "jetons_api" in rights.capacites(request.user, et)
    return render(
        request,
        "usagers/echanges.html",
        {
            "et": et,
            "form": form,
            "export_form": ExportForm(prefix="export"),
            "jeton_form": JetonForm(prefix="jeton"),
            "echanges": et.echanges_dui.all()[:15],
            "peut_jetons": peut_jetons,
            "jetons": et.jetons_api.all() if peut_jetons else [],
            "maintenant": timezone.now(),
            "dernier_export": exporter.dernier_export(et),
        },
    )


def _echange(request: HttpRequest, pk: int) -> EchangeDui:
    ech = get_object_or_404(
        EchangeDui.objects.select_related("etablissement"), pk=pk, sens=EchangeDui.Sens.IMPORT
    )
    if not _ets(request).filter(pk=ech.etablissement_id).exists():
        raise Http404("Import introuvable dans votre périmètre.")
    return ech


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ech = _echange(request, pk)
    r = ech.rapport or {}
    comptes = r.get("comptes") or {}
    return render(
        request,
        "usagers/echanges_import.html",
        {
            "ech": ech,
            "r": r,
            "comptes": comptes,
            "problemes": r.get("problemes", []),
            "resultat": r.get("resultat") or {},
            "validable": ech.statut == EchangeDui.Statut.SIMULE
            and not comptes.get("erreurs")
            and bool(ech.fichier),
        },
    )


@login_required
@require_POST
def import_valider(request: HttpRequest, pk: int) -> HttpResponse:
    ech = _echange(request, pk)
    if ech.statut != EchangeDui.Statut.SIMULE or (ech.rapport.get("comptes") or {}).get("erreurs"):
        messages.error(request, "Cet import ne peut pas être validé (déjà traité, ou erreurs bloquantes).")
        return redirect("usagers:echanges_import", pk=ech.pk)
    if ech.fichier and ech.fichier.size > seuil_tache():
        ech.passer(EchangeDui.Statut.EN_COURS)
        traiter_import_dui.enqueue(ech.pk, True)
        messages.info(request, "Fichier volumineux : l'import se poursuit en arrière-plan.")
    else:
        executer_import(ech.pk, True, utilisateur=request.user)
    return redirect("usagers:echanges_import", pk=ech.pk)


@login_required
def parametres_dui(request: HttpRequest, finess: str) -> HttpResponse:
    et = _esms(request, finess)
    instance = parametres(et)
    form = ParametresForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Paramètres du DUI enregistrés.")
        return redirect("usagers:echanges_esms", finess=et.finess)
    dernier = et.echanges_dui.filter(sens=EchangeDui.Sens.IMPORT).exclude(fichier="").first()
    suggestion = {}
    if dernier and dernier.format in ("csv", "xlsx"):
        try:
            suggestion = deviner_mapping(
                lire_entetes(dernier.fichier.path, instance.encodage, instance.separateur)
            )
        except (OSError, ValueError):
            suggestion = {}
    return render(
        request, "usagers/echanges_parametres.html", {"et": et, "form": form, "suggestion": suggestion}
    )


@login_required
@require_POST
def export(request: HttpRequest, finess: str) -> HttpResponse:
    et = _esms(request, finess)
    form = ExportForm(request.POST, prefix="export")
    if not form.is_valid():
        messages.error(request, "Export : " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("usagers:echanges_esms", finess=et.finess)
    depuis = "dernier" if form.cleaned_data["dernier"] else None
    if form.cleaned_data["depuis"] and not depuis:
        depuis = timezone.make_aware(datetime.combine(form.cleaned_data["depuis"], time.min))
    fmt = form.cleaned_data["format"]
    sortie = io.StringIO()
    exporter.exporter(et, fmt, sortie, depuis=depuis, user=request.user)
    ext, type_ = {
        "csv": ("csv", "text/csv"),
        "fhir": ("json", "application/fhir+json"),
        "hl7": ("hl7", "x-application/hl7-v2+er7"),
    }[fmt]
    reponse = HttpResponse(sortie.getvalue().encode("utf-8"), content_type=f"{type_}; charset=utf-8")
    reponse["Content-Disposition"] = (
        f'attachment; filename="socle_{et.finess}_{timezone.localdate().strftime("%Y%m%d")}.{ext}"'
    )
    return reponse


@login_required
@require_POST
def jeton_creer(request: HttpRequest, finess: str) -> HttpResponse:
    et = _esms(request, finess)
    rights.exiger(request.user, "jetons_api", et)
    form = JetonForm(request.POST, prefix="jeton")
    if not form.is_valid():
        messages.error(request, "Indiquez le nom du DUI.")
        return redirect("usagers:echanges_esms", finess=et.finess)
    jeton, clair = jetons.creer_jeton(et, form.cleaned_data["nom"], user=request.user)
    return render(
        request,
        "usagers/echanges_jeton.html",
        {
            "et": et,
            "jeton": jeton,
            "clair": clair,
            "url_api": request.build_absolute_uri("/api/fhir/Patient"),
        },
    )


@login_required
@require_POST
def jeton_revoquer(request: HttpRequest, finess: str, pk: int) -> HttpResponse:
    et = _esms(request, finess)
    rights.exiger(request.user, "jetons_api", et)
    jeton = get_object_or_404(JetonApi, pk=pk, etablissement=et)
    jetons.revoquer(jeton, user=request.user)
    messages.success(request, f"Jeton « {jeton.nom} » révoqué.")
    return redirect("usagers:echanges_esms", finess=et.finess)
