"""Sessions are Django's own store; backcare only refuses keys Django would never make,
before they reach the database (PostgreSQL answers a NUL byte with an error)."""

import pytest
from django.conf import settings
from django.test import Client

from backcare.contentfiles.loader import LoadReport
from backcare.core.session_store import well_formed

pytestmark = pytest.mark.django_db

NEVER_MADE = ["", "short", "x" * 41, "not-alnum-key!", "caf\u00e9" * 3, "a\x00" * 8]


def test_sessions_are_kept_by_djangos_own_store() -> None:
    assert settings.SESSION_ENGINE in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    )
    sessions = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    refusing = settings.MIDDLEWARE.index(
        "backcare.core.session_store.refuse_malformed_session_keys"
    )
    assert refusing < sessions


@pytest.mark.parametrize("key", NEVER_MADE)
def test_a_key_django_would_never_make_is_not_well_formed(key: str) -> None:
    assert not well_formed(key)


def test_a_key_django_makes_is_well_formed(client: Client, content: LoadReport) -> None:
    client.post("/check/")
    assert well_formed(client.cookies[settings.SESSION_COOKIE_NAME].value)


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
