"""« Consulter le DMP » of a usager: the usager's consent (recorded with who / when), the list of the documents
of her DMP that the person's profile may read (ITI-18, then the reading matrix), one document opened (ITI-43):
its PDF, or the text of its sections for a structured CDA. Every read of the DMP — list, document, PDF — and
every refusal is in the access log."""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from lxml import etree

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import rights
from socle.connecteurs.dmp.interface import DmpErreur
from socle.connecteurs.dmp.metadonnees import NS as NS_CDA
from socle.connecteurs.dmp.metadonnees import PARSEUR_CDA
from socle.prerequis.services import certificats_dmp_prets
from socle.usagers.models import Statut as StatutIdentite

from . import droits, envoi_dmp, services
from .models import ChoixUsager
from .views import _usager

OBJET = ChoixUsager.Objet


def _choix_en_cours(usager, objet: str) -> ChoixUsager | None:
    return ChoixUsager.objects.filter(usager=usager, objet=objet, fin_le__isnull=True).order_by("-recueilli_le").first()


def _esms(request: HttpRequest, pk: int):
    usager, ets = _usager(request, pk)
    choisi = request.GET.get("esms") or request.POST.get("esms")
    et = ets.filter(pk=choisi).first() if choisi and str(choisi).isdigit() else ets.first()
    if et is None:
        raise Http404("Aucun de vos ESMS ne suit cet usager.")
    rights.exiger(request.user, "documents", et)
    return usager, et, ets


def _page(usager, et) -> str:
    return f"{reverse('documents:dmp', args=[usager.pk])}?esms={et.pk}"


def obstacles(usager, et) -> list[str]:
    """Why the DMP of this usager cannot be read from this ESMS now (empty: it can)."""
    raisons = []
    if usager.statut != StatutIdentite.QUAL:
        raisons.append("L'identité de l'usager n'est pas qualifiée : son DMP n'est accessible qu'avec son INS qualifié.")
    opposition = _choix_en_cours(usager, OBJET.OPPOSITION_CONSULTATION)
    if opposition is not None:
        raisons.append(f"L'usager s'est opposé à la consultation de son DMP ({opposition.exprime_par}, le "
                       f"{opposition.recueilli_le:%d/%m/%Y}).")
    elif _choix_en_cours(usager, OBJET.CONSENTEMENT_CONSULTATION) is None:
        raisons.append("Le consentement de l'usager à la consultation de son DMP n'est pas recueilli.")
    ok, message = certificats_dmp_prets(et.organisme)
    if not ok:
        raisons.append(message)
    return raisons


def _date(xds: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime((xds + "000000")[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _lignes(fiches, lisibles: set[str]):
    lignes, caches = [], 0
    for f in fiches:
        if f.type_code.code not in lisibles:
            caches += 1
            continue
        auteur = f.auteurs[0] if f.auteurs else None
        lignes.append({"fiche": f, "date": _date(f.creation), "auteur": f"{auteur.prenom} {auteur.nom}".strip()
                       if auteur else "", "structure": auteur.institution_nom if auteur else ""})
    return lignes, caches


@login_required
def consulter(request: HttpRequest, pk: int) -> HttpResponse:
    usager, et, ets = _esms(request, pk)
    raisons = obstacles(usager, et)
    contexte = {"usager": usager, "esms": et, "etablissements": ets, "raisons": raisons,
                "consentement": _choix_en_cours(usager, OBJET.CONSENTEMENT_CONSULTATION), "lignes": [], "caches": 0,
                "erreur": ""}
    if raisons:
        tracer(Action.LECTURE, usager, details={"dmp": "consultation refusée", "raisons": raisons})
        return render(request, "documents/dmp_consulter.html", contexte)
    try:
        fiches = envoi_dmp.client_de_esms(et, request.user).rechercher(
            envoi_dmp.contexte_consultation(usager, et, request.user))
    except DmpErreur as exc:
        contexte["erreur"] = str(exc)
        tracer(Action.LECTURE, usager, details={"dmp": "liste", "erreur": getattr(exc, "code", "")})
        return render(request, "documents/dmp_consulter.html", contexte)
    lignes, caches = _lignes(fiches, droits.types_lisibles(request.user, et))
    contexte.update(lignes=lignes, caches=caches)
    tracer(Action.LECTURE, usager, details={"dmp": "liste", "esms": et.finess, "documents":
                                           [li["fiche"].unique_id for li in lignes], "caches": caches})
    return render(request, "documents/dmp_consulter.html", contexte)


@login_required
@require_POST
def consentement(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the usager's consent to the consultation of her DMP (who expressed it; who recorded it, when)."""
    usager, et, _ets = _esms(request, pk)
    exprime_par = (request.POST.get("exprime_par") or "").strip()
    if not exprime_par:
        messages.error(request, "Indiquez qui a exprimé le consentement (l'usager ou son représentant légal).")
    else:
        services.enregistrer_choix(usager, OBJET.CONSENTEMENT_CONSULTATION, par=request.user, exprime_par=exprime_par,
                                   commentaire=(request.POST.get("commentaire") or "")[:300])
        messages.success(request, "Consentement à la consultation du DMP enregistré.")
    return redirect(_page(usager, et))


def _sections(cda: bytes) -> tuple[str, list[tuple[str, str]], bytes | None]:
    """(title, [(section title, text)], PDF body or None) of a CDA, for display."""
    racine = etree.fromstring(cda, PARSEUR_CDA)
    titre = racine.findtext("h:title", "", NS_CDA)
    pdf_el = racine.find("h:component/h:nonXMLBody/h:text", NS_CDA)
    pdf = None
    if pdf_el is not None and pdf_el.get("mediaType") == "application/pdf":
        try:
            pdf = base64.b64decode("".join((pdf_el.text or "").split()), validate=True)
        except ValueError:
            pdf = None
    sections = []
    for s in racine.iter("{urn:hl7-org:v3}section"):
        texte_el = s.find("h:text", NS_CDA)
        texte = " ".join("".join(texte_el.itertext()).split()) if texte_el is not None else ""
        sections.append((s.findtext("h:title", "", NS_CDA), texte))
    return titre, sections, pdf


@login_required
def ouvrir(request: HttpRequest, pk: int) -> HttpResponse:
    usager, et, _ets = _esms(request, pk)
    uid = request.GET.get("uid", "")
    raisons = obstacles(usager, et)
    if raisons:  # the consultation page says why, and offers to record the consent
        for r in raisons:
            messages.error(request, r)
        return redirect(_page(usager, et))
    client = envoi_dmp.client_de_esms(et, request.user)
    contexte = envoi_dmp.contexte_consultation(usager, et, request.user)
    try:
        fiche = next((f for f in client.rechercher(contexte) if f.unique_id == uid), None)
    except DmpErreur as exc:
        messages.error(request, str(exc))
        return redirect(_page(usager, et))
    if fiche is None:
        raise Http404("Document introuvable dans le DMP de l'usager.")
    if fiche.type_code.code not in droits.types_lisibles(request.user, et):
        p = droits.profil(request.user, et)
        tracer(Action.LECTURE, usager, details={"dmp": "document", "refus": "matrice", "uid": uid,
                                               "type": fiche.type_code.code, "role": p.role if p else ""})
        raise PermissionDenied("Votre rôle ne permet pas de lire ce type de document (matrice d'accès).")
    try:
        doc = client.recuperer(uid, contexte, fiche.repository_id)
    except DmpErreur as exc:
        messages.error(request, str(exc))
        return redirect(_page(usager, et))
    titre, sections, pdf = _sections(doc.contenu)
    if request.GET.get("pdf") and pdf is not None:
        tracer(Action.LECTURE, usager, details={"dmp": "document", "uid": uid, "forme": "pdf"})
        reponse = HttpResponse(pdf, content_type="application/pdf")
        reponse["Content-Disposition"] = 'inline; filename="document-dmp.pdf"'
        return reponse
    tracer(Action.LECTURE, usager, details={"dmp": "document", "uid": uid, "type": fiche.type_code.code})
    auteur = fiche.auteurs[0] if fiche.auteurs else None
    return render(request, "documents/dmp_document.html", {
        "usager": usager, "esms": et, "fiche": fiche, "titre": titre or fiche.titre, "sections": sections,
        "a_pdf": pdf is not None, "date": _date(fiche.creation), "uid": uid,
        "auteur": f"{auteur.prenom} {auteur.nom}".strip() if auteur else "",
        "structure": auteur.institution_nom if auteur else "",
    })
