"""Charts drawn on the server as SVG: readable without JavaScript, printable, and described in text (each chart
comes with its table of figures)."""

from dataclasses import dataclass

LARGEUR, HAUTEUR = 640, 220
MARGE_G, MARGE_D, MARGE_H, MARGE_B = 44, 16, 14, 36


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    valeur: float
    etiquette: str


def courbe(valeurs: list[tuple[str, float]], maximum: float = 100.0) -> dict:
    """Geometry of a line chart of percentages (label, value): points, the polyline, the horizontal guides at
    0/25/50/75/100 %, for `pilotage/_courbe.html`."""
    n = len(valeurs)
    largeur_utile = LARGEUR - MARGE_G - MARGE_D
    hauteur_utile = HAUTEUR - MARGE_H - MARGE_B
    pas = largeur_utile / (n - 1) if n > 1 else 0

    def y(v: float) -> float:
        return round(MARGE_H + hauteur_utile * (1 - min(max(v, 0), maximum) / maximum), 1)

    points = [Point(round(MARGE_G + i * pas, 1), y(v), v, etiquette) for i, (etiquette, v) in enumerate(valeurs)]
    return {
        "largeur": LARGEUR, "hauteur": HAUTEUR, "points": points,
        "trace": " ".join(f"{p.x},{p.y}" for p in points),
        "guides": [{"y": y(g), "libelle": f"{g:.0f} %"} for g in (0, 25, 50, 75, 100)],
        "x_debut": MARGE_G, "x_fin": LARGEUR - MARGE_D, "y_etiquettes": HAUTEUR - MARGE_B + 18,
    }
