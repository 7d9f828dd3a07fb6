"""Main menu. Each entry names a URL and the capacités (socle.comptes.rights.REGLES) that open it, any of them
(None = every signed-in person): the same table the views check, so the menu never offers a refused page."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from socle.comptes import rights

MENU = [
    (_("Accueil"), "web:accueil", None),
    (_("Organisations"), "organisations:og_list", None),
    (_("Grappes"), "organisations:grappe_list", None),
    (_("Import FINESS"), "organisations:import_finess", ["importer_finess"]),
    (_("Prérequis"), "prerequis:index", ["prerequis"]),
    (_("Personnel & RPPS+"), "personnel:index", ["personnel"]),
    (_("Usagers & INS"), "usagers:index", ["dossiers_usagers", "lots_ins", "tableau_ins"]),
    (_("Documents"), "documents:esms", ["documents_esms"]),
    (_("Tableaux de bord"), "pilotage:index", ["pilotage"]),
    (_("Comptes"), "comptes:equipe", ["gerer_comptes"]),
    (_("Journal d'accès"), "audit:recherche", ["journal"]),
]


def menu_for(request, peut: frozenset[str] | None = None) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    peut = rights.capacites(user) if peut is None else peut
    items = []
    for label, url_name, actions in MENU:
        if actions is not None and not peut & set(actions):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"
                      or request.path == url})
    return items
