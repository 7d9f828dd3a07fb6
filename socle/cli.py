"""The `socle` command: Django's management commands plus Socle's own.

`socle import-finess FILE` runs the `import_finess` management command; `socle check finess|rpps|nir N`
validates an identifier (Django's own `check` stays reachable as `socle check` with other arguments);
`socle worker` runs the background-task worker (django-tasks-db's loop inside `socle_worker`, which waits and goes
on when the database is locked instead of exiting).
"""

import os
import sys

IDENTIFIER_CHECKS = {"finess", "rpps", "nir"}


def translate(argv: list[str]) -> list[str]:
    if len(argv) < 2:
        return argv
    command = argv[1]
    if command == "check" and len(argv) > 2 and argv[2] in IDENTIFIER_CHECKS:
        return [argv[0], "check_identifiant", *argv[2:]]
    if command == "worker":
        # Every queue (default, imports, ins, dmp) unless the caller picks some.
        extra = [] if any(a.startswith("--queue-name") for a in argv[2:]) else ["--queue-name", "*"]
        return [argv[0], "socle_worker", *extra, *argv[2:]]
    if not command.startswith("-"):
        return [argv[0], command.replace("-", "_"), *argv[2:]]
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(translate(sys.argv))


if __name__ == "__main__":
    main()
