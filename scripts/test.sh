#!/usr/bin/env bash
# Installs everything the tests need and runs them: ruff, import-linter, djlint, the migrations check, pytest on
# SQLite (browser, fault-injection and attack tests included) and the demo from a fresh clone of HEAD in a
# temporary folder (the repository is self-sufficient), pytest on the local PostgreSQL (127.0.0.1:5432, user postgres, trust), with the benchmarks
# at --quick size in between.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
export SOCLE_DATA_DIR="${SOCLE_DATA_DIR:-$(mktemp -d)}"
# pytest runs its tests in one process per core (pytest-xdist; an idle process takes tests from a busy one), each
# with its own test database and data folder (socle/settings.py); SOCLE_TEST_PROCESSUS=0 runs them in one process.
PROCESSUS="${SOCLE_TEST_PROCESSUS:-auto}"
echo "== ruff"
.venv/bin/ruff check socle tests benchmarks
echo "== couches (import-linter, voir ARCHITECTURE.md)"
.venv/bin/lint-imports --no-cache
echo "== gabarits (djlint)"
.venv/bin/djlint socle --lint
echo "== migrations à jour ?"
.venv/bin/socle makemigrations --check --dry-run >/dev/null
echo "== tests (SQLite), depuis un clone neuf du dernier commit dans un dossier temporaire (rien à côté)"
# One SQLite pass, run from the clone: it proves the repository is self-sufficient at the same time.
# Tests marked `postgresql` (several processes on one database) belong to the PostgreSQL pass below.
# The clone runs with this .venv's interpreter and libraries, but PYTHONPATH and the working directory make
# `socle` and `tests` import from the clone (checked below). Uncommitted changes are not in the clone.
ROOT="$PWD"
CLONE="$(mktemp -d)"
trap 'rm -rf "$CLONE"' EXIT
if git rev-parse -q --verify HEAD >/dev/null 2>&1; then
  git clone -q --no-hardlinks "$ROOT" "$CLONE/socle"
  git -C "$CLONE/socle" log -1 --format="clone de %h : %s"
else  # not a git checkout: a copy of the tree without what the installation and the runs add
  mkdir "$CLONE/socle"
  tar -C "$ROOT" --exclude=./.venv --exclude=./var --exclude='*.egg-info' --exclude=__pycache__ \
      --exclude=./.env --exclude=.pytest_cache --exclude=.ruff_cache --exclude=./build --exclude=./test-results -cf - . \
    | tar -C "$CLONE/socle" -xf -
  echo "pas de dépôt git : copie de l'arbre"
fi
(
  cd "$CLONE/socle"
  export PYTHONPATH="$PWD" SOCLE_DATA_DIR="$CLONE/data"
  py="$ROOT/.venv/bin/python"
  ici="$("$py" -c 'import pathlib, socle; print(pathlib.Path(socle.__file__).resolve().parent)')"
  [ "$ici" = "$(pwd -P)/socle" ] || { echo "socle importé depuis $ici au lieu du clone" >&2; exit 1; }
  echo "socle importé depuis $ici"
  "$py" -m pytest -q -p no:cacheprovider -n "$PROCESSUS" --dist worksteal -m "not postgresql" "$@"
  "$py" -m socle.cli demo --no-serve > "$CLONE/demo.log" 2>&1 || { cat "$CLONE/demo.log"; exit 1; }
  echo "démo (--no-serve) depuis le clone : OK"
)
echo "== benchmarks en taille réduite (vérifie qu'ils tournent ; aucun seuil de temps)"
.venv/bin/python benchmarks/run_all.py --quick > "${SOCLE_DATA_DIR}/benchmarks-quick.log" 2>&1 \
  || { cat "${SOCLE_DATA_DIR}/benchmarks-quick.log"; exit 1; }
echo "benchmarks : OK (détail dans ${SOCLE_DATA_DIR}/benchmarks-quick.log)"
echo "== tests (PostgreSQL)"
# The attack suite runs in the SQLite pass above. It runs on PostgreSQL too (`-m attaque`; its harness no longer
# closes the connection of a rolled-back request) but takes about 8 s a route there instead of 1: out of this pass.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
# Everything but the browser, and the tests marked `postgresql`: workers in parallel (django-tasks-db), two
# processes on one INS batch, backup/restore with pg_dump (tests/core/test_workers_postgresql.py, tests/web/test_sauvegarde.py).
DATABASE_URL="${SOCLE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/socle}" \
  .venv/bin/pytest -q -p no:cacheprovider -n "$PROCESSUS" --dist worksteal -m "(not browser and not coupure and not attaque) or postgresql" \
  --create-db "$@"
