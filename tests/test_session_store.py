"""Sessions: Django's own stores, with one shortcut (a cheaper read without Redis) that
must answer exactly as Django's store would, and a refusal of keys Django would never
make before they reach the database (PostgreSQL answers a NUL byte with an error)."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from backcare.contentfiles.loader import LoadReport
from backcare.core.session_store import SessionStore, well_formed

pytestmark = pytest.mark.django_db

NEVER_MADE = ["", "short", "x" * 41, "not-alnum-key!", "caf\u00e9" * 3, "a\x00" * 8]
STATE = {"triage": {"flow": 1, "answers": {"fever": ["no"]}, "confirmed": False}}


def saved(data: dict[str, Any]) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    key: str | None = store.session_key
    assert key
    return key


def test_the_session_engine_is_djangos_cached_db_with_redis_and_ours_without() -> None:
    ours = "backcare.core.session_store"
    expected = "django.contrib.sessions.backends.cached_db" if settings.REDIS_URL else ours
    engine = settings.SESSION_ENGINE
    assert engine == expected
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    refusing = settings.MIDDLEWARE.index(f"{ours}.refuse_malformed_session_keys")
    assert refusing < sessions


def test_a_saved_session_reads_back_as_django_reads_it() -> None:
    key = saved(STATE)
    assert SessionStore(key).load() == DjangoStore(key).load() == STATE


def test_a_session_with_half_an_hour_left_is_read_whatever_the_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"  # five and a half hours from UTC all year
    key = saved(STATE)
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=30)
    )
    assert SessionStore(key).load() == DjangoStore(key).load() == STATE


@pytest.mark.parametrize("how", ["expired", "unknown"])
def test_a_key_not_found_is_never_saved_to_as_django_never_does(how: str) -> None:
    key = saved(STATE)
    if how == "expired":
        past = timezone.now() - timedelta(seconds=1)
        Session.objects.filter(session_key=key).update(expire_date=past)
    else:
        Session.objects.filter(session_key=key).delete()
    ours, django = SessionStore(key), DjangoStore(key)
    for store in (ours, django):
        assert store.load() == {}
        store["triage"] = {"flow": 1, "answers": {}, "confirmed": False}
        store.save()
        # A new key, so nobody can choose the key of someone else's session.
        assert store.session_key not in (None, key)
        assert store.load() == {"triage": {"flow": 1, "answers": {}, "confirmed": False}}
    assert Session.objects.filter(session_key=ours.session_key).exists()


@pytest.mark.parametrize("key", NEVER_MADE)
def test_a_key_django_would_never_make_is_not_well_formed(key: str) -> None:
    assert not well_formed(key)


@pytest.mark.parametrize("key", NEVER_MADE)
def test_a_visitor_with_a_malformed_session_cookie_starts_a_new_session(
    client: Client, content: LoadReport, key: str
) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert client.get("/check/").status_code == 200
    assert client.post("/check/").status_code == 303
    new = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new != key and well_formed(new)
    assert client.get("/check/numbness-or-weakness/").status_code == 200


def test_an_unknown_well_formed_key_is_no_session(client: Client, content: LoadReport) -> None:
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    page = client.get("/check/numbness-or-weakness/")
    assert page.status_code == 303 and page["Location"] == "/check/"
