import sys

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .headers import lock_down
from .middleware import CONNECTION_TROUBLE, database_unavailable
from .pagecache import public_page


@public_page
@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /check/",
        "Disallow: /preview/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public_page
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "feedback_days": settings.BACKCARE_FEEDBACK_DAYS,
        "limit_minutes": max(1, settings.BACKCARE_FEEDBACK_WINDOW_SECONDS // 60),
        "counting": settings.BACKCARE_COUNT_CHECKS,
    }
    return render(request, "core/privacy.html", context)


@public_page
@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html", {"contact_email": settings.BACKCARE_CONTACT_EMAIL})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not: for load balancers."""
    if not database_reachable():
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form that has gone stale (old tab, cleared cookies): say so, plainly."""
    return render(request, "403_csrf.html", status=403)


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400. A session that could not be saved because the database is down is a 503.

    A Host that is not ours gets plain text: the page template would read the host
    again (for its canonical link) and fail."""
    if isinstance(exception, DisallowedHost):
        response = HttpResponse(
            "Bad request: this site does not answer to that address.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
        lock_down(response.headers)
        return response
    if isinstance(exception, SessionInterrupted) and not database_reachable():
        return database_unavailable()
    return render(request, "400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request: it must not fail itself."""
    if isinstance(sys.exc_info()[1], CONNECTION_TROUBLE):
        return database_unavailable()
    html = render_to_string(
        "500.html",
        {
            "emergency_number": settings.BACKCARE_EMERGENCY_NUMBER,
            "urgent_service": settings.BACKCARE_URGENT_SERVICE,
        },
    )
    return HttpResponse(html, status=500)
