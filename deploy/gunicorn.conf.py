"""gunicorn settings for backcare. Each value can be changed from the environment."""

import multiprocessing
import os

bind = os.environ.get("BACKCARE_BIND", "127.0.0.1:8000")
# CPU-bound Django: about two workers per core.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
# On SIGTERM, finish the requests in hand before stopping (no request is cut off).
graceful_timeout = 25
keepalive = 2
# Recycle workers now and then, so a slow leak can never grow for long (not too often:
# a new worker costs about a quarter of a second of CPU and starts with cold caches).
max_requests = 50000
max_requests_jitter = 5000
# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("BACKCARE_PROXY_IPS", "127.0.0.1,::1")  # as settings.py
# Access log without client addresses or query strings: what was asked for, not by whom.
# No response sizes either: an emergency outcome is smaller than a self-care plan, so a
# size would tell a reader of the log what someone was told (docs/security.md).
accesslog = os.environ.get("BACKCARE_ACCESS_LOG", "-")
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'
errorlog = "-"
# gunicorn's control socket is one path per user, so two instances on a machine (as in
# deploy/nginx.conf) would fight over it. Instances are managed with signals instead.
control_socket_disable = True
loglevel = os.environ.get("BACKCARE_LOG_LEVEL", "warning").lower()


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded Django, set everything it holds aside from the garbage
    collector (gc.freeze): those objects live as long as the worker, and scanning them
    again and again was about a millisecond of some requests (docs/performance.md)."""
    import gc

    gc.collect()
    gc.freeze()
