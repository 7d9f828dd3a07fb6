"""Main menu. Each entry names a URL; entries whose URL does not exist (app not installed yet) are skipped,
and each app says which functions see its entry (None = every signed-in person)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from socle.comptes import rights
from socle.comptes.models import Fonction as F

MENU = [
    (_("Accueil"), "web:accueil", None),
    (_("Organisations"), "organisations:og_list", None),
    (_("Grappes"), "organisations:grappe_list", None),
    (_("Import FINESS"), "organisations:import_finess", [F.CHEF_PROJET]),
    # Admission owns the last step (first successful INSi call), so it sees its next actions too.
    (_("Prérequis"), "prerequis:index", [F.REPRESENTANT_LEGAL, F.CHEF_PROJET, F.ADMIN_TECHNIQUE, F.GESTIONNAIRE_RPPS,
                                        F.ADMISSION]),
    (_("Personnel & RPPS+"), "personnel:index", [F.GESTIONNAIRE_RPPS, F.REPRESENTANT_LEGAL, F.CHEF_PROJET]),
    (_("Usagers & INS"), "usagers:index", [F.ADMISSION, F.PROFESSIONNEL, F.REPRESENTANT_LEGAL, F.ADMIN_TECHNIQUE]),
    (_("Tableaux de bord"), "pilotage:index", [F.REPRESENTANT_LEGAL, F.CHEF_PROJET]),
    (_("Comptes"), "comptes:equipe", [F.REPRESENTANT_LEGAL]),
    (_("Journal d'accès"), "audit:recherche", [F.REPRESENTANT_LEGAL, F.DPO]),
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
