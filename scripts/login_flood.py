#!/usr/bin/env python3
"""Flood the admin log-in and time a public page at the same time (`make login-flood`).

Not a unit test: it starts backcare under gunicorn in production mode on loopback
(127.0.0.1:8112, SQLite in a throwaway folder, Redis when FLOOD_REDIS_URL is set), then:

1. times GET /relief/ alone (the quiet figure);
2. runs FLOOD_CLIENTS (24) clients posting failed log-ins with valid CSRF tokens and a
   new user name each time (password spraying), each from its own address (as nginx
   forwards it), for FLOOD_SECONDS (15), while timing
   GET /relief/ one request after another.

It does this twice: with the limits switched off in effect (every limit set to a
million: how the site behaved before the log-in throttle) and with the default limits.
It prints the figures and exits 1 if, with the limits on, the public page failed to
answer or its 95th percentile during the flood passed one second. (What remains is the
queue of refused log-in requests in front of gunicorn's few sync workers; in production
nginx refuses those itself, with limit_req in deploy/nginx.conf.)
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORK = Path("/tmp/backcare-login-flood")  # noqa: S108 (throwaway, wiped each run)
HOST, PORT = "127.0.0.1", int(os.environ.get("FLOOD_PORT", "8112"))
CLIENTS = int(os.environ.get("FLOOD_CLIENTS", "24"))
SECONDS = float(os.environ.get("FLOOD_SECONDS", "15"))
PUBLIC = "/relief/"
UNLIMITED = {
    "BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS": "1000000",
    "BACKCARE_LOGIN_ATTEMPTS_TOTAL": "1000000",
    "BACKCARE_LOGIN_FAILURE_LIMIT": "1000000",
    "BACKCARE_LOGIN_CONCURRENT": "1000000",
}


def environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKCARE_", "DJANGO_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        BACKCARE_HTTPS="false",
        DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
        BACKCARE_ACCESS_LOG=str(WORK / "access.log"),
        BACKCARE_BIND=f"{HOST}:{PORT}",
        # As behind nginx: each flooding client comes from its own address.
        BACKCARE_BEHIND_PROXY="true",
        **extra,
    )
    redis = os.environ.get("FLOOD_REDIS_URL")
    if redis:
        env["REDIS_URL"] = redis
    else:
        env.pop("REDIS_URL", None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([BIN / "python", "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def request(method: str, path: str, body: str = "", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection(HOST, PORT, timeout=20)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = (WORK / "gunicorn.log").open("ab")
    process = subprocess.Popen(  # noqa: S603
        [BIN / "gunicorn", "backcare.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start: see " + str(WORK / "gunicorn.log"))


def csrf() -> tuple[str, str]:
    status, headers, page = request("GET", "/admin/login/")
    cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "csrftoken=" in v)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None:
        raise SystemExit(f"the log-in page answered {status}")
    return cookie.split(";")[0], token.group(1)


def flooder(stop: threading.Event, statuses: Counter[int], n: int) -> None:
    cookie, token = csrf()
    tries = 0
    while not stop.is_set():
        tries += 1
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": f"user{n}-{tries}", "password": "wrong"}
        )
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{PORT}/admin/login/",
            "X-Forwarded-For": f"203.0.113.{n + 1}",
        }
        try:
            statuses[request("POST", "/admin/login/", body, headers)[0]] += 1
        except OSError:
            statuses[0] += 1


failed: list[int] = []  # public page answers other than 200 (0: no answer in time)
failed_after: list[int] = []  # the same, for the last run


def time_public(stop: threading.Event | None, count: int = 0) -> list[float]:
    times: list[float] = []
    while (stop is not None and not stop.is_set()) or (stop is None and len(times) < count):
        start = time.perf_counter()
        try:
            status = request("GET", PUBLIC)[0]
        except OSError:  # timed out: counted at the time it took
            status = 0
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            failed.append(status)
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms ({len(ordered)} requests)"
    )


def run(name: str, extra: dict[str, str]) -> tuple[list[float], list[float]]:
    env = environment(extra)
    manage(
        env,
        "shell",
        "-c",
        "from axes.models import AccessAttempt; AccessAttempt.objects.all().delete()",
    )
    if env.get("REDIS_URL"):
        manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()")
    server = start_server(env)
    try:
        time_public(None, 20)  # warm up
        quiet = time_public(None, 200)
        stop = threading.Event()
        statuses: Counter[int] = Counter()
        threads = [
            threading.Thread(target=flooder, args=(stop, statuses, n)) for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        timer = threading.Timer(SECONDS, stop.set)
        timer.start()
        flood = time_public(stop)
        for thread in threads:
            thread.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    print(f"## {name}")
    if failed:
        print(f"- {PUBLIC} not answered with 200: {len(failed)} times ({Counter(failed)})")
    failed_after[:] = failed
    failed.clear()
    print(f"- {PUBLIC} alone:        {summary(quiet)}")
    print(f"- {PUBLIC} during flood: {summary(flood)}")
    answers = ", ".join(f"{status or 'error'}: {n}" for status, n in sorted(statuses.items()))
    print(f"- log-in posts by {CLIENTS} clients in {SECONDS:.0f} s: {answers}")
    return quiet, flood


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    env = environment({})
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_content", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    workers = os.environ.get("WEB_CONCURRENCY") or f"{(os.cpu_count() or 1) * 2}"
    print(f"gunicorn sync workers: {workers}; {os.cpu_count()} cores shared with the clients")
    run("Before: no log-in limits (every limit set to a million)", UNLIMITED)
    _quiet, flood = run("After: the default limits", {})
    p95_ok = sorted(flood)[int(len(flood) * 0.95) - 1] <= 1000
    shutil.rmtree(WORK, ignore_errors=True)
    if failed_after or not p95_ok:
        print("FAILED: the public page slowed down during the flood with the limits on")
        return 1
    print("OK: with the limits on, the public page kept its latency during the flood")
    return 0


if __name__ == "__main__":
    sys.exit(main())
