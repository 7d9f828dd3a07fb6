from .navigation import menu_for


def socle(request) -> dict:
    return {"socle_menu": menu_for(request)}
