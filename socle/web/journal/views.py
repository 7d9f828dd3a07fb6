from datetime import datetime, time

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


@login_required
def recherche(request: HttpRequest) -> HttpResponse:
    """Search the access log (représentant légal, DPO). Searching the log is itself logged."""
    rights.exiger(request.user, "journal")
    qs = EvenementAudit.objects.select_related("organisme")
    if not request.user.is_superuser:
        # Events by people who work in her OG(s) (sign-in attempts on their accounts included), and events on her
        # OG's data whoever the actor (a grappe's chef de projet, another OG's staff): never another OG's log.
        organismes = rights.organismes_visibles(request.user, [Fonction.REPRESENTANT_LEGAL, Fonction.DPO])
        people = Habilitation.objects.filter(organisme__in=organismes).values("utilisateur") | \
            Habilitation.objects.filter(etablissement__organisme__in=organismes).values("utilisateur")
        qs = qs.filter(Q(utilisateur__in=people) | Q(organisme__in=organismes))
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
    page = Paginator(qs.order_by("-horodatage", "-id"), 50).get_page(request.GET.get("page"))

    tracer(Action.LECTURE, objet_type="audit.EvenementAudit", objet_id="recherche", libelle="Recherche dans le journal",
           details={k: v for k, v in f.items() if k != "page"})
    return render(request, "audit/recherche.html", {"page": page, "actions": Action.choices, "f": f})
