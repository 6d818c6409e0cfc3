from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .headers import lock_down

# What the site answers to. TRACE echoes a request back; OPTIONS says nothing useful here.
ALLOWED_METHODS = ("GET", "HEAD", "POST")

# The database errors that mean it cannot be reached or cannot answer now (refused or lost
# connection, locked, timed out, out of space): an outage, shown as the 503 page. Any other
# DatabaseError (DataError, IntegrityError, ProgrammingError...) is a bug or bad data in
# our code: a 500, logged as one, not disguised as an outage.
CONNECTION_TROUBLE = (OperationalError, InterfaceError)


def database_unavailable() -> HttpResponse:
    """503 with a plain page (and the emergency number) instead of a stack trace.

    Django closes a broken connection when the request ends, and checks it before the
    next one (CONN_HEALTH_CHECKS), so the site recovers by itself when the database does."""
    html = render_to_string(
        "503.html",
        {
            "emergency_number": settings.BACKCARE_EMERGENCY_NUMBER,
            "urgent_service": settings.BACKCARE_URGENT_SERVICE,
        },
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503, not 500. (Failures outside views,
    like saving the session, reach the 500 handler, which answers 503 for them too.) Only
    CONNECTION_TROUBLE counts: other database errors stay 500s."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CONNECTION_TROUBLE):
            return database_unavailable()
        return None


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.BACKCARE_PERMISSIONS_POLICY)
        return response


class RequestBodyLimitMiddleware:
    """Methods other than GET, HEAD and POST get a 405 (TRACE echoes a request back).
    Refuse a body over the limit from its Content-Length, before anything reads it,
    multipart bodies included. (Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves out file
    parts, which it streams to disk whatever their size, and only checks other bodies as
    it reads them.) File parts within the limit are refused by core.uploads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            response = refuse_body(405, "This method is not allowed here.")
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            return refuse_body(400, "The request's Content-Length is not a number.")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return refuse_body(413, "This request is too big.")
        return self.get_response(request)


def refuse_body(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    lock_down(response.headers)
    # The body was never read: the connection cannot be reused for another request.
    response["Connection"] = "close"
    return response


FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")


class RequestGateMiddleware:
    """Before anything else looks at a request: X-Forwarded-* headers are believed only
    from BACKCARE_PROXY_IPS behind a proxy (Django would otherwise believe
    X-Forwarded-Proto from anyone, through SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = (
            settings.BACKCARE_BEHIND_PROXY
            and request.META.get("REMOTE_ADDR") in settings.BACKCARE_PROXY_IPS
        )
        if not trusted:
            for name in FORWARDED:
                request.META.pop(name, None)
        return self.get_response(request)
