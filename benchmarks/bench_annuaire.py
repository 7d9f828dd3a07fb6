"""Benchmark: reconciliation of a synthetic national Annuaire Santé extract against an OG's staff.

    .venv/bin/python benchmarks/bench_annuaire.py            # 2 000 000 lines vs 10 000 agents (and 200 000)
    .venv/bin/python benchmarks/bench_annuaire.py --quick    # 100 000 lines vs 2 000 agents (and 10 000)

Generates the files in a temporary directory, then runs each reconciliation in a fresh Python process (so that
ru_maxrss is the reconciliation's own peak, not the generator's; the parent stays small because Linux keeps the
pre-exec peak in a child's ru_maxrss): once for the time and ru_maxrss, once under tracemalloc for the peak of
Python allocations. Memory is flat if the peak of the big file is close to the
peak of the file ten times smaller. Also checks the outcome against the generator's manifest.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))


def mesurer(fichier: str, jeu: str, mode: str) -> None:
    """Child process: one reconciliation, figures printed as JSON on stdout."""
    import tracemalloc

    from socle.personnel.annuaire.engine import lire_annuaire, rapprocher, rapprocher_fichier

    with open(jeu, "rb") as f:
        agents, finess_og, manifeste = pickle.load(f)
    avant = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = time.process_time()
    if mode == "tracemalloc":
        tracemalloc.start()
    t0 = time.perf_counter()
    if mode == "generique":
        r = rapprocher(agents, lire_annuaire(fichier), finess_og)
    else:
        r = rapprocher_fichier(agents, fichier, finess_og)
    duree = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    pic_tm = tracemalloc.get_traced_memory()[1] if mode == "tracemalloc" else None
    ok = (
        {a.cle: lg.rpps for a, lg in r.deja_rpps} == manifeste.deja_rpps
        and {a.cle for a, _ in r.a_verifier} == manifeste.a_verifier
        and {lg.numero_ligne for lg in r.partis} == manifeste.partis
        and {a.cle for a in r.manquants} == manifeste.manquants
    )
    print(json.dumps({
        "duree": duree, "cpu": cpu, "lignes": r.lignes_lues, "lignes_og": r.lignes_og,
        "maxrss_ko": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "maxrss_avant_ko": avant,
        "vmhwm_ko": vmhwm_ko(),
        "tracemalloc_pic": pic_tm, "deja_rpps": len(r.deja_rpps), "a_verifier": len(r.a_verifier),
        "partis": len(r.partis), "manquants": len(r.manquants), "conforme": ok,
    }))


def generer_jeu(fichier: str, jeu: str, n: str, n_agents: str, n_et: str, zipper: str) -> None:
    """Child process: write the synthetic file and pickle the staff file and the manifest."""
    from socle.fictif.annuaire import generer

    t0 = time.perf_counter()
    j = generer(fichier, int(n), n_agents=int(n_agents), n_et=int(n_et), n_ej=2, graine=2026, zipper=zipper == "1")
    duree = time.perf_counter() - t0
    with open(jeu, "wb") as f:
        pickle.dump((j.agents, j.finess_og, j.manifeste), f)
    print(json.dumps({"duree": duree, "taille": Path(fichier).stat().st_size}))


def vmhwm_ko() -> int:
    """Peak RSS of this process image, from /proc (not inherited across exec, unlike ru_maxrss)."""
    try:
        for ligne in Path("/proc/self/status").read_text().splitlines():
            if ligne.startswith("VmHWM:"):
                return int(ligne.split()[1])
    except OSError:
        pass
    return 0


def lancer(*arguments: str) -> dict:
    sortie = subprocess.run([sys.executable, __file__, *arguments], check=True, capture_output=True, text=True)
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100 000 lignes / 2 000 agents")
    p.add_argument("--lignes", type=int)
    p.add_argument("--agents", type=int)
    p.add_argument("--zip", action="store_true", help="fichiers zippés comme l'extraction officielle")
    p.add_argument("--mesurer", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--generer", nargs=6, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.mesurer:
        mesurer(*args.mesurer)
        return
    if args.generer:
        generer_jeu(*args.generer)
        return

    grand = args.lignes or (100_000 if args.quick else 2_000_000)
    n_agents = args.agents or (2_000 if args.quick else 10_000)
    petit = grand // 10
    n_et = 50 if n_agents >= 5_000 else 10
    print(f"Rapprochement Annuaire Santé : {_n(grand)} lignes (et {_n(petit)}) contre {_n(n_agents)} agents, "
          f"{n_et} ET de 2 EJ")
    with tempfile.TemporaryDirectory(prefix="bench-annuaire-") as tmp:
        tmp = Path(tmp)
        resultats = {}
        for n in (petit, grand):
            ext = "zip" if args.zip else "txt"
            fichier, chemin_jeu = tmp / f"annuaire-{n}.{ext}", tmp / f"jeu-{n}.pickle"
            g = lancer("--generer", str(fichier), str(chemin_jeu), str(n), str(n_agents), str(n_et),
                       "1" if args.zip else "0")
            print(f"\n{_n(n)} lignes : génération {g['duree']:.1f} s ({g['taille'] / 1e6:.0f} Mo)")
            rapide = lancer("--mesurer", str(fichier), str(chemin_jeu), "rapide")
            tm = lancer("--mesurer", str(fichier), str(chemin_jeu), "tracemalloc")
            print(f"  rapprochement (rapprocher_fichier) : {rapide['duree']:.1f} s écoulées "
                  f"({rapide['cpu']:.1f} s CPU), {_n(rapide['lignes'] / rapide['duree'])} lignes/s")
            print(f"  ru_maxrss du processus : {rapide['maxrss_ko'] / 1024:.1f} Mo "
                  f"(avant lecture, interpréteur et agents chargés : {rapide['maxrss_avant_ko'] / 1024:.1f} Mo ; "
                  f"VmHWM {rapide['vmhwm_ko'] / 1024:.1f} Mo)")
            print(f"  pic tracemalloc pendant le rapprochement : {tm['tracemalloc_pic'] / 1e6:.1f} Mo")
            print(f"  résultat : {rapide['deja_rpps']} déjà RPPS, {rapide['a_verifier']} à vérifier, "
                  f"{rapide['partis']} partis, {rapide['manquants']} manquants, {rapide['lignes_og']} lignes dans l'OG ; "
                  f"conforme au manifeste : {'oui' if rapide['conforme'] and tm['conforme'] else 'NON'}")
            if n == petit:
                gen_r = lancer("--mesurer", str(fichier), str(chemin_jeu), "generique")
                print(f"  chemin générique rapprocher(lire_annuaire()) : {gen_r['duree']:.1f} s "
                      f"({gen_r['cpu']:.1f} s CPU), "
                      f"{_n(gen_r['lignes'] / gen_r['duree'])} lignes/s, conforme : "
                      f"{'oui' if gen_r['conforme'] else 'NON'}")
            resultats[n] = (rapide, tm)
            fichier.unlink()
        (r_p, tm_p), (r_g, tm_g) = resultats[petit], resultats[grand]
        print(f"\nMémoire pour {grand // petit}× plus de lignes : ru_maxrss ×{r_g['maxrss_ko'] / r_p['maxrss_ko']:.2f}, "
              f"pic tracemalloc ×{tm_g['tracemalloc_pic'] / tm_p['tracemalloc_pic']:.2f}")


if __name__ == "__main__":
    main()
