"""Benchmark of duplicate detection (issue 5: 1 000 000 identities in under 60 s).

    .venv/bin/python benchmarks/bench_doublons.py            # 1 000 000 identities
    .venv/bin/python benchmarks/bench_doublons.py --quick    # 100 000 identities
    .venv/bin/python benchmarks/bench_doublons.py -n 300000 --graine 7

Generation of the synthetic set is excluded from the timing. Peak memory is the process peak RSS during
detection (Linux: VmHWM after resetting it through /proc/self/clear_refs), identities included.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from socle.fictif.doublons import TYPES_DOUBLONS, generer  # noqa: E402
from socle.usagers.doublons import SEUIL_DEFAUT, detecter  # noqa: E402


def _memoire(champ: str) -> int | None:
    """VmRSS / VmHWM of this process in MiB (Linux only)."""
    try:
        for ligne in Path("/proc/self/status").read_text().splitlines():
            if ligne.startswith(champ + ":"):
                return int(ligne.split()[1]) // 1024
    except OSError:
        pass
    return None


def _remettre_pic_a_zero() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 000 identités au lieu de 1 000 000")
    parser.add_argument("-n", type=int, default=None, help="nombre d'identités")
    parser.add_argument("--graine", type=int, default=2026)
    parser.add_argument("--seuil", type=float, default=SEUIL_DEFAUT)
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)

    print(f"Machine : {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cœurs, "
          f"charge moyenne avant {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    jeu = generer(n, graine=args.graine)
    print(f"Génération : {n} identités, {len(jeu.doublons)} paires de doublons plantées, "
          f"{len(jeu.non_doublons)} paires de non-doublons plantées (jumeaux, homonymes) "
          f"en {time.perf_counter() - t0:.1f} s (hors mesure)")

    rss_avant = _memoire("VmRSS")
    pic_remis = _remettre_pic_a_zero()
    cpu0, t0 = time.process_time(), time.perf_counter()
    paires = detecter(jeu.identites, seuil=args.seuil)
    duree, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    pic = _memoire("VmHWM")

    trouvees = {(p.cle_a, p.cle_b) for p in paires}
    vrais = trouvees & jeu.doublons.keys()
    precision = len(vrais) / len(trouvees) if trouvees else 1.0
    rappel = len(vrais) / len(jeu.doublons) if jeu.doublons else 1.0
    par_type = Counter(jeu.doublons[k] for k in vrais)
    plantes = Counter(jeu.doublons.values())
    faux_plantes = Counter(jeu.non_doublons[k] for k in trouvees & jeu.non_doublons.keys())

    print(f"Détection : {duree:.1f} s (temps réel), {cpu:.1f} s CPU, seuil {args.seuil}, "
          f"charge moyenne après {os.getloadavg()[0]:.1f}")
    if pic is not None:
        print(f"Mémoire : RSS avant détection {rss_avant} Mio, pic pendant la détection {pic} Mio"
              + ("" if pic_remis else " (pic du processus entier, génération comprise)"))
    print(f"Paires trouvées : {len(paires)} ; vrais doublons {len(vrais)} / {len(jeu.doublons)}")
    print(f"Précision : {precision:.4f}   Rappel : {rappel:.4f}")
    print("Rappel par type : " + ", ".join(f"{t} {par_type[t]}/{plantes[t]}" for t in TYPES_DOUBLONS))
    print(f"Non-doublons plantés signalés à tort : {dict(faux_plantes) or 0}")
    print(f"Objectif < 60 s : {'atteint' if duree < 60 else 'NON atteint'}" if n >= 1_000_000 else "")


if __name__ == "__main__":
    main()
