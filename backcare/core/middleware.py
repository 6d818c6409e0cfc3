from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


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
    like saving the session, reach the 500 handler, which answers 503 for them too.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DatabaseError):
            return database_unavailable()
        return None


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.BACKCARE_PERMISSIONS_POLICY)
        return response
