"""Django's session store (database, with a Redis copy when REDIS_URL is set), refusing
session keys Django would never make, and reading a session with one fixed statement.

Keys are letters and digits. A cookie with anything else (a NUL byte, say) is treated as
no session at all, rather than sent to the database, which PostgreSQL would refuse.

Every symptom checker step reads the session. Building that read with the ORM cost more
CPU than running it (about 0.1 ms against 0.015 ms on SQLite), so it is written once
here; writes and everything else stay Django's."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connections, router
from django.utils import timezone

logger = logging.getLogger(__name__)

Base = cached_db.SessionStore if settings.REDIS_URL else db.SessionStore


class StoredSession(NamedTuple):
    """The two fields Django's stores read from a Session row."""

    session_data: str
    expire_date: datetime


class SessionStore(Base):  # type: ignore[valid-type, misc]
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and 8 <= len(key) <= 40 and key.isascii() and key.isalnum()  # type: ignore[arg-type, union-attr]

    def _get_session_from_db(self) -> StoredSession | None:
        """What db.SessionStore's ORM query returns: the unexpired session, or None
        (and forget the key, as Django does, so a new session gets a new key)."""
        key = self.session_key  # None when missing or refused by _validate_session_key
        if key is None:
            return None
        connection = connections[router.db_for_read(Session)]
        ops = connection.ops
        table, now = ops.quote_name(Session._meta.db_table), timezone.now()
        sql = (
            f"SELECT session_data, expire_date FROM {table} "  # noqa: S608 (no user input)
            "WHERE session_key = %s AND expire_date > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, ops.adapt_datetimefield_value(now)])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        data, expires = row
        if timezone.is_naive(expires):  # SQLite: in the connection's time zone, as stored
            expires = timezone.make_aware(expires, connection.timezone)
        return StoredSession(data, expires)


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
