"""The Mozilla HTTP Observatory's scoring rules, applied to one real response.

The Observatory starts at 100 and adds or takes away points per test; a score of 100 or
more is A+. These are its rules for what one response shows (headers, cookies, scripts):
CSP, cookies, CORS, Referrer-Policy, HSTS, subresource integrity, X-Content-Type-Options
and X-Frame-Options. The http-to-https redirection test needs a second request, and the
HSTS preload bonus needs the browsers' preload list, so neither is scored here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import Morsel
from typing import Any

GRADES = [
    (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
    (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"),
]  # fmt: skip
SIX_MONTHS = 15768000


@dataclass
class Score:
    modifiers: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return 100 + sum(self.modifiers.values())

    @property
    def grade(self) -> str:
        return next(grade for floor, grade in GRADES if self.total >= floor)

    def __str__(self) -> str:
        lost = ", ".join(f"{k} {v:+d}" for k, v in self.modifiers.items() if v)
        return f"{self.total} ({self.grade}){': ' + lost if lost else ''}"


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def score(response: Any, *, https: bool = True) -> Score:
    """Score a Django test response (headers, cookies and, for HTML, its scripts)."""
    headers = {k.lower(): v for k, v in response.items()}
    result = Score()
    m = result.modifiers

    # Content Security Policy.
    csp = headers.get("content-security-policy")
    if not csp:
        m["csp-not-implemented"] = -25
    else:
        d = csp_directives(csp)
        scripts = d.get("script-src", d.get("default-src", []))
        styles = d.get("style-src", d.get("default-src", []))
        unsafe_inline_script = (
            "'unsafe-inline'" in scripts
            and not any(s.startswith(("'nonce-", "'sha")) for s in scripts)
            and "'nonce'" not in scripts
        )
        if unsafe_inline_script or any(s in ("http:", "*", "https:") for s in scripts):
            m["csp-implemented-with-unsafe-inline"] = -20
        elif "'unsafe-eval'" in scripts:
            m["csp-implemented-with-unsafe-eval"] = -10
        elif "'unsafe-inline'" in styles:
            m["csp-implemented-with-unsafe-inline-in-style-src-only"] = 0
        elif d.get("default-src") == ["'none'"]:
            m["csp-implemented-with-no-unsafe-default-src-none"] = 10
        else:
            m["csp-implemented-with-no-unsafe"] = 5

    # Cookies.
    cookies: list[Morsel[str]] = list(response.cookies.values())
    if cookies:
        session = [c for c in cookies if re.search(r"session|login|csrf", c.key, re.I)]
        if any(not c["secure"] for c in session):
            m["cookies-session-without-secure-flag"] = -40
        elif any(not c["secure"] for c in cookies):
            m["cookies-without-secure-flag"] = -20
        elif any(not c["httponly"] for c in session):
            m["cookies-session-without-httponly-flag"] = -10
        elif all(c["samesite"] for c in cookies):
            m["cookies-secure-with-httponly-sessions-and-samesite"] = 5
        else:
            m["cookies-secure-with-httponly-sessions"] = 0

    # Cross-origin resource sharing: "*" is public access (no points either way); giving
    # any origin access with credentials is universal access.
    origin = headers.get("access-control-allow-origin", "").strip()
    credentials = headers.get("access-control-allow-credentials", "").lower() == "true"
    if origin and origin != "*" and credentials:
        m["cross-origin-resource-sharing-implemented-with-universal-access"] = -50

    # Referrer-Policy.
    policy = headers.get("referrer-policy", "").lower().split(",")[-1].strip()
    if policy in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
        m["referrer-policy-private"] = 5
    elif policy in (
        "origin",
        "origin-when-cross-origin",
        "unsafe-url",
        "no-referrer-when-downgrade",
    ):
        m["referrer-policy-unsafe"] = -5

    # Strict-Transport-Security (only meaningful over https).
    if https:
        hsts = headers.get("strict-transport-security", "")
        age = re.search(r"max-age=(\d+)", hsts)
        if not hsts:
            m["hsts-not-implemented"] = -20
        elif not age:
            m["hsts-header-invalid"] = -20
        elif int(age.group(1)) < SIX_MONTHS:
            m["hsts-implemented-max-age-less-than-six-months"] = -10

    # Subresource integrity: scripts from other origins need it.
    if headers.get("content-type", "").startswith("text/html"):
        page = response.content.decode("utf-8", "replace")
        for src in re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", page):
            if re.match(r"(https?:)?//", src) and "testserver" not in src:
                m["sri-not-implemented-and-external-scripts-loaded-securely"] = -5

    # X-Content-Type-Options.
    if headers.get("x-content-type-options", "").lower() != "nosniff":
        m["x-content-type-options-not-implemented"] = -5

    # X-Frame-Options (or CSP frame-ancestors, which scores better).
    frame_ancestors = csp_directives(csp or "").get("frame-ancestors")
    if frame_ancestors in (["'none'"], ["'self'"]):
        m["x-frame-options-implemented-via-csp"] = 5
    elif headers.get("x-frame-options", "").upper() not in ("DENY", "SAMEORIGIN"):
        m["x-frame-options-not-implemented"] = -20
    return result
