"""Screens of the documents: a usager's documents (list, upload, DLU form, validate, send, replace, mask, the
usager's choices), one document, the ESMS's queue, the reading matrix.

A document is reached only through an ESMS where the person holds a "documents" function (404 otherwise), and
read only if the matrix lets her profile read its type (403, traced); every read is in the access log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.comptes import rights
from socle.core.fichiers import FichierRefuse
from socle.core.travaux import TransitionInterdite
from socle.usagers.models import Usager

from . import affichage, droits, services
from .forms import ChoixForm, DepotForm, DluForm, MasquageForm, MatriceForm, MotifForm, RemplacementPdfForm
from .models import ChoixUsager, Document, Format, Statut

FONCTIONS = rights.fonctions_de("documents")
FONCTIONS_ESMS = rights.fonctions_de("documents_esms")


def _ets(user, fonctions=FONCTIONS):
    return rights.etablissements_visibles(user, fonctions=fonctions)


def _usager(request: HttpRequest, pk: int) -> tuple[Usager, object]:
    """The usager (404 unless followed by one of the person's ESMS with a documents function) and those ESMS."""
    ets = _ets(request.user)
    usager = (
        Usager.objects.filter(pk=pk, sejours__etablissement__in=ets, fusionne_dans__isnull=True)
        .distinct()
        .first()
    )
    if usager is None:
        raise Http404("Usager introuvable dans votre périmètre.")
    return usager, ets.filter(sejours__usager=usager).distinct().order_by("nom")


def _document(request: HttpRequest, pk: int, *, lire: bool = True) -> Document:
    doc = (
        Document.objects.select_related("usager", "etablissement", "auteur", "remplace")
        .filter(pk=pk, etablissement__in=_ets(request.user))
        .first()
    )
    if doc is None:
        raise Http404("Document introuvable dans votre périmètre.")
    if lire:
        droits.exiger_lecture(request.user, doc)
    return doc


def _erreurs(request: HttpRequest, exc: Exception) -> None:
    for e in getattr(exc, "erreurs", None) or [str(exc)]:
        messages.error(request, e)


def _fichier(request: HttpRequest, champ: str = "fichier") -> bytes:
    f = request.FILES.get(champ)
    if f is None:
        raise FichierRefuse("Choisissez un fichier PDF.")
    from django.conf import settings

    if f.size > int(settings.SOCLE_DOCUMENTS_MAX_PDF):
        from .pdf import verifier_pdf

        verifier_pdf(b"%PDF-" + b"0" * (f.size - 5))  # the size message, without reading the file
    return f.read()


@login_required
def usager(request: HttpRequest, pk: int) -> HttpResponse:
    u, ets = _usager(request, pk)
    docs = list(
        u.documents.filter(etablissement__in=ets)
        .select_related("etablissement", "auteur")
        .order_by("-date_acte", "-pk")
    )
    lisibles = {et.pk: droits.types_lisibles(request.user, et) for et in ets}
    visibles = [
        d
        for d in docs
        if d.type_code in lisibles.get(d.etablissement_id, set())
        or d.cree_par_id == request.user.pk
        or request.user.is_superuser
    ]
    tracer_lecture_liste(
        visibles, "documents.Document", f"Documents de l'usager {u.pk}", organisme=u.organisme_id
    )
    for d in visibles:
        d.badge = affichage.badge(d.statut)
    return render(
        request,
        "documents/usager.html",
        {
            "usager": u,
            "documents": visibles,
            "caches": len(docs) - len(visibles),
            "etablissements": ets,
            "depot_form": DepotForm(),
            "choix_form": ChoixForm(),
            "choix": u.choix_dmp.select_related("document", "recueilli_par")[:50],
            "matrice": droits.matrice_active(),
        },
    )


@login_required
@require_POST
def deposer(request: HttpRequest, pk: int) -> HttpResponse:
    u, ets = _usager(request, pk)
    et = get_object_or_404(ets, pk=request.POST.get("etablissement") or 0)
    form = DepotForm(request.POST, request.FILES)
    if not form.is_valid():
        for champ, erreurs in form.errors.items():
            libelle = form.fields[champ].label if champ in form.fields else ""
            messages.error(request, f"{libelle} : {' '.join(erreurs)}" if libelle else " ".join(erreurs))
        return redirect("documents:usager", pk=u.pk)
    try:
        doc = services.creer_pdf(
            u,
            et,
            par=request.user,
            type_code=form.cleaned_data["type_code"],
            titre=form.cleaned_data["titre"],
            pdf=_fichier(request),
            date_acte=form.cleaned_data["date_acte"],
            confidentialite=form.cleaned_data["confidentialite"],
        )
    except (FichierRefuse, services.DocumentInvalide) as exc:
        _erreurs(request, exc)
        return redirect("documents:usager", pk=u.pk)
    messages.success(request, "Document déposé en brouillon : vérifiez-le puis validez-le.")
    return redirect("documents:document", pk=doc.pk)


@login_required
def dlu_nouveau(request: HttpRequest, pk: int) -> HttpResponse:
    u, ets = _usager(request, pk)
    form = DluForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        et = get_object_or_404(ets, pk=request.POST.get("etablissement") or 0)
        doc = services.creer_dlu(
            u, et, par=request.user, contenu=form.contenu(), date_acte=form.cleaned_data["date_acte"]
        )
        messages.success(request, "DLU enregistré en brouillon.")
        return redirect("documents:document", pk=doc.pk)
    tracer(Action.LECTURE, u, details={"ecran": "nouveau DLU"})
    return render(request, "documents/dlu.html", {"usager": u, "form": form, "etablissements": ets})


@login_required
def dlu_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    if doc.format != Format.DLU or doc.statut != Statut.BROUILLON:
        raise PermissionDenied("Seul un DLU en brouillon se modifie.")
    rights.exiger(request.user, "documents", doc.etablissement)
    initial = {**doc.contenu, "date_acte": doc.date_acte}
    form = DluForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.modifier_dlu(doc, form.contenu(), par=request.user)
        messages.success(request, "DLU enregistré.")
        return redirect("documents:document", pk=doc.pk)
    tracer(Action.LECTURE, doc)
    return render(request, "documents/dlu.html", {"usager": doc.usager, "form": form, "document": doc})


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    tracer(Action.LECTURE, doc)
    peut_agir = "documents" in rights.capacites(request.user, doc.etablissement)
    versions = Document.objects.filter(set_id=doc.set_id).order_by("version")
    return render(
        request,
        "documents/document.html",
        {
            "document": doc,
            "badge": affichage.badge(doc.statut),
            "peut_agir": peut_agir,
            "versions": versions,
            "evenements": doc.evenements.select_related("par")[:50],
            "masquage_form": MasquageForm(initial={"codes": doc.masquage}),
            "motif_form": MotifForm(),
            "remplacement_form": RemplacementPdfForm(),
            "opposition": services.opposition_alimentation(doc),
            "erreurs": doc.rapport.get("erreurs", []),
            "Statut": Statut,
            "contenu": _contenu_affiche(doc),
        },
    )


def _contenu_affiche(doc: Document) -> list[tuple[str, str]]:
    """The DLU's data as (label, value) lines, in the form's order."""
    from .cda.dlu import AUTONOMIE, CHAMPS, documents_annexes, observations_etat

    if doc.format != Format.DLU:
        return []
    c = doc.contenu or {}
    lignes = []
    for cle, libelle in CHAMPS.items():
        valeur = c.get(cle) or ""
        if cle == "autonomie_deplacement":
            valeur = AUTONOMIE.get(valeur, "")
        if valeur:
            lignes.append((libelle, str(valeur)))
    etat = [lib for code, lib in observations_etat().items() if code in set(c.get("etat", []))]
    if etat:
        lignes.append(("État du patient", ", ".join(etat)))
    joints = [lib for code, lib in documents_annexes().items() if code in set(c.get("documents_annexes", []))]
    if joints:
        lignes.append(("Documents annexés", ", ".join(joints)))
    return lignes


def _action(request: HttpRequest, pk: int) -> Document:
    doc = _document(request, pk)
    rights.exiger(request.user, "documents", doc.etablissement)
    return doc


@login_required
@require_POST
def valider(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _action(request, pk)
    try:
        services.valider(doc, par=request.user)
    except services.DocumentInvalide as exc:
        messages.error(
            request, f"Le document n'est pas conforme : {len(exc.erreurs)} erreur(s), voir le rapport."
        )
    except TransitionInterdite as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Document validé : conforme au XSD et aux schématrons du CI-SIS.")
    return redirect("documents:document", pk=doc.pk)


@login_required
@require_POST
def envoyer(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Envoyer au DMP": the checks of `services.demander_envoi`, which also queues the sending."""
    doc = _action(request, pk)
    raisons = services.demander_envoi(doc, request.user)
    if raisons:
        for r in raisons:
            messages.error(request, r)
    else:
        messages.success(request, "Envoi au DMP demandé.")
    return redirect("documents:document", pk=doc.pk)


@login_required
@require_POST
def masquer(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _action(request, pk)
    form = MasquageForm(request.POST)
    if form.is_valid():
        try:
            services.masquer(doc, form.cleaned_data["codes"], request.user)
            messages.success(request, "Masquage enregistré.")
        except (TransitionInterdite, services.DocumentInvalide) as exc:
            _erreurs(request, exc)
    return redirect("documents:document", pk=doc.pk)


@login_required
def remplacer(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version: the DLU form prefilled, or a new PDF."""
    doc = _action(request, pk)
    if doc.format == Format.DLU:
        form = DluForm(request.POST or None, initial={**doc.contenu})
        if request.method == "POST" and form.is_valid():
            try:
                nouveau = services.remplacer(
                    doc, par=request.user, contenu=form.contenu(), date_acte=form.cleaned_data["date_acte"]
                )
            except (TransitionInterdite, services.DocumentInvalide) as exc:
                _erreurs(request, exc)
                return redirect("documents:document", pk=doc.pk)
            messages.success(request, f"Version {nouveau.version} créée en brouillon.")
            return redirect("documents:document", pk=nouveau.pk)
        tracer(Action.LECTURE, doc)
        return render(
            request,
            "documents/dlu.html",
            {"usager": doc.usager, "form": form, "document": doc, "remplacement": True},
        )
    if request.method != "POST":
        return redirect("documents:document", pk=doc.pk)
    try:
        nouveau = services.remplacer(doc, par=request.user, pdf=_fichier(request))
    except (TransitionInterdite, services.DocumentInvalide, FichierRefuse) as exc:
        _erreurs(request, exc)
        return redirect("documents:document", pk=doc.pk)
    messages.success(request, f"Version {nouveau.version} déposée en brouillon.")
    return redirect("documents:document", pk=nouveau.pk)


@login_required
@require_POST
def supprimer(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _action(request, pk)
    try:
        services.supprimer(doc, request.POST.get("motif", ""), par=request.user)
        messages.success(request, "Document supprimé (il reste dans l'historique).")
    except (TransitionInterdite, services.DocumentInvalide) as exc:
        _erreurs(request, exc)
    return redirect("documents:document", pk=doc.pk)


@login_required
@require_POST
def brouillon(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _action(request, pk)
    try:
        services.retour_brouillon(doc, par=request.user, motif=request.POST.get("motif", ""))
        messages.success(request, "Document repassé en brouillon.")
    except TransitionInterdite as exc:
        messages.error(request, str(exc))
    return redirect("documents:document", pk=doc.pk)


@login_required
def cda(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    contenu = doc.cda.encode("utf-8") if doc.cda else services.construire_cda(doc)
    tracer(Action.EXPORT, doc, details={"format": "CDA"})
    r = HttpResponse(contenu, content_type="application/xml")
    r["Content-Disposition"] = f'attachment; filename="document-{doc.pk}-v{doc.version}.xml"'
    return r


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded PDF, or the printed rendering of a DLU (with the INS datamatrix for a qualified identity)."""
    from .pdf import rendu_dlu

    doc = _document(request, pk)
    tracer(Action.EXPORT, doc, details={"format": "PDF"})
    if doc.format == Format.PDF:
        return FileResponse(
            doc.pdf.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"document-{doc.pk}-v{doc.version}.pdf",
        )
    r = HttpResponse(rendu_dlu(doc), content_type="application/pdf")
    r["Content-Disposition"] = f'attachment; filename="dlu-{doc.pk}-v{doc.version}.pdf"'
    return r


@login_required
@require_POST
def choix(request: HttpRequest, pk: int) -> HttpResponse:
    u, ets = _usager(request, pk)
    form = ChoixForm(request.POST)
    document = None
    if request.POST.get("document"):
        document = Document.objects.filter(
            pk=request.POST["document"], usager=u, etablissement__in=ets
        ).first()
    if form.is_valid():
        try:
            services.enregistrer_choix(
                u,
                form.cleaned_data["objet"],
                par=request.user,
                document=document,
                exprime_par=form.cleaned_data["exprime_par"],
                commentaire=form.cleaned_data["commentaire"],
            )
            messages.success(request, "Choix de l'usager enregistré.")
        except services.DocumentInvalide as exc:
            _erreurs(request, exc)
    else:
        messages.error(request, "Indiquez le choix et qui l'a exprimé.")
    return redirect("documents:usager", pk=u.pk)


@login_required
@require_POST
def choix_retirer(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(ChoixUsager.objects.select_related("usager"), pk=pk)
    u, _ets_u = _usager(request, c.usager_id)
    services.retirer_choix(c, par=request.user)
    messages.success(request, "Choix retiré (gardé dans l'historique).")
    return redirect("documents:usager", pk=u.pk)


@login_required
def esms(request: HttpRequest) -> HttpResponse:
    """The ESMS's queue: documents waiting (brouillon, validé), sent (envoyé, accepté, masqué), rejected."""
    ets = _ets(request.user, FONCTIONS_ESMS).order_by("nom")
    if not ets.exists():
        raise PermissionDenied(
            "La file des documents est réservée aux professionnels et au représentant légal."
        )
    finess = request.GET.get("etablissement", "")
    selection = ets.filter(finess=finess) if finess else ets
    qs = (
        Document.objects.filter(etablissement__in=selection)
        .exclude(statut__in=[Statut.REMPLACE, Statut.SUPPRIME])
        .select_related("usager", "etablissement")
        .order_by("-modifie_le", "-pk")
    )
    colonnes = []
    for titre, statuts in (
        ("En attente", affichage.EN_ATTENTE),
        ("Envoyés", affichage.ENVOYES),
        ("Rejetés", affichage.REJETES),
    ):
        docs = list(qs.filter(statut__in=statuts)[:200])
        for d in docs:
            d.badge = affichage.badge(d.statut)
        colonnes.append({"titre": titre, "documents": docs, "total": qs.filter(statut__in=statuts).count()})
    tracer_lecture_liste(
        [d for c in colonnes for d in c["documents"]],
        "documents.Document",
        f"File des documents {finess or 'tous ESMS'}",
    )
    return render(
        request, "documents/esms.html", {"colonnes": colonnes, "etablissements": ets, "etablissement": finess}
    )


@login_required
def matrice(request: HttpRequest) -> HttpResponse:
    """The matrix in force (every professional may see what it says); loading a version: superusers."""
    if not (request.user.is_superuser or _ets(request.user, FONCTIONS_ESMS).exists()):
        raise PermissionDenied("La matrice d'accès est réservée aux professionnels et au représentant légal.")
    form = MatriceForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.is_superuser:
            raise PermissionDenied("Seul l'administrateur de l'installation charge une nouvelle matrice.")
        if form.is_valid():
            try:
                m = droits.charger(
                    request.FILES["fichier"].read(200_000).decode("utf-8-sig"),
                    libelle=form.cleaned_data["libelle"],
                    source=request.FILES["fichier"].name,
                    a_verifier=not form.cleaned_data["officielle"],
                    par=request.user,
                )
                messages.success(
                    request, f"Matrice version {m.version} chargée : elle s'applique dès maintenant."
                )
                return redirect("documents:matrice")
            except (droits.MatriceInvalide, UnicodeDecodeError) as exc:
                messages.error(request, f"Matrice refusée : {exc}")
    m = droits.matrice_active()
    return render(
        request,
        "documents/matrice.html",
        {"matrice": m, "regles": m.regles.all(), "form": form, "versions": m.__class__.objects.all()[:20]},
    )
