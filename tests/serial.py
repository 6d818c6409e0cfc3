"""Test-only middleware: the live server answers one request at a time.

Django's live server is threaded, but with the in-memory SQLite test database every
thread shares the test's one connection, and sqlite3 connections are not safe to use from
two threads at once. A burst of requests (the service worker keeping pages for offline
use) then fails with "bad parameter or other API misuse". Production runs one connection
per thread and never uses this.
"""

import threading
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_one_at_a_time = threading.Lock()


def one_request_at_a_time(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        with _one_at_a_time:
            return get_response(request)

    return middleware
