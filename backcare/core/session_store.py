"""What backcare adds to Django's own session stores (database sessions, with a Redis
copy when REDIS_URL is set): a cheaper read without Redis, a refusal of session keys
Django would never make, and a wipe of SQLite's log after sessions are deleted.

Keys Django makes are 32 lower-case letters and digits. A cookie with anything else (a NUL
byte, say) is treated as no session at all rather than sent to the database: PostgreSQL
refuses a NUL byte with an error, and Django's store lets that error through (a 500)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections, router
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

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


class SessionStore(db.SessionStore):
    """Django's database store, reading a session with one fixed statement.

    Every symptom checker step reads the session, and building that read with the ORM
    costs several times more CPU than running it (docs/performance-shortcuts.md). Only
    the documented methods of a session engine are overridden (load, save), and writes
    stay Django's. With Redis, Django's cached_db store is used instead: it reads the
    session from Redis, so this would buy nothing."""

    visitors_key_unknown = False

    def load(self) -> dict[str, Any]:
        key = self.session_key
        if key is None:
            return {}
        connection = connections[router.db_for_read(Session)]
        table = connection.ops.quote_name(Session._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sql = f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"  # noqa: S608 (no user input)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            # As Django's store does: a key it did not find is never saved to, so no one
            # can choose someone else's session key (session fixation).
            self.visitors_key_unknown = True
            return {}
        data: dict[str, Any] = self.decode(row[0])
        return data

    def save(self, must_create: bool = False) -> None:
        if self.visitors_key_unknown:
            self.visitors_key_unknown = False
            if not must_create:
                return self.create()  # a new key, keeping the data (create() saves it)
        return super().save(must_create)


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
