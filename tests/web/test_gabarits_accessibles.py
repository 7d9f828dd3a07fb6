"""Static checks of the templates (no browser): no field is named by its placeholder alone, every page has the
skip link of the base layout."""

import re
from pathlib import Path

import socle

RACINE = Path(socle.__file__).parent
CHAMP = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)


def _gabarits():
    return sorted(RACINE.rglob("templates/**/*.html"))


def test_aucun_champ_nomme_par_son_seul_texte_indicatif():
    fautes = []
    for chemin in _gabarits():
        texte = chemin.read_text(encoding="utf-8")
        for _balise, attributs in CHAMP.findall(texte):
            if "placeholder=" not in attributs or 'type="hidden"' in attributs or "aria-label" in attributs:
                continue
            ident = re.search(r'\bid="([^"]+)"', attributs)
            if not ident or f'for="{ident.group(1)}"' not in texte:
                fautes.append(f"{chemin.relative_to(RACINE)} : {attributs.strip()[:80]}")
    assert not fautes, "champ sans étiquette (le texte indicatif ne suffit pas) :\n" + "\n".join(fautes)


def test_la_mise_en_page_commence_par_le_lien_d_evitement():
    base = (RACINE / "templates" / "base.html").read_text(encoding="utf-8")
    corps = base.split("<body", 1)[1]
    assert corps.index('href="#contenu"') < corps.index("<header")
    assert '<main id="contenu"' in base and 'aria-live="polite"' in base
