"""Birthplace suggestions for the identity forms: COG communes (former ones included) and countries by name."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from socle.referentiels import cog

from ._commun import _exiger_dossier


@login_required
def lieux(request: HttpRequest) -> HttpResponse:
    """The `<option>`s of the birthplace `<datalist>` for what was typed; no personal data, so nothing to trace."""
    _exiger_dossier(request)
    texte = request.GET.get("lieu_naissance") or request.GET.get("q") or ""
    return render(request, "usagers/_lieux.html", {"lieux": cog.chercher(texte[:80], limite=25)})
