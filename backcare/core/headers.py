"""Security headers for responses that Django's middleware never sees or never finishes:
static files (whitenoise answers before the CSP and frame-options middleware) and the
plain error answers. Imported by the settings, so it imports nothing from Django."""

from typing import Protocol


class Headers(Protocol):
    """Django's ResponseHeaders or wsgiref's Headers (what whitenoise passes)."""

    def __setitem__(self, name: str, value: str, /) -> None: ...


# Nothing in a static file or a plain error may run, load or be framed.
LOCKED_DOWN_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def lock_down(headers: Headers) -> None:
    headers["Content-Security-Policy"] = LOCKED_DOWN_CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"


def static_headers(headers: Headers, path: str, url: str) -> None:
    """whitenoise's add_headers_function: the locked-down headers on every static file."""
    lock_down(headers)
