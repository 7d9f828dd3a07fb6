"""The read-only FHIR endpoint a DUI polls: `GET /api/fhir/Patient?_lastUpdated=gt…` (searchset Bundle of FR Core
Patients) and `GET /api/fhir/Patient/<id>`, with a token per ESMS (usagers.echanges.jetons). A token sees only
the usagers its ESMS follows (another ESMS's usager: 404); an unknown, expired or revoked token: 401. Every answer
that gives identities is audited with their ids."""

from __future__ import annotations

import io
import json
from datetime import datetime

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from socle.audit.models import Action
from socle.audit.services import tracer

from ..echanges import exporter, fhir
from ..echanges.importer import parametres, systeme_ipp
from ..echanges.jetons import JetonInvalide, authentifier
from ..models import IdentifiantLocal

TYPE_FHIR = "application/fhir+json; charset=utf-8"
PAR_PAGE, PAR_PAGE_MAX = 200, 1000


def _issue(statut: int, code: str, message: str, **entetes: str) -> HttpResponse:
    corps = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": message}],
    }
    reponse = HttpResponse(json.dumps(corps, ensure_ascii=False), status=statut, content_type=TYPE_FHIR)
    for k, v in entetes.items():
        reponse[k] = v
    return reponse


def _jeton(request: HttpRequest):
    try:
        return authentifier(request.headers.get("Authorization", "")), None
    except JetonInvalide as exc:
        return None, _issue(
            401, "login", f"Accès refusé : {exc}.", **{"WWW-Authenticate": 'Bearer realm="socle"'}
        )


def _depuis(valeur: str) -> tuple[datetime | None, str]:
    """`_lastUpdated=gt<instant|date>` (or ge) → the instant; "" or an error message."""
    if not valeur:
        return None, ""
    prefixe, texte = valeur[:2], valeur[2:]
    if prefixe not in ("gt", "ge"):
        return (
            None,
            "_lastUpdated : seuls les préfixes gt et ge sont pris en charge (ex. gt2026-01-01T00:00:00Z)",
        )
    instant = parse_datetime(texte)
    if instant is None and parse_date(texte) is not None:
        instant = datetime.combine(parse_date(texte), datetime.min.time())
    if instant is None:
        return None, f"_lastUpdated : date « {texte[:40]} » illisible (AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ)"
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    return instant, ""


@login_not_required
@require_GET
def patients(request: HttpRequest) -> HttpResponse:
    jeton, refus = _jeton(request)
    if refus:
        return refus
    et = jeton.etablissement
    depuis, erreur = _depuis(request.GET.get("_lastUpdated", ""))
    if erreur:
        return _issue(400, "invalid", erreur)
    try:
        par_page = min(max(int(request.GET.get("_count", PAR_PAGE)), 1), PAR_PAGE_MAX)
        page = max(int(request.GET.get("_page", 1)), 1)
    except ValueError:
        return _issue(400, "invalid", "_count et _page sont des nombres entiers")
    qs = exporter.a_exporter(et, depuis)
    total = qs.count()
    lot = list(qs[(page - 1) * par_page : page * par_page])
    ipps = dict(
        IdentifiantLocal.objects.filter(etablissement=et, usager__in=[u.pk for u in lot]).values_list(
            "usager_id", "ipp"
        )
    )
    systeme = systeme_ipp(parametres(et))
    sortie = io.StringIO()
    base = request.build_absolute_uri("/api/fhir/")
    fhir.ecrire_bundle(
        sortie,
        (fhir.patient(u, ipps.get(u.pk, ""), systeme) for u in lot),
        type_="searchset",
        base=base,
        total=total,
    )
    bundle = json.loads(sortie.getvalue())
    liens = [{"relation": "self", "url": request.build_absolute_uri()}]
    if page * par_page < total:
        suivante = request.GET.copy()
        suivante["_page"] = str(page + 1)
        liens.append({"relation": "next", "url": request.build_absolute_uri("?" + suivante.urlencode())})
    bundle["link"] = liens
    tracer(
        Action.EXPORT,
        objet=et,
        identifiant=f"api:{jeton.nom}"[:150],
        libelle=f"API FHIR Patient — {et.nom}",
        details={
            "jeton": jeton.pk,
            "ids": [u.pk for u in lot],
            "nombre": len(lot),
            "total": total,
            "depuis": depuis.isoformat() if depuis else None,
            "page": page,
        },
    )
    return HttpResponse(json.dumps(bundle, ensure_ascii=False), content_type=TYPE_FHIR)


@login_not_required
@require_GET
def patient(request: HttpRequest, ident: str) -> HttpResponse:
    jeton, refus = _jeton(request)
    if refus:
        return refus
    et = jeton.etablissement
    pk = ident.removeprefix("socle-")
    u = exporter.a_exporter(et).filter(pk=int(pk)).first() if pk.isdigit() else None
    if u is None:
        return _issue(404, "not-found", f"Patient/{ident[:40]} introuvable pour cet ESMS.")
    ipp = (
        IdentifiantLocal.objects.filter(etablissement=et, usager=u).values_list("ipp", flat=True).first()
        or ""
    )
    tracer(Action.LECTURE, objet=u, identifiant=f"api:{jeton.nom}"[:150], details={"jeton": jeton.pk})
    return HttpResponse(
        json.dumps(fhir.patient(u, ipp, systeme_ipp(parametres(et))), ensure_ascii=False),
        content_type=TYPE_FHIR,
    )
