#!/usr/bin/env bash
# Load test: a gunicorn on 127.0.0.1 against the PostgreSQL load-test database, locust headless with the
# personas' daily mix (locustfile.py), CSV statistics and a p50/p95 table against the goals (resume.py).
# Loopback only, bounded in time; gunicorn is stopped at the end whatever happens.
#
#   bash benchmarks/charge/lancer.sh            # 30 OG, 300 ESMS, 100 000 usagers, 50 clients, 3 min
#   bash benchmarks/charge/lancer.sh --quick    # small region, 5 clients, 20 s (checks that it all runs)
#
# Settings (environment): DATABASE_URL (default postgres://postgres@127.0.0.1:5432/socle_charge, or
# …/socle_charge_quick with --quick), CHARGE_UTILISATEURS (50), CHARGE_CADENCE (10 new clients/s), CHARGE_DUREE
# (3m), CHARGE_WORKERS (gunicorn workers; default: deploy/gunicorn.conf.py's, 2 × cores + 1), CHARGE_PORT (8765),
# CHARGE_PAUSE_MIN/MAX (1/3 s between two pages), CHARGE_CHAUFFE (10 s between the last sign-in and the reset),
# CHARGE_REGION (1: one chef de projet on the 300-ESMS grappe), CHARGE_CHARGE_MAX (1.5: the machine's load
# average under which the run starts) and CHARGE_ATTENTE (0: seconds to wait for it, then run anyway with a
# warning). gunicorn runs with the production configuration (deploy/gunicorn.conf.py), on plain HTTP on the loopback.
# Needs the `charge` extra: bash scripts/bootstrap.sh charge
set -euo pipefail
cd "$(dirname "$0")/../.."
RACINE="$PWD"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ "$QUICK" = 1 ]; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/socle_charge_quick}"
  UTILISATEURS="${CHARGE_UTILISATEURS:-5}"; CADENCE="${CHARGE_CADENCE:-5}"; DUREE="${CHARGE_DUREE:-20s}"
  WORKERS="${CHARGE_WORKERS:-2}"; SORTIE="$RACINE/var/charge/quick"
else
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/socle_charge}"
  UTILISATEURS="${CHARGE_UTILISATEURS:-50}"; CADENCE="${CHARGE_CADENCE:-10}"; DUREE="${CHARGE_DUREE:-3m}"
  WORKERS="${CHARGE_WORKERS:-}"; SORTIE="$RACINE/var/charge/resultats"
fi
PORT="${CHARGE_PORT:-8765}"
PY="$RACINE/.venv/bin/python"
for outil in gunicorn locust; do
  [ -x "$RACINE/.venv/bin/$outil" ] || { echo "$outil absent : bash scripts/bootstrap.sh charge" >&2; exit 2; }
done
mkdir -p "$(dirname "$SORTIE")"
CIBLES="${SORTIE}_cibles.json"

base="${DATABASE_URL##*/}"
if ! psql "${DATABASE_URL%/*}/postgres" -Atc "select 1 from pg_database where datname='$base'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres "$base" 2>/dev/null || psql "${DATABASE_URL%/*}/postgres" -c "create database \"$base\""
fi
echo "== préparation des données ($DATABASE_URL)"
"$PY" benchmarks/charge/preparer.py $([ "$QUICK" = 1 ] && echo --quick) --cibles "$CIBLES"

# A loaded machine skews every figure: wait (bounded) for a quiet one, or say so.
MAX="${CHARGE_CHARGE_MAX:-1.5}"; ATTENTE="${CHARGE_ATTENTE:-0}"; debut=$SECONDS
while :; do
  charge=$(cut -d' ' -f1 /proc/loadavg)
  awk -v c="$charge" -v m="$MAX" 'BEGIN{exit !(c < m)}' && break
  if [ $((SECONDS - debut)) -ge "$ATTENTE" ]; then
    echo "ATTENTION : charge de la machine $charge (≥ $MAX) : les mesures seront pessimistes"; break
  fi
  sleep 15
done
echo "charge de la machine avant la mesure : $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== gunicorn (deploy/gunicorn.conf.py, ${WORKERS:-défaut de la configuration de production} workers) sur 127.0.0.1:$PORT"
export SOCLE_CONNEXION_ECHECS_MAX="${SOCLE_CONNEXION_ECHECS_MAX:-1000}"  # django-axes: no lock-out of a test account
[ -n "$WORKERS" ] && export SOCLE_GUNICORN_WORKERS="$WORKERS"
SOCLE_GUNICORN_BIND="127.0.0.1:$PORT" SOCLE_GUNICORN_LOGLEVEL=warning SOCLE_GUNICORN_ACCESSLOG="${SORTIE}_acces.log" \
  "$RACINE/.venv/bin/gunicorn" --config deploy/gunicorn.conf.py socle.wsgi:application > "${SORTIE}_gunicorn.log" 2>&1 &
GUNICORN=$!
arreter() { kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true; }
trap arreter EXIT
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/comptes/connexion/" 2>/dev/null && break
  kill -0 "$GUNICORN" 2>/dev/null || { cat "${SORTIE}_gunicorn.log"; exit 1; }
  sleep 0.5
done

# CPU seconds used by a process and its live children (clock ticks of /proc/PID/stat: utime stime cutime cstime).
TICKS=$(getconf CLK_TCK)
cpu() { local total=0 p; for p in "$@"; do
  [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14+$15+$16+$17}' "/proc/$p/stat"))); done; echo "$total"; }
cpu_serveur() { cpu "$GUNICORN" $(pgrep -P "$GUNICORN"); }
cpu_postgres() { cpu $(psql "${DATABASE_URL%/*}/postgres" -Atc \
  "select pid from pg_stat_activity where datname='$base' and pid <> pg_backend_pid()" 2>/dev/null); }
machine() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }  # every process: user nice system irq softirq steal
CPU_SERVEUR0=$(cpu_serveur); MACHINE0=$(machine); T0=$SECONDS

echo "== locust : $UTILISATEURS clients, +$CADENCE/s, $DUREE"
CHARGE_CIBLES="$CIBLES" timeout --kill-after=30 900 /usr/bin/time -f "%U %S" -o "${SORTIE}_locust_cpu.txt" \
  "$RACINE/.venv/bin/locust" -f benchmarks/charge/locustfile.py \
  --headless -u "$UTILISATEURS" -r "$CADENCE" --run-time "$DUREE" --stop-timeout 10 \
  --host "http://127.0.0.1:$PORT" --csv "$SORTIE" --only-summary --exit-code-on-error 0 \
  > "${SORTIE}_locust.log" 2>&1 || { tail -30 "${SORTIE}_locust.log"; exit 1; }
grep "^\[charge\]" "${SORTIE}_locust.log" || true
# persistent connections: the PostgreSQL processes serving gunicorn are still there to be read
CPU_PG=$(cpu_postgres); CPU_SERVEUR=$(( $(cpu_serveur) - CPU_SERVEUR0 )); MACHINE=$(( $(machine) - MACHINE0 ))
DUREE_S=$((SECONDS - T0)); CPU_LOCUST=$(awk '{print $1 + $2}' "${SORTIE}_locust_cpu.txt" 2>/dev/null || echo 0)
awk -v s="$CPU_SERVEUR" -v p="$CPU_PG" -v m="$MACHINE" -v l="$CPU_LOCUST" -v t="$TICKS" -v d="$DUREE_S" -v c="$(nproc)" 'BEGIN{
  autres = m/t - s/t - p/t - l; if (autres < 0) autres = 0
  printf "CPU pendant la course (%d s, %d cœurs) : gunicorn %.0f s, PostgreSQL %.0f s, locust %.0f s, soit %.2f cœur(s) ;\n", d, c, s/t, p/t, l, (s/t+p/t+l)/d
  printf "le reste de la machine (autres processus) : %.2f cœur(s) en moyenne\n", autres/d }' | tee "${SORTIE}_cpu.txt"
arreter
trap - EXIT
echo "== résultats (CSV : ${SORTIE}_stats.csv)"
echo "charge de la machine après la mesure : $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" benchmarks/charge/resume.py "$SORTIE"
