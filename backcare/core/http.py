from django.conf import settings
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
    remote = request.META.get("REMOTE_ADDR")
    if settings.BACKCARE_BEHIND_PROXY and remote in settings.BACKCARE_PROXY_IPS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return remote
