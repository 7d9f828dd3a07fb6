"""Main menu. Each entry names a URL; entries whose URL does not exist (app not installed yet) are skipped,
and each app says which functions see its entry (None = every signed-in person)."""

from django.urls import NoReverseMatch, reverse

from socle.comptes import rights
from socle.comptes.models import Fonction as F

MENU = [
    ("Accueil", "core:accueil", None),
    ("Organisations", "organisations:og_list", None),
    ("Grappes", "organisations:grappe_list", None),
    ("Import FINESS", "organisations:import_finess", [F.CHEF_PROJET]),
    ("Prérequis", "prerequis:index", [F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE, F.GESTIONNAIRE_RPPS]),
    ("Personnel & RPPS+", "personnel:index", [F.GESTIONNAIRE_RPPS, F.REPRESENTANT_LEGAL, F.CHEF_PROJET]),
    ("Usagers & INS", "usagers:index", [F.ADMISSION, F.PROFESSIONNEL, F.REPRESENTANT_LEGAL]),
    ("Tableaux de bord", "pilotage:index", [F.REPRESENTANT_LEGAL, F.CHEF_PROJET]),
    ("Comptes", "comptes:equipe", [F.REPRESENTANT_LEGAL]),
    ("Journal d'accès", "audit:recherche", [F.REPRESENTANT_LEGAL, F.DPO]),
]


def menu_for(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    held = rights.fonctions(user)
    items = []
    for label, url_name, allowed in MENU:
        if allowed is not None and not user.is_superuser and not (held & set(allowed)):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"
                      or request.path == url})
    return items
