"""The session store reads a session with its own SQL statement: it must answer exactly as
Django's own store would, on SQLite and on PostgreSQL."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from backcare.core.session_store import SessionStore

pytestmark = pytest.mark.django_db


def saved(data: dict[str, object]) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    key: str | None = store.session_key
    assert key
    return key


def test_a_saved_session_reads_back_as_django_reads_it() -> None:
    key = saved({"triage": {"flow": 1, "answers": {"fever": ["no"]}, "confirmed": False}})
    ours, django = SessionStore(key), DjangoStore(key)
    assert ours.load() == django.load()
    assert ours["triage"]["answers"] == {"fever": ["no"]}
    row = Session.objects.get(session_key=key)
    found = SessionStore(key)._get_session_from_db()
    assert found is not None and found.expire_date == row.expire_date
    assert timezone.is_aware(found.expire_date)


def test_an_expired_session_reads_as_none_and_its_key_is_dropped() -> None:
    key = saved({"triage": {"flow": 1, "answers": {}, "confirmed": False}})
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    # The database read itself (with REDIS_URL set, a copy may still be in the cache
    # until it times out, as with Django's own cached_db store).
    store = SessionStore(key)
    assert store._get_session_from_db() is None
    assert store.session_key is None  # a new session would get a new key


def test_a_session_with_half_an_hour_left_is_read_whatever_the_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"  # five and a half hours from UTC all year
    key = saved({"triage": {"flow": 1, "answers": {}, "confirmed": False}})
    left = timezone.now() + timedelta(minutes=30)
    Session.objects.filter(session_key=key).update(expire_date=left)
    found = SessionStore(key)._get_session_from_db()
    assert found is not None and found.expire_date == left


@pytest.mark.parametrize(
    "key", ["", "short", "x" * 41, "not-alnum-key!", "caf\u00e9" * 3, "a\x00" * 8]
)
def test_a_key_django_would_never_make_is_no_session(key: str) -> None:
    assert SessionStore(key).load() == {}


def test_an_unknown_key_is_no_session() -> None:
    assert SessionStore("a" * 32).load() == {}
