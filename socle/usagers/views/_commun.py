"""What the usagers screens share: who may open a record, and the record's common context."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone

from socle.comptes import rights

from .. import affichage, conduites, rniv
from ..models import Fusion, Usager

FONCTIONS_DOSSIER = rights.fonctions_de("dossiers_usagers")
FONCTIONS_LOT = rights.fonctions_de("lots_ins")


def _ets_dossier(user):
    return rights.etablissements_visibles(user, fonctions=FONCTIONS_DOSSIER)


def _usager(request: HttpRequest, pk: int, ets=None) -> Usager:
    """The usager if followed by one of the user's ESMS (`ets`, by default `_ets_dossier`), or merged into such a
    record; 404 otherwise."""
    ets = _ets_dossier(request.user) if ets is None else ets
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


def _exiger_droit_usager(request: HttpRequest, usager: Usager, ets=None) -> None:
    if request.user.is_superuser:
        return
    ets = (_ets_dossier(request.user) if ets is None else ets).filter(sejours__usager=usager)
    if not ets.exists():
        raise PermissionDenied("Votre fonction ne permet pas de modifier cette identité.")
    if usager.fusionne_dans_id:
        raise PermissionDenied("Identité fusionnée : elle n'est plus modifiable (annulez la fusion si besoin).")


def _usager_modifiable(request: HttpRequest, pk: int) -> Usager:
    """The usager of `pk` (404 out of perimeter) that the user may change (403 otherwise)."""
    ets = _ets_dossier(request.user)
    usager = _usager(request, pk, ets)
    _exiger_droit_usager(request, usager, ets)
    return usager


def _avec_conduite(anomalies) -> list:
    """The anomalies, each carrying the conduct to follow for its type (shown beside the identity)."""
    liste = list(anomalies)
    for a in liste:
        a.conduite = conduites.conduite(a.type)
    return liste


def _contexte_fiche(usager: Usager) -> dict:
    return {
        "usager": usager, "libelle_statut": rniv.libelle_statut(usager.statut),
        "ins_affichable": rniv.ins_affichable(usager.statut) and usager.matricule_ins,
        "ins_transmissible": rniv.ins_transmissible(usager.statut, usager.douteuse, usager.fictive),
        "nature_ins": rniv.nature_oid(usager.oid_ins) or "",
        "alerte_lieu": rniv.lieu_naissance_alerte(usager.lieu_naissance, usager.statut),
        # read only by the pages that show it (a template calls a callable): the qualification page does not
        "historique": lambda: [affichage.ligne_historique(h) for h in usager.historique.select_related("par")[:50]],
        "justificatifs": usager.justificatifs.select_related("verifie_par")[:20],
        "sejours": usager.sejours.select_related("etablissement"),
        "anomalies": _avec_conduite(usager.anomalies.filter(resolue_le__isnull=True).select_related("etablissement")),
        "fusions": Fusion.objects.filter(Q(source=usager) | Q(cible=usager)).select_related("source", "cible"),
        "appel_insi_ok": rniv.appel_insi_autorise(usager.douteuse, usager.fictive),
        "aujourdhui": timezone.localdate(),
    }
