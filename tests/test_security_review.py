"""Findings of the outside security review (docs/security.md), each held closed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from backcare.articles.models import RedFlag, Remedy, Status
from backcare.contentfiles.loader import LoadReport

from .helpers import cache_keys_written

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# 2. Bulk publishing signs off only the versions the reviewer was shown ------------------


def in_review(*slugs: str) -> list[Remedy]:
    items = []
    for slug in slugs:
        item = Remedy.objects.get(slug=slug)
        item.title += " (checked)"
        item.status = Status.IN_REVIEW
        item.save()
        items.append(item)
    return items


def shown_on_the_list(client: Client) -> list[str]:
    page = client.get("/admin/articles/remedy/?status__exact=in_review").content.decode()
    return re.findall(r'name="_shown_version" value="([0-9]+:[0-9]+)"', page)


def publish_selected(client: Client, items: list[Remedy], shown: list[str]) -> str:
    data = {
        "action": "publish_selected",
        "_selected_action": [item.pk for item in items],
        "_shown_version": shown,
    }
    response = client.post("/admin/articles/remedy/", data, follow=True)
    return response.content.decode()


def test_bulk_publishing_refuses_an_item_changed_after_the_list_was_shown(
    content: LoadReport, reviewer: Any
) -> None:
    massage, cold = in_review("massage", "cold-therapy")
    client = logged_in(reviewer)
    shown = shown_on_the_list(client)
    assert f"{massage.pk}:{massage.version}" in shown
    # An editor changes the massage page while the reviewer is reading the list.
    massage.refresh_from_db()
    massage.summary = "Something the reviewer never saw."
    massage.save()

    page = publish_selected(client, [massage, cold], shown)

    massage.refresh_from_db()
    cold.refresh_from_db()
    assert massage.status == Status.IN_REVIEW
    assert massage.published_version().summary != "Something the reviewer never saw."
    assert (
        "Something the reviewer never saw." not in Client().get("/relief/massage/").content.decode()
    )
    assert cold.status == Status.PUBLISHED and cold.reviewed_by == "Rita Tester"
    assert "1 item(s) published" in page
    assert "changed after you opened this list" in page
    assert massage.title in page


def test_bulk_publishing_refuses_items_that_were_never_shown(
    content: LoadReport, reviewer: Any
) -> None:
    (massage,) = in_review("massage")
    publish_selected(logged_in(reviewer), [massage], shown=[])
    massage.refresh_from_db()
    assert massage.status == Status.IN_REVIEW


def test_bulk_publishing_signs_off_what_was_shown(content: LoadReport, reviewer: Any) -> None:
    items = in_review("massage", "cold-therapy")
    client = logged_in(reviewer)
    page = publish_selected(client, items, shown_on_the_list(client))
    assert "2 item(s) published" in page
    for item in items:
        item.refresh_from_db()
        assert item.status == Status.PUBLISHED
        assert item.published_version().title.endswith("(checked)")
    assert RedFlag.objects.filter(status=Status.IN_REVIEW).count() == 0


# 3. Log-in floods are refused before any password is hashed ---------------------------


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash computed (checking a password, or the decoy for an unknown user)."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    done: list[str] = []
    encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify

    def counted_encode(self: Any, *args: Any) -> str:
        done.append("encode")
        return encode(self, *args)

    def counted_verify(self: Any, *args: Any) -> bool:
        done.append("verify")
        return verify(self, *args)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    monkeypatch.setattr(MD5PasswordHasher, "verify", counted_verify)
    return done


def try_login(address: str, username: str = "edna", password: str = "wrong") -> int:  # noqa: S107
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/", {"username": username, "password": password})
    return response.status_code


def test_login_attempts_from_one_address_are_capped_before_any_hash(
    db: None, editor: Any, settings: Any, hashes: list[str]
) -> None:
    settings.BACKCARE_LOGIN_ATTEMPTS_PER_ADDRESS = 3
    settings.AXES_FAILURE_LIMIT = 100
    assert [try_login("203.0.113.9") for _ in range(3)] == [200, 200, 200]
    hashed = len(hashes)
    assert hashed >= 3
    for _ in range(20):
        assert try_login("203.0.113.9") == 429
    assert len(hashes) == hashed
    # Someone else still gets in.
    assert try_login("198.51.100.4", password="correct horse battery staple") == 302


def test_counting_log_in_attempts_keeps_no_address_in_the_cache(
    db: None, editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = cache_keys_written(cache, monkeypatch)
    assert try_login("203.0.113.77") == 200
    login_keys = [key for key in keys if "limit:login" in key or "login-attempts" in key]
    assert login_keys  # the attempt was counted
    assert not any("203.0.113" in key for key in keys)


def test_login_attempts_from_all_addresses_together_are_capped_before_any_hash(
    db: None, editor: Any, settings: Any, hashes: list[str]
) -> None:
    settings.BACKCARE_LOGIN_ATTEMPTS_TOTAL = 5
    for n in range(5):
        assert try_login(f"203.0.113.{n}") == 200
    hashed = len(hashes)
    for n in range(20):
        response = Client(REMOTE_ADDR=f"192.0.2.{n}").post(
            "/admin/login/", {"username": "edna", "password": "wrong"}
        )
        assert response.status_code == 429
        assert response["Retry-After"] == "60"
        assert "Too many log-in attempts" in response.content.decode()
    assert len(hashes) == hashed


def test_an_address_trying_many_user_names_is_locked_out(
    db: None, editor: Any, settings: Any, hashes: list[str]
) -> None:
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert try_login("203.0.113.9", username=f"user{n}") == 200
    assert try_login("203.0.113.9", username="one-more") == 429
    hashed = len(hashes)
    # Locked: even the right password for a real user is refused, and nothing is hashed.
    assert try_login("203.0.113.9", password="correct horse battery staple") == 429
    assert len(hashes) == hashed


# 4. A bad Host header gets a plain 400, logged without a traceback --------------------


@pytest.mark.parametrize("host", ["evil.example", "bad host", "[::1"])
@pytest.mark.parametrize("url", ["/", "/relief/", "/check/", "/admin/login/", "/healthz", "/nope/"])
def test_a_bad_host_gets_a_plain_400_logged_without_a_traceback(
    db: None, caplog: pytest.LogCaptureFixture, host: str, url: str
) -> None:
    import logging

    # After the settings' own handler, so it sees the record as that handler leaves it.
    security = logging.getLogger("django.security")
    security.addHandler(caplog.handler)
    try:
        response = Client(raise_request_exception=False).get(url, HTTP_HOST=host)
    finally:
        security.removeHandler(caplog.handler)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Traceback" not in response.content.decode()
    logged = [r for r in caplog.records if r.name.startswith("django.security")]
    assert logged and "Invalid HTTP_HOST header" in logged[0].getMessage()
    assert all(r.exc_info is None and r.levelname == "WARNING" for r in logged)


# 7. Static files and error pages carry the security headers ---------------------------


def test_static_files_carry_the_security_headers(client: Client, db: None) -> None:
    response = client.get("/static/css/site.css")
    response.close()
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/nope/", 404), ("post", "/relief/", 405), ("get", "/check/nope/", 404)],
)
def test_error_pages_carry_the_security_headers(
    client: Client, content: LoadReport, method: str, url: str, status: int
) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src" in response["Content-Security-Policy"]


# 5. "Clear my answers" leaves no copy in SQLite's files -------------------------------

CLEAR_AND_GREP = """
from pathlib import Path
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

call_command("migrate", verbosity=0)
store = SessionStore()
store["triage"] = {"flow": 1, "answers": {"fever": ["yes-MARKER"]}, "confirmed": False}
store.save()
for n in range(3):  # a few answers, as a real check writes the session again and again
    store["triage"]["answers"][f"q{n}"] = ["no-MARKER"]
    store.modified = True
    store.save()
key, data = store.session_key, Session.objects.get(pk=store.session_key).session_data
client = Client()
client.cookies[settings.SESSION_COOKIE_NAME] = key
assert client.post("/check/clear/").status_code == 303
assert not Session.objects.filter(pk=key).exists()
# While the server still runs (closing the last connection would checkpoint by itself).
db = Path(settings.DATABASES["default"]["NAME"])
found = [
    f"{path.name}:{what}"
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    if path.exists()
    for what, needle in (("key", key), ("data", data[:40]))
    if needle.encode() in path.read_bytes()
]
print("FOUND", found)
"""


def test_clearing_answers_leaves_no_copy_in_the_sqlite_files(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKCARE_", "DJANGO_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DEBUG="false",
        SECRET_KEY="k3y-for-the-wal-check-" + "Zq8#pL2!vN5@" * 5,
        ALLOWED_HOSTS="testserver",
        BACKCARE_HTTPS="false",
        DJANGO_SETTINGS_MODULE="backcare.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CLEAR_AND_GREP],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "FOUND" in result.stdout, result.stdout + result.stderr
    assert result.stdout.split("FOUND", 1)[1].strip() == "[]"


# 6. The staff idle limit holds from the log-in itself --------------------------------


def test_the_staff_idle_limit_holds_from_log_in(db: None, editor: Any, settings: Any) -> None:
    client = Client()
    response = client.post(
        "/admin/login/", {"username": "edna", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    # No admin page opened after logging in.
    assert client.session.get_expiry_age() == settings.BACKCARE_STAFF_IDLE_SECONDS
    assert settings.BACKCARE_STAFF_IDLE_SECONDS < settings.SESSION_COOKIE_AGE


# 8. The access logs do not record response sizes -------------------------------------


def test_the_access_logs_record_no_response_sizes() -> None:
    import runpy

    from django.conf import settings

    deploy = settings.BASE_DIR / "deploy"
    gunicorn_format = runpy.run_path(str(deploy / "gunicorn.conf.py"))["access_log_format"]
    assert not re.search(r"%\((b|B)\)", gunicorn_format)
    assert "%(U)s" in gunicorn_format and "%(q)s" not in gunicorn_format
    nginx = (deploy / "nginx.conf").read_text()
    log_format = re.search(r"log_format backcare_private (.*?);", nginx, re.S)
    assert log_format is not None
    assert "bytes_sent" not in log_format.group(1)
    assert "$uri" in log_format.group(1) and "$request_uri" not in log_format.group(1)


# 9. Big and multipart bodies are refused before they are read ------------------------


class NeverRead:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("url", ["/check/", "/check/fever/", "/check/clear/", "/relief/", "/"])
@pytest.mark.parametrize(
    ("content_type", "length", "status"),
    [
        ("multipart/form-data; boundary=x", 10_000_000, 413),
        ("application/x-www-form-urlencoded", 10_000_000, 413),
        ("application/x-www-form-urlencoded", "lots", 400),
    ],
)
def test_big_and_multipart_bodies_are_refused_unread(
    db: None, url: str, content_type: str, length: Any, status: int
) -> None:
    response = Client().generic(
        "POST",
        url,
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": NeverRead()},  # type: ignore[arg-type]
    )
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")


def test_a_file_in_a_post_is_refused(client: Client, content: LoadReport) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.bin", b"x" * 10_000_000)
    assert client.post("/check/", {"file": big}).status_code == 413
    small = SimpleUploadedFile("small.txt", b"x")
    client.post("/check/")
    for url in ("/check/numbness-or-weakness/", "/admin/login/"):
        response = client.post(url, {"answer": "no", "file": small})
        assert response.status_code == 400
        assert "Traceback" not in response.content.decode()


# 10. After a refused save, saving again is refused until every field is merged ---------


def resubmit(response: Any, **changes: Any) -> dict[str, Any]:
    """What pressing Save again on the re-shown form posts."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {key: form.data.getlist(key) for key in form.data}
    data.update(changes)
    data["_continue"] = "1"
    return data


def test_saving_again_after_a_conflict_is_refused_until_each_field_is_merged(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    from tests.test_admin import change_url, form_data

    massage = Remedy.objects.get(slug="massage")
    # As a browser sends it: text areas with \r\n, which is not a difference to merge.
    opened = form_data(massage, body=massage.body.replace("\n", "\r\n"))
    rita, edna = logged_in(reviewer), logged_in(editor)
    assert (
        rita.post(
            change_url(massage), {**opened, "title": "Rita's title", "_continue": "1"}
        ).status_code
        == 302
    )
    refused = edna.post(change_url(massage), {**opened, "title": "Edna's title", "_continue": "1"})
    assert refused.status_code == 200
    assert "Title: the box now holds what to keep" in refused.content.decode()
    assert "Body: the box now holds what to keep" not in refused.content.decode()

    # Pressing Save again, without merging, changes nothing.
    again = edna.post(change_url(massage), resubmit(refused))
    assert again.status_code == 200
    assert "tick each field once you have chosen what to keep (Title)" in again.content.decode()
    massage.refresh_from_db()
    assert massage.title == "Rita's title"

    # Having chosen, and said so, the save goes through.
    done = edna.post(
        change_url(massage), resubmit(again, title=["Rita's and Edna's title"], resolved=["title"])
    )
    assert done.status_code == 302
    massage.refresh_from_db()
    assert massage.title == "Rita's and Edna's title"


# 11. Smaller points --------------------------------------------------------------------


def test_over_https_the_messages_cookie_is_host_only(content: LoadReport, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    client.post("/check/", secure=True)
    response = client.post("/check/clear/", secure=True)
    assert "__Host-messages" in response.cookies
    assert "messages" not in response.cookies
    cookie = response.cookies["__Host-messages"]
    assert cookie["secure"] is True and cookie["path"] == "/" and not cookie["domain"]


def test_a_log_in_without_next_goes_to_the_admin(db: None, editor: Any) -> None:
    response = Client().post(
        "/admin/login/", {"username": "edna", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "TRACK", "CONNECT"])
@pytest.mark.parametrize(
    "url", ["/", "/relief/", "/check/", "/admin/login/", "/static/css/site.css"]
)
def test_trace_and_options_are_refused(db: None, method: str, url: str) -> None:
    response = Client().generic(method, url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


def test_searches_do_not_fill_the_page_cache(client: Client, content: LoadReport) -> None:
    from django.core.cache import caches

    for n in range(30):
        assert client.get("/search/", {"q": f"words {n}"}).status_code == 200
    assert len(caches["pages"]._cache) == 0  # type: ignore[attr-defined]


def test_forwarded_proto_is_believed_only_from_the_proxy(db: None, settings: Any) -> None:
    settings.BACKCARE_BEHIND_PROXY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    # From anywhere else, "https" in the header does not make a plain request secure.
    spoofed = Client(REMOTE_ADDR="192.0.2.50").get("/privacy/", HTTP_X_FORWARDED_PROTO="https")
    assert spoofed.status_code == 301
    proxied = Client(REMOTE_ADDR="127.0.0.1").get("/privacy/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200


def test_gunicorn_and_django_trust_the_same_proxy_addresses() -> None:
    import runpy

    from django.conf import settings

    conf = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    gunicorn_ips = [ip.strip() for ip in conf["forwarded_allow_ips"].split(",")]
    assert gunicorn_ips == settings.BACKCARE_PROXY_IPS  # both defaults (no variable set)
    assert "::1" in gunicorn_ips


def test_each_gunicorn_worker_sets_what_it_loaded_aside_from_the_garbage_collector() -> None:
    import gc
    import runpy

    from django.conf import settings

    conf = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    try:
        conf["post_worker_init"](object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
