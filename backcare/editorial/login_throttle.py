"""Admin log-in attempts are counted and capped before any password is hashed.

Hashing a password is slow on purpose (about half a second of CPU), so a flood of log-in
attempts would take every app worker away from people reading the site. django-axes
locks an address after repeated failures, but it only knows of a failure after the hash.
This counts attempts first, per address and for the whole site, in the shared cache, and
answers 429 at once over the limit: the password is never looked at."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from backcare.core.http import client_ip

WINDOW_SECONDS = 60
REFUSED = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Too many attempts</title>"
    "<h1>Too many log-in attempts</h1><p>Logging in is paused for a minute. "
    "Please wait, then try again.</p></html>"
)


def count(key: str) -> int:
    """Attempts under `key` in the current minute, this one included (atomic in Redis)."""
    bucket = f"login-attempts:{key}:{int(time.time() // WINDOW_SECONDS)}"
    cache.add(bucket, 0, WINDOW_SECONDS * 2)
    try:
        return cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, WINDOW_SECONDS * 2)
        return 1


class LoginThrottleMiddleware:
    """Placed before the session middleware: a refused attempt costs no database query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_path = "/" + settings.BACKCARE_ADMIN_PATH + "login/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == self.login_path:
            address = client_ip(request) or "unknown"
            if count(f"address:{address}") > settings.BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS:
                return refused()
            if count("all") > settings.BACKCARE_LOGIN_ATTEMPTS_TOTAL:
                return refused()
        return self.get_response(request)


def refused() -> HttpResponse:
    response = HttpResponse(REFUSED, status=429)
    response["Retry-After"] = str(WINDOW_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
