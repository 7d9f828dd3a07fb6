#!/usr/bin/env bash
# Installs Socle and runs the demo on the embedded SQLite database (var/socle.sqlite3), served on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/socle demo "$@"
