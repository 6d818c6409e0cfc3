from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class StaffIdleTimeoutMiddleware:
    """Log staff out after a while without a request: a shared or lost computer must not
    stay signed in to the admin. Each staff request pushes the session's expiry back.

    Only staff pages are looked at, so public pages never load a session for this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = ("/" + settings.BACKCARE_ADMIN_PATH, "/preview/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.prefixes):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.is_staff:
                request.session.set_expiry(settings.BACKCARE_STAFF_IDLE_SECONDS)
        return self.get_response(request)


def idle_limit_from_login(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """The idle limit holds from the log-in itself, not from the first admin page after
    it: a session opened and never used must not last the public session's hour."""
    if request is not None and getattr(user, "is_staff", False):
        request.session.set_expiry(settings.BACKCARE_STAFF_IDLE_SECONDS)
