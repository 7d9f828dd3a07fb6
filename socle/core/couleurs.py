"""The one palette of statuses, shared by every app's `affichage.py` (identity statuses, prerequisite steps,
dashboards) and matching the badges of socle.css: a "done" reads the same green, an "in progress" the same
amber, a "late" or "provisional" the same red, on every screen. Each text colour is at least 4.5:1 on white or
on its light background (WCAG AA)."""

VERT = "#2e7d32"  # done, qualified (.badge.ok)
VERT_FOND = "#e8f5e9"
AMBRE = "#c98a00"  # in progress, validated (bars; the text colour of .badge.attention is darker)
AMBRE_FOND = "#fff4d6"
ROUGE = "#b3261e"  # late, provisional (.badge.alerte)
ROUGE_FOND = "#fdecea"
SARCELLE = "#0b6e6e"  # recovered identity, information (.badge.info)
GRIS = "#aab4be"  # still to do (bars)
GRIS_TEXTE = "#5c6370"  # blocked step: grey, yet 6:1 on white
INCONNU = "#888888"
