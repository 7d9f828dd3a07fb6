"""Reads locust's CSV statistics and prints p50/p95 per kind of request against the goals of the load test;
also writes the table as Markdown next to the CSV. Exit code 1 when a goal is missed or a request failed.

    .venv/bin/python benchmarks/charge/resume.py var/charge/resultats"""

import csv
import sys
from pathlib import Path

# Goals on the 95th percentile (ms), by the beginning of the request's name (hardening issue, item 5; the
# regional grappe: issue 11). Kinds without a goal are reported for information.
OBJECTIFS = [
    ("usagers : dossier", 150),
    ("usagers : recherche", 150),
    ("pilotage : tableau de grappe régionale", 1000),
    ("pilotage : ", 500),
]


def objectif(nom: str) -> int | None:
    return next((ms for debut, ms in OBJECTIFS if nom.startswith(debut)), None)


def lire(prefixe: str) -> tuple[list[dict], list[dict]]:
    stats = list(csv.DictReader(Path(f"{prefixe}_stats.csv").open(encoding="utf-8")))
    f = Path(f"{prefixe}_failures.csv")
    echecs = list(csv.DictReader(f.open(encoding="utf-8"))) if f.exists() else []
    return stats, echecs


def _ms(v: str) -> str:
    return "—" if v in ("", "N/A") else f"{float(v):.0f}"


def tableau(stats: list[dict], echecs: list[dict]) -> tuple[list[str], bool]:
    lignes = ["| requête | nombre | erreurs | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | objectif p95 | verdict |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    ok = True
    for r in sorted(stats, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        nom = r["Name"]
        if nom == "Aggregated":
            continue
        n, err = int(r["Request Count"]), int(r["Failure Count"])
        but = objectif(nom)
        p95 = r.get("95%", "")
        if but is None:
            verdict = "—" if not err else "ERREURS"
        elif n == 0:
            verdict = "non mesuré"
            ok = False
        elif err or float(p95) >= but:
            verdict = "DÉPASSÉ" if not err else "ERREURS"
            ok = False
        else:
            verdict = "atteint"
        ok = ok and not err
        lignes.append(f"| {nom} | {n} | {err} | {_ms(r.get('50%', ''))} | {_ms(p95)} | {_ms(r.get('99%', ''))} | "
                      f"{_ms(r.get('Max Response Time', ''))} | {f'< {but}' if but else '—'} | {verdict} |")
    total_echecs = sum(int(e.get("Occurrences", 0) or 0) for e in echecs)
    lignes.append("")
    lignes.append(f"Erreurs sur toute la course (connexions et montée en charge comprises) : {total_echecs}")
    for e in echecs:
        lignes.append(f"- {e.get('Method')} {e.get('Name')} : {e.get('Error')} ({e.get('Occurrences')} fois)")
    return lignes, ok and total_echecs == 0


def main() -> int:
    prefixe = sys.argv[1] if len(sys.argv) > 1 else "var/charge/resultats"
    stats, echecs = lire(prefixe)
    lignes, ok = tableau(stats, echecs)
    texte = "\n".join(lignes)
    print(texte)
    Path(f"{prefixe}_resume.md").write_text(texte + "\n", encoding="utf-8")
    print("\nObjectifs atteints, aucune erreur." if ok else "\nObjectif manqué ou erreurs : voir ci-dessus.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
