"""gunicorn settings for Socle behind a reverse proxy (deploy/nginx/socle.conf).

    gunicorn --config deploy/gunicorn.conf.py socle.wsgi:application

Every value can be changed from the environment (systemd EnvironmentFile, docker-compose `environment`).
"""

import multiprocessing
import os

# Listen where only the proxy reaches: a local port or a Unix socket (unix:/run/socle/gunicorn.sock). In Docker,
# 0.0.0.0:8000 inside the container's private network, published to the proxy only.
bind = os.environ.get("SOCLE_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SOCLE_GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("SOCLE_GUNICORN_THREADS", 1))
# Long work (FINESS import, staff import, INS batches) runs in `socle worker`, not in a request.
timeout = int(os.environ.get("SOCLE_GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Restart workers now and then (memory of large imports analysed in the request).
max_requests = int(os.environ.get("SOCLE_GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# X-Forwarded-Proto is believed from these addresses only (Django reads it through SECURE_PROXY_SSL_HEADER,
# and the client's address through SOCLE_PROXIES).
forwarded_allow_ips = os.environ.get("SOCLE_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("SOCLE_GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("SOCLE_GUNICORN_LOGLEVEL", "info")
# Heartbeat files in memory when available (containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
