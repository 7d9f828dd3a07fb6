from socle.comptes import rights

from .navigation import menu_for


def socle(request) -> dict:
    """The menu, and what the person may do (`socle_capacites`, computed once per page for the menu and the
    templates' sub-menus)."""
    user = getattr(request, "user", None)
    peut = rights.capacites(user) if user is not None and user.is_authenticated else frozenset()
    return {"socle_menu": menu_for(request, peut), "socle_capacites": peut}
