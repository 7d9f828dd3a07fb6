"""Compact the INSEE COG shipped by two npm packages into the tables of socle/referentiels/ (see its SOURCE.md).

    npm pack @etalab/decoupage-administratif@6.0.0 french-ssn@4.1.0
    mkdir -p d f && tar xzf etalab-decoupage-administratif-6.0.0.tgz -C d && tar xzf french-ssn-4.1.0.tgz -C f
    python scripts/compacter_cog.py d/package f/package socle/referentiels

Writes cog_communes.csv (code;nom;type;departement;rattachement), cog_departements.csv (code;nom) and
cog_pays.csv (code;nom). Types: C commune, D commune déléguée, A commune associée, M arrondissement municipal,
X former code merged into the commune `rattachement` (its own name is not in the source, so it is left empty).
Nothing is renamed: names are copied as the packages ship them."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

TYPES = {
    "commune-actuelle": "C",
    "commune-deleguee": "D",
    "commune-associee": "A",
    "arrondissement-municipal": "M",
}


def main(decoupage: Path, french_ssn: Path, sortie: Path) -> None:
    communes = json.loads((decoupage / "data" / "communes.json").read_text(encoding="utf-8"))
    departements = json.loads((decoupage / "data" / "departements.json").read_text(encoding="utf-8"))
    pays = json.loads((french_ssn / "dist" / "data" / "countries.json").read_text(encoding="utf-8"))
    lignes, vus = [], set()
    for c in communes:
        t = TYPES[c["type"]]
        rattachement = c.get("chefLieu") or c.get("commune") or ""
        lignes.append((c["code"], c["nom"], t, c["departement"], rattachement))
        vus.add(c["code"])
    for c in communes:
        for ancien in c.get("anciensCodes", []):
            if ancien not in vus:
                lignes.append((ancien, "", "X", c["departement"], c["code"]))
                vus.add(ancien)
    lignes.sort(key=lambda r: (r[0], "CMDAX".index(r[2])))
    with open(sortie / "cog_communes.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(("code", "nom", "type", "departement", "rattachement"))
        w.writerows(lignes)
    with open(sortie / "cog_departements.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(("code", "nom"))
        w.writerows(sorted((d["code"], d["nom"]) for d in departements))
    with open(sortie / "cog_pays.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(("code", "nom"))
        w.writerows(sorted((f"99{code}", nom) for code, nom in pays.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
