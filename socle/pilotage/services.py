"""Figures for the dashboards of a directeur (her OG) and of a grappe's project lead (30 ESMS at a glance).

Each domain app exposes its own figures as a plain function over a queryset of ESMS; this module only gathers
them, so a dashboard never recomputes a domain rule."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction, Habilitation
from socle.organisations.models import Etablissement

from .indicateurs import stats_identites, stats_prerequis, stats_rpps

# key -> function(etablissements_qs) -> dict of figures for those ESMS (adapters over each domain's own figures).
INDICATEURS = {
    "identites": stats_identites,
    "rpps": stats_rpps,
    "prerequis": stats_prerequis,
}


def indicateurs(etablissements: QuerySet[Etablissement]) -> dict[str, dict]:
    """Every domain figure for a set of ESMS."""
    return {key: fn(etablissements) for key, fn in INDICATEURS.items()}


def personnes_du_perimetre(etablissements: QuerySet[Etablissement]) -> QuerySet[Habilitation]:
    """Habilitations that cover at least one of these ESMS (directly, via the OG or via a grappe)."""
    ids = list(etablissements.values_list("pk", flat=True))
    og_ids = list(etablissements.values_list("organisme_id", flat=True).distinct())
    return Habilitation.objects.filter(
        Q(etablissement_id__in=ids) | Q(organisme_id__in=og_ids) | Q(grappe__membres__in=og_ids)
    ).distinct()


def connexions_par_profil(etablissements: QuerySet[Etablissement], jours: int = 30) -> list[dict]:
    """Sign-ins over the last `jours` days by application function: connexions and distinct people.
    A person holding two functions counts in both lines (that is what a project lead wants to see)."""
    depuis = timezone.now() - timedelta(days=jours)
    fonctions_par_personne: dict[int, set[str]] = defaultdict(set)
    for user_id, fonction in personnes_du_perimetre(etablissements).values_list("utilisateur_id", "fonction"):
        fonctions_par_personne[user_id].add(fonction)
    events = EvenementAudit.objects.filter(
        action=Action.CONNEXION, horodatage__gte=depuis, utilisateur_id__in=list(fonctions_par_personne))
    counts: dict[str, dict] = {f: {"connexions": 0, "personnes": set(), "inscrits": 0} for f in Fonction.values}
    for fonctions in fonctions_par_personne.values():
        for f in fonctions:
            counts[f]["inscrits"] += 1
    for user_id in events.values_list("utilisateur_id", flat=True):
        for f in fonctions_par_personne.get(user_id, ()):
            counts[f]["connexions"] += 1
            counts[f]["personnes"].add(user_id)
    labels = dict(Fonction.choices)
    return [
        {"fonction": f, "libelle": labels[f], "connexions": c["connexions"], "personnes": len(c["personnes"]),
         "inscrits": c["inscrits"]}
        for f, c in counts.items() if c["inscrits"]
    ]
