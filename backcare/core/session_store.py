"""What backcare adds to Django's own session store (database sessions, with a Redis
copy when REDIS_URL is set): it refuses session keys Django would never make, and wipes
SQLite's log after sessions are deleted.

Keys Django makes are 32 lower-case letters and digits. A cookie with anything else (a NUL
byte, say) is treated as no session at all rather than sent to the database: PostgreSQL
refuses a NUL byte with an error, and Django's store lets that error through (a 500)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections, router
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


def well_formed(key: str) -> bool:
    """A key Django could have made (within a margin), safe to send to any database."""
    return 8 <= len(key) <= 40 and key.isascii() and key.isalnum()


def refuse_malformed_session_keys(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware, just before SessionMiddleware: a malformed session cookie is no cookie,
    so the visitor gets a new session like anyone else without one."""

    def middleware(request: HttpRequest) -> HttpResponse:
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if key is not None and not well_formed(key):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        return get_response(request)

    return middleware


def wipe_log() -> None:
    """After deleting sessions: on SQLite, copy the write-ahead log into the database and
    empty it (TRUNCATE), so no earlier copy of a deleted session stays in the -wal file.
    With secure_delete on, the database file keeps none either. Waits for readers (up to
    the connection's timeout); if they never let go, the log keeps its copy until the next
    checkpoint. Nothing to do on PostgreSQL (see docs/security.md)."""
    connection = connections[router.db_for_write(Session)]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return  # (inside a transaction, as in tests, SQLite cannot checkpoint)
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except DatabaseError:
        # The answers are deleted all the same; the copy goes at the next checkpoint.
        logger.warning("Could not empty the SQLite write-ahead log after deleting sessions")
