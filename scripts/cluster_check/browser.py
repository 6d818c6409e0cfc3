"""A visitor: standard-library HTTP with a cookie jar, and what each request saw."""

from __future__ import annotations

import http.client
import http.cookiejar
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from typing import Any

from .config import INSTANCE_BY_ADDRESS, CheckFailed


@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: Message
    text: str

    @property
    def where(self) -> str:
        """The path this redirect points to."""
        if self.status not in (301, 302, 303, 307, 308):
            raise CheckFailed(f"{self.method} {self.url}: expected a redirect, got {self.status}")
        parts = urllib.parse.urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def upstream(self) -> str:
        """The instance that answered through the proxy ("A" or "B"; "A>B" when A refused
        and nginx passed the request on to B)."""
        tried = [a.strip() for a in self.headers.get("X-Backcare-Upstream", "").split(",")]
        return ">".join(INSTANCE_BY_ADDRESS.get(address, address) for address in tried if address)

    def expect(self, status: int) -> Response:
        if self.status != status:
            raise CheckFailed(f"{self.method} {self.url}: expected {status}, got {self.status}")
        return self


@dataclass
class Outcome:
    """One request made during the stream of visitors."""

    at: float
    method: str
    path: str
    status: int | None
    upstream: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    def __str__(self) -> str:
        return (
            f"{self.method} {self.path} -> {self.status or self.error} via {self.upstream or '?'}"
        )


class RequestLog:
    """What the stream of visitors saw: every request, every check that went wrong."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.problems: list[tuple[float, str]] = []
        self.finished = 0
        self._lock = threading.Lock()

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def problem(self, message: str) -> None:
        with self._lock:
            self.problems.append((time.monotonic(), message))

    def finish(self) -> None:
        with self._lock:
            self.finished += 1


class _EveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it is: redirects are followed by hand, to the instance
    each check chooses, and error statuses are for the checks to judge."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


class Browser:
    """One visitor. Cookies are kept per host, not per port, so the same cookies go to
    every instance, as they would from one browser behind one address."""

    def __init__(self, log: RequestLog | None = None, context: ssl.SSLContext | None = None):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never through an http_proxy from the env
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPSHandler(context=context),
            _EveryResponse(),
        )
        self.log = log

    def get(self, base: str, path: str) -> Response:
        request = urllib.request.Request(base + path, method="GET")  # noqa: S310 (ours)
        return self._send(request)

    def post(self, base: str, path: str, fields: Iterable[tuple[str, str]]) -> Response:
        body = urllib.parse.urlencode(list(fields)).encode()
        request = urllib.request.Request(base + path, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Response:
        request.add_header("User-Agent", "backcare-cluster-check")
        method, url = request.get_method(), request.full_url
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=20) as raw:
                response = Response(
                    method, url, raw.status, raw.headers, raw.read().decode("utf-8", "replace")
                )
        except (OSError, http.client.HTTPException) as exc:
            if self.log:
                path = urllib.parse.urlsplit(url).path
                self.log.add(Outcome(started, method, path, None, "", f"{exc!r}"))
            raise CheckFailed(f"{method} {url}: {exc!r}") from exc
        if self.log:
            path = urllib.parse.urlsplit(url).path
            self.log.add(Outcome(started, method, path, response.status, response.upstream))
        return response
