"""Admin log-in attempts are counted and capped before any password is hashed.

Hashing a password is slow on purpose (about half a second of CPU), so a flood of log-in
attempts would take every app worker away from people reading the site. django-axes
locks an address after repeated failures, but it only knows of a failure after the hash.
This counts attempts first, per address and for the whole site, in the cache (shared by
every instance with Redis; without it, each worker process counts its own), and lets only
one be checked at a time on a machine; over a limit it answers 429 at once, and the
password is never looked at."""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from backcare.core.http import add_one, over_limit

WINDOW_SECONDS = 60
REFUSED = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Too many attempts</title>"
    "<h1>Too many log-in attempts</h1><p>Logging in is paused for a minute. "
    "Please wait, then try again.</p></html>"
)


def over_site_limit() -> bool:
    """More attempts on the whole site this minute than it may check."""
    key = f"login-attempts:all:{int(time.time() // WINDOW_SECONDS)}"
    return add_one(key, WINDOW_SECONDS * 2) > settings.BACKCARE_LOGIN_ATTEMPTS_TOTAL


class LoginThrottleMiddleware:
    """Placed before the session middleware: a refused attempt costs no database query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_path = "/" + settings.BACKCARE_ADMIN_PATH + "login/"
        # One set of locks per installation: every instance of this copy on the machine
        # shares them, another copy (another site, another checkout) has its own.
        self.lock_folder = Path(tempfile.gettempdir())
        self.site = hashlib.sha256(str(settings.BASE_DIR).encode()).hexdigest()[:12]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == self.login_path:
            # Per address, the address kept only as a keyed hash (as for feedback).
            limit = settings.BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS
            if over_limit(request, "login", limit, WINDOW_SECONDS) or over_site_limit():
                return refused()
            return self.one_at_a_time(request)
        return self.get_response(request)

    def one_at_a_time(self, request: HttpRequest) -> HttpResponse:
        """At most BACKCARE_LOGIN_CONCURRENT log-ins are checked at once on this machine,
        so a burst can never occupy every worker. A lock file per slot (flock), not the
        cache: it holds across worker processes with or without Redis, and the system
        frees it if a worker dies."""
        for slot in range(settings.BACKCARE_LOGIN_CONCURRENT):
            path = self.lock_folder / f"backcare-login-{self.site}-{slot}.lock"
            with path.open("a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                try:
                    return self.get_response(request)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        return refused()


def refused() -> HttpResponse:
    response = HttpResponse(REFUSED, status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
