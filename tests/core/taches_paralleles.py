"""A task for tests/core/test_workers_postgresql.py: each run appends one line (its number and the worker's pid) to a
file opened in append mode, so a task run twice shows up as a repeated number."""

import os
import time

from django.tasks import task


@task(queue_name="default")
def noter_execution(chemin: str, numero: int) -> int:
    time.sleep(0.05)  # long enough for both workers to be busy at the same time
    with open(chemin, "a", encoding="utf-8") as f:
        f.write(f"{numero} {os.getpid()}\n")
    return numero
