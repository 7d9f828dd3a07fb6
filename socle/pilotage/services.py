"""Figures for the dashboards of a directeur (her OG) and of a grappe's project lead (30 ESMS at a glance).

Each domain app exposes its own figures as a plain function over a set of ESMS; this module only gathers
them, so a dashboard never recomputes a domain rule. The per-ESMS lines come from the same grouped queries as
the totals: the number of queries does not grow with the number of ESMS."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from socle.audit.models import Action, EvenementAudit
from socle.comptes.models import Fonction, Habilitation
from socle.core.bdd import cote_a_cote
from socle.core.memoire import sans_ramasse_miettes
from socle.organisations.models import Etablissement

from .indicateurs import stats_identites, stats_prerequis, stats_rpps

# key -> function(etablissements, detail) -> (figures of the set, {ESMS id: figures}) (adapters over each
# domain's own figures).
INDICATEURS = {
    "identites": stats_identites,
    "rpps": stats_rpps,
    "prerequis": stats_prerequis,
}


def _liste(etablissements) -> list[Etablissement]:
    return list(etablissements.select_related("organisme").order_by("organisme__raison_sociale", "nom"))


def indicateurs(etablissements: QuerySet[Etablissement]) -> dict[str, dict]:
    """Every domain figure for a set of ESMS."""
    ets = _liste(etablissements)
    return {key: fn(ets)[0] for key, fn in INDICATEURS.items()}


def tableau(etablissements: QuerySet[Etablissement], detail: bool = True) -> dict:
    """A dashboard: the figures of the set, one line per ESMS (`detail`), sign-ins per profile."""
    ets = _liste(etablissements)
    # The RPPS+ figures are mostly Python, the identities' mostly database: computed side by side on PostgreSQL,
    # over tens of thousands of plain rows (no cycles to collect).
    with sans_ramasse_miettes():
        figures = cote_a_cote({
            "rpps": lambda: {"rpps": stats_rpps(ets, detail), "prerequis": stats_prerequis(ets, detail)},
            "identites": lambda: {"identites": stats_identites(ets, detail),
                                  "connexions": (connexions_par_profil(ets), connexions_par_moyen(ets))},
        })
    resultats = {**figures["rpps"], **figures["identites"]}
    ensemble = {key: resultats[key][0] for key in INDICATEURS}
    par_esms = {key: resultats[key][1] for key in INDICATEURS}
    lignes = [{"et": et, **{key: par_esms[key].get(et.pk) for key in INDICATEURS}} for et in ets] if detail else []
    connexions, moyens = resultats["connexions"]
    return {"global": ensemble, "connexions": connexions, "moyens": moyens, "lignes": lignes,
            "nb_etablissements": len(ets)}


def personnes_du_perimetre(etablissements) -> QuerySet[Habilitation]:
    """Habilitations that cover at least one of these ESMS (directly, via the OG or via a grappe)."""
    ids = [et.pk for et in etablissements]
    og_ids = sorted({et.organisme_id for et in etablissements})
    return Habilitation.objects.filter(
        Q(etablissement_id__in=ids) | Q(organisme_id__in=og_ids) | Q(grappe__membres__in=og_ids)
    ).distinct()


def connexions_par_profil(etablissements, jours: int = 30) -> list[dict]:
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
    for user_id, n in events.order_by().values_list("utilisateur_id").annotate(n=Count("pk")):
        for f in fonctions_par_personne.get(user_id, ()):
            counts[f]["connexions"] += n
            counts[f]["personnes"].add(user_id)
    labels = dict(Fonction.choices)
    return [
        {"fonction": f, "libelle": labels[f], "connexions": c["connexions"], "personnes": len(c["personnes"]),
         "inscrits": c["inscrits"]}
        for f, c in counts.items() if c["inscrits"]
    ]


# How a sign-in was made (the access log's `moyen`, written at sign-in): Pro Santé Connect, password + second
# factor, password alone (rights without NIR/INS).
MOYENS = {"psc": "Pro Santé Connect (e-CPS)", "totp": "Mot de passe + second facteur", "mot_de_passe": "Mot de passe seul"}


def connexions_par_moyen(etablissements, jours: int = 30) -> list[dict]:
    """Sign-ins of the perimeter's people over the last `jours` days by means: connexions and distinct people."""
    depuis = timezone.now() - timedelta(days=jours)
    personnes = set(personnes_du_perimetre(etablissements).values_list("utilisateur_id", flat=True))
    compte: dict[str, dict] = {m: {"connexions": 0, "personnes": set()} for m in MOYENS}
    for user_id, moyen in EvenementAudit.objects.filter(
            action=Action.CONNEXION, horodatage__gte=depuis, utilisateur_id__in=list(personnes)
    ).values_list("utilisateur_id", "details__moyen"):
        c = compte[moyen if moyen in MOYENS else "mot_de_passe"]
        c["connexions"] += 1
        c["personnes"].add(user_id)
    return [{"moyen": m, "libelle": MOYENS[m], "connexions": c["connexions"], "personnes": len(c["personnes"])}
            for m, c in compte.items()]
# Sortable columns of the per-ESMS table (?tri=cle or ?tri=-cle): key -> value of a line.
TRIS = {
    "esms": lambda lg: (lg["et"].nom or "").lower(),
    "finess": lambda lg: lg["et"].finess,
    "organisme": lambda lg: (lg["et"].organisme.raison_sociale or "").lower(),
    "ins": lambda lg: (lg["identites"] or {}).get("taux_qualifiees", -1),
    "rpps": lambda lg: (lg["rpps"] or {}).get("taux_enregistres", -1),
    "prerequis": lambda lg: (lg["prerequis"] or {}).get("taux_faits", -1),
}


def trier(lignes: list[dict], tri: str) -> tuple[list[dict], str]:
    """The lines sorted by `tri` ("ins", "-ins"…), and the sort applied ("" when unknown: the default order)."""
    cle = tri.lstrip("-")
    if cle not in TRIS:
        return lignes, ""
    return sorted(lignes, key=TRIS[cle], reverse=tri.startswith("-")), tri


ENTETES_EXPORT = ["FINESS", "ESMS", "Organisme", "FINESS EJ", "INS qualifiées", "Usagers", "% INS qualifiées",
                  "Professionnels avec RPPS", "Professionnels concernés", "% RPPS", "Erreurs RPPS+",
                  "Étapes faites", "Étapes applicables", "% étapes faites", "Étapes bloquées", "Étapes en retard"]


def lignes_export(tab: dict) -> list[list]:
    """The dashboard's per-ESMS table as rows for a spreadsheet (the same figures as the screen)."""
    out = []
    for lg in tab["lignes"]:
        i, r, p = lg["identites"] or {}, lg["rpps"] or {}, lg["prerequis"] or {}
        out.append([lg["et"].finess, lg["et"].nom, lg["et"].organisme.raison_sociale, lg["et"].organisme.finess,
                    i.get("qualifiee", 0), i.get("total", 0), round(i.get("taux_qualifiees", 0.0), 1),
                    r.get("enregistres", 0), r.get("concernes", 0), round(r.get("taux_enregistres", 0.0), 1),
                    r.get("erreurs", 0), p.get("faites", 0), p.get("total", 0), round(p.get("taux_faits", 0.0), 1),
                    p.get("bloquees", 0), p.get("en_retard", 0)])
    return out
