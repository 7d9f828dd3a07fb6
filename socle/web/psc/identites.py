"""The stand-in's test identities, built from the staff registry: every professional with an RPPS and a
situation d'exercice in progress, with the `SubjectRefPro` PSC would send (one exercice per profession, one
activité per ESMS), plus one professional unknown to the installation."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from socle.connecteurs.psc.standin import IdentiteTest, activite, exercice
from socle.personnel.models import SituationExercice

# TRE_R02 secteur d'activité, for the FINESS categories of the elderly (SA17 "établissement pour personnes âgées").
SECTEUR_PAR_CATEGORIE = {"500": "SA17", "501": "SA17", "502": "SA17"}
INCONNU = IdentiteTest(
    "810009999994",
    "Alex",
    "INCONNU-DEMO",
    [exercice("60", [activite("999999999", "EHPAD hors installation (démo)", role="", genre="")])],
)


def identites_du_registre(limite: int = 300) -> list[IdentiteTest]:
    aujourd_hui = timezone.localdate()
    situations = (
        SituationExercice.objects.filter(Q(date_fin__isnull=True) | Q(date_fin__gte=aujourd_hui))
        .exclude(professionnel__rpps="")
        .select_related("professionnel", "etablissement__organisme")
        .order_by("professionnel__rpps", "etablissement__nom")
    )
    par_rpps: dict[str, list[SituationExercice]] = defaultdict(list)
    for s in situations:
        if len(par_rpps) >= limite and s.professionnel.rpps not in par_rpps:
            continue
        par_rpps[s.professionnel.rpps].append(s)
    identites = []
    for rpps, liste in par_rpps.items():
        pro = liste[0].professionnel
        par_profession: dict[str, list[dict]] = defaultdict(list)
        for s in liste:
            et = s.etablissement
            par_profession[s.profession].append(
                activite(
                    et.finess,
                    et.nom,
                    finess_ej=et.organisme.finess,
                    role=s.role,
                    genre=s.genre_activite,
                    secteur=SECTEUR_PAR_CATEGORIE.get(et.categorie_code, ""),
                    mode=s.mode_exercice,
                )
            )
        exercices = [
            exercice(
                prof,
                acts,
                nom=liste[0].nom_exercice or pro.nom_naissance,
                prenom=liste[0].prenom_exercice or pro.prenom_affiche,
            )
            for prof, acts in par_profession.items()
        ]
        identites.append(
            IdentiteTest(
                f"8{rpps}",
                pro.prenom_affiche,
                pro.nom_usage or pro.nom_naissance,
                exercices,
                email=pro.email,
                civilite={"MME": "MME", "M": "M"}.get(pro.civilite, ""),
            )
        )
    # the demo's nurse first, then the rest; the unknown professional last
    identites.sort(key=lambda i: (not i.nom.endswith("-PSC-DEMO"), i.nom))
    return [*identites, INCONNU]
