"""Whole public pages from the cache, until what they show changes.

Public pages are the same for everyone (no user, no session, no nonce), so the rendered
response can be served again as it is. Each cached page is keyed on the content version,
which publishing anything bumps, so a change is public at once in every process."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from .models import current_content_version

# Never public pages: not worth a lookup (which costs a query for the content version).
NOT_CACHED = ("/check/", "/preview/", "/static/", "/healthz")
VARIES_ON = ("HTTP_HX_REQUEST", "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST")
# On a public page answered to a request without a session: the content version it shows.
# The service worker keeps only pages that carry it (see docs/offline.md).
OFFLINE_HEADER = "X-Content-Version"

# The content version the public page being rendered now will be cached under.
_rendering: ContextVar[int | None] = ContextVar("backcare_rendering_version", default=None)


def rendering_version() -> int | None:
    """The content version the page being rendered will be stored under, read from the
    database before it was rendered; None outside a page the page cache may store.

    Whatever a page shows must be at least as new as this number: a page cached under it
    is served for BACKCARE_PAGE_CACHE_SECONDS. Anything a process keeps longer than one
    request (the published flow's pointer, say) must be looked up again when it changes."""
    return _rendering.get()


def public_page[V: Callable[..., HttpResponse]](view: V) -> V:
    """Mark a view's successful answers as the same for everyone, so they may be cached."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.public_page = True  # type: ignore[attr-defined]
        return response

    return wrapped  # type: ignore[return-value]


class PublicPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.not_cached = (*NOT_CACHED, "/" + settings.BACKCARE_ADMIN_PATH)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only views marked @public_page are ever stored; this skips the lookup for
        # requests that cannot have been.
        skip = request.method != "GET" or request.path.startswith(self.not_cached)
        if skip or not self.cacheable_query(request):
            return self.get_response(request)
        try:
            version = current_content_version()
        except DatabaseError:
            return self.get_response(request)
        key = self.key(request, version)
        pages = caches["pages"]
        cached = pages.get(key)
        if cached is not None:
            status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return self.mark_keepable(request, response, version)
        token = _rendering.set(version)
        try:
            response = self.get_response(request)
        finally:
            _rendering.reset(token)
        if self.may_cache(response):
            headers = list(response.items())
            pages.set(
                key,
                (response.status_code, headers, response.content),
                settings.BACKCARE_PAGE_CACHE_SECONDS,
            )
            self.mark_keepable(request, response, version)
        return response

    @staticmethod
    def mark_keepable(request: HttpRequest, response: HttpResponse, version: int) -> HttpResponse:
        """Tell the service worker it may keep this page: only when the request carried no
        session, so nothing kept on a phone was ever answered to someone's symptom check."""
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            response[OFFLINE_HEADER] = str(version)
        return response

    @staticmethod
    def cacheable_query(request: HttpRequest) -> bool:
        # No address with a query string is kept: made-up ones (/?x=1, /?x=2...) would
        # push real pages out, and a search says what someone is worried about.
        return not request.GET

    @staticmethod
    def key(request: HttpRequest, version: int) -> str:
        varies = "|".join(str(request.META.get(name) == "true") for name in VARIES_ON)
        raw = f"{version}|{request.get_host()}|{request.get_full_path()}|{varies}"
        return "page:" + hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def may_cache(response: HttpResponse) -> bool:
        return (
            getattr(response, "public_page", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A page with a nonce must never be served twice: its nonce would be reused.
            and "'nonce-" not in response.get("Content-Security-Policy", "")
        )
