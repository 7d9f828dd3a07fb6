#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 (Django 6 needs it) and installs Socle into it.
# Usage: scripts/bootstrap.sh [extras]   e.g. scripts/bootstrap.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
find_python() {
  for cand in "${SOCLE_PYTHON:-}" python3.14 python3.13 python3.12 python3 \
              /root/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      echo "$cand"; return 0
    fi
  done
  return 1
}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  PY=$(find_python) || { echo "Socle a besoin de Python 3.12 ou plus récent (Django 6). Installez-le (apt install python3.12 ou pyenv) puis relancez." >&2; exit 1; }
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
EXTRAS="${1:-}"
TARGET="."; [ -n "$EXTRAS" ] && TARGET=".[$EXTRAS]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$TARGET" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import socle, django; assert django.VERSION >= (6, 0)"
