"""Django's session store (database, with a Redis copy when REDIS_URL is set), refusing
session keys Django would never make.

Keys are letters and digits. A cookie with anything else (a NUL byte, say) is treated as
no session at all, rather than sent to the database, which PostgreSQL would refuse."""

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db

Base = cached_db.SessionStore if settings.REDIS_URL else db.SessionStore


class SessionStore(Base):  # type: ignore[valid-type, misc]
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and 8 <= len(key) <= 40 and key.isascii() and key.isalnum()  # type: ignore[arg-type, union-attr]
