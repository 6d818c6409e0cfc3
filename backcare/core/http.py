import hashlib
import hmac
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as our views see it, with django-htmx's details (typed for mypy)."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    """True for an htmx swap; boosted and history-restore requests need the whole page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address. Behind our proxy, the one it put last in X-Forwarded-For
    (deploy/nginx.conf sets the header to the address it saw, so it can be believed)."""
    remote: str | None = request.META.get("REMOTE_ADDR")
    if settings.BACKCARE_BEHIND_PROXY and remote in settings.BACKCARE_PROXY_IPS:
        forwarded: str = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return remote


def same_origin(request: HttpRequest) -> bool:
    """The browser says this request comes from a page of this site.

    Fetch metadata (Sec-Fetch-Site) where the browser sends it, which every current
    browser does; otherwise the Origin header, which browsers send with every POST.
    A request with neither is refused."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    trusted = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    return f"{parts.scheme}://{parts.netloc}" in trusted


def add_one(key: str, timeout: int) -> int:
    """Add one to a counter in the shared cache and return it (atomic with Redis)."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this is the first in a new window
        cache.set(key, 1, timeout)
        return 1


def over_limit(request: HttpRequest, name: str, limit: int, window: int) -> bool:
    """Count this request against the address's allowance, in the shared cache.

    The address is kept only as a keyed hash, only in the cache, and only for the window."""
    address = client_ip(request) or "unknown"
    slot = int(time.time()) // window
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{name}|{address}|{slot}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return add_one(f"limit:{name}:{digest}", window) > limit
