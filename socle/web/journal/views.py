from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from socle.audit.models import Action, EvenementAudit
from socle.audit.services import tracer
from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation
from socle.core.tableur import reponse_tableur


@login_required
def recherche(request: HttpRequest) -> HttpResponse:
    """Search the access log (représentant légal, DPO). Searching the log is itself logged."""
    rights.exiger(request.user, "journal")
    qs = EvenementAudit.objects.select_related("organisme")
    if not request.user.is_superuser:
        # Events on her OG's data whoever the actor (a grappe's chef de projet, another OG's staff), and events by
        # people who work in her OG(s) on no OG's data (sign-ins and attempts on their accounts, lists): never
        # another OG's log, even when the actor also works there (shared staff of a GCSMS).
        organismes = rights.organismes_visibles(request.user, [Fonction.REPRESENTANT_LEGAL, Fonction.DPO])
        people = Habilitation.objects.filter(organisme__in=organismes).values("utilisateur") | \
            Habilitation.objects.filter(etablissement__organisme__in=organismes).values("utilisateur")
        qs = qs.filter(Q(organisme__in=organismes) | Q(utilisateur__in=people, organisme__isnull=True))
    f = {cle: request.GET.get(cle, "") for cle in ("qui", "action", "objet", "du", "au")}
    if f.get("qui"):
        qs = qs.filter(identifiant__icontains=f["qui"].strip())
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("objet"):
        term = f["objet"].strip()
        qs = qs.filter(objet_libelle__icontains=term) | qs.filter(objet_id=term)
    tz = timezone.get_current_timezone()
    try:
        if f.get("du"):
            qs = qs.filter(horodatage__gte=datetime.combine(datetime.strptime(f["du"], "%Y-%m-%d"), time.min, tz))
        if f.get("au"):
            qs = qs.filter(horodatage__lte=datetime.combine(datetime.strptime(f["au"], "%Y-%m-%d"), time.max, tz))
    except ValueError:
        pass
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request, qs, f)
    page = Paginator(qs.order_by("-horodatage", "-id"), 50).get_page(request.GET.get("page"))

    tracer(Action.LECTURE, objet_type="audit.EvenementAudit", objet_id="recherche", libelle="Recherche dans le journal",
           details={k: v for k, v in f.items() if k != "page"})
    export = {k: v for k, v in f.items() if v}
    return render(request, "audit/recherche.html", {"page": page, "actions": Action.choices, "f": f,
                                                    "export_csv": urlencode({**export, "format": "csv"}),
                                                    "export_xlsx": urlencode({**export, "format": "xlsx"})})


EXPORT_MAX = 50_000


def _export(request: HttpRequest, qs, f: dict) -> HttpResponse:
    """The search's events as a spreadsheet (the most recent EXPORT_MAX), itself logged as an export."""
    evenements = list(qs.order_by("-horodatage", "-id")[:EXPORT_MAX])
    tracer(Action.EXPORT, objet_type="audit.EvenementAudit", objet_id="recherche",
           libelle="Export du journal d'accès", details={**{k: v for k, v in f.items() if v}, "lignes": len(evenements)})
    tz = timezone.get_current_timezone()
    lignes = ([timezone.localtime(e.horodatage, tz).strftime("%d/%m/%Y %H:%M:%S"), e.identifiant,
               e.get_action_display(), e.objet_libelle, e.objet_type, e.objet_id,
               e.organisme.raison_sociale if e.organisme else "", e.adresse_ip or ""] for e in evenements)
    return reponse_tableur("journal-acces", request.GET["format"],
                           ["Quand", "Qui", "Action", "Objet", "Type d'objet", "Identifiant de l'objet",
                            "Organisme concerné", "Depuis"], lignes)
