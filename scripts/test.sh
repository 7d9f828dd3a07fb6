#!/usr/bin/env bash
# Installs everything the tests need and runs them: ruff, pytest on SQLite (browser test included),
# pytest on the local PostgreSQL (127.0.0.1:5432, user postgres, trust), with the benchmarks at --quick size in between.
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
echo "== ruff"
.venv/bin/ruff check socle tests benchmarks
echo "== couches (import-linter, voir ARCHITECTURE.md)"
.venv/bin/lint-imports --no-cache
echo "== migrations à jour ?"
.venv/bin/socle makemigrations --check --dry-run >/dev/null
echo "== tests (SQLite)"
.venv/bin/pytest -q -p no:cacheprovider "$@"
echo "== benchmarks en taille réduite (vérifie qu'ils tournent ; aucun seuil de temps)"
.venv/bin/python benchmarks/run_all.py --quick > "${SOCLE_DATA_DIR}/benchmarks-quick.log" 2>&1 \
  || { cat "${SOCLE_DATA_DIR}/benchmarks-quick.log"; exit 1; }
echo "benchmarks : OK (détail dans ${SOCLE_DATA_DIR}/benchmarks-quick.log)"
echo "== tests (PostgreSQL)"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
DATABASE_URL="${SOCLE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/socle}" \
  .venv/bin/pytest -q -p no:cacheprovider -m "not browser" --create-db "$@"
