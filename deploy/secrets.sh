#!/usr/bin/env bash
# Creates deploy/secrets/ for docker-compose.yml once: PostgreSQL password, DATABASE_URL, SECRET_KEY and the
# Fernet key that encrypts certificate passwords (keep a copy: `socle backup` archives it too).
set -euo pipefail
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
[ -s secrets/pg_password ] || python3 -c 'import secrets; print(secrets.token_urlsafe(32), end="")' > secrets/pg_password
[ -s secrets/database_url ] || printf 'postgres://socle:%s@postgres:5432/socle' "$(cat secrets/pg_password)" > secrets/database_url
[ -s secrets/secret_key ] || python3 -c 'import secrets; print(secrets.token_urlsafe(50), end="")' > secrets/secret_key
[ -s secrets/socle_secrets_key ] || python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode(), end="")' > secrets/socle_secrets_key
echo "secrets prêts dans $(pwd)/secrets (0600)"
