"""Production settings, security headers, cookies, and failing safely."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from backcare.contentfiles.loader import LoadReport

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-" + "Zq8#pL2!vN5@" * 5,
    "ALLOWED_HOSTS": "backcare.example.org",
    "DJANGO_SETTINGS_MODULE": "backcare.settings",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BACKCARE_", "DJANGO_"))}
    clean.pop("DEBUG", None)
    clean.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_production_settings_pass_the_deploy_check() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_development_secret_key() -> None:
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is the development key but DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("REDIS_URL", "http://localhost:6379"),
        ("BACKCARE_SESSION_SECONDS", "an hour"),
        ("BACKCARE_EMERGENCY_NUMBER", " "),
    ],
)
def test_a_bad_setting_stops_start_up_naming_it(name: str, value: str) -> None:
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert name in result.stderr.splitlines()[-1]


PAGES = [
    "/",
    "/relief/",
    "/relief/cold-therapy/",
    "/when-to-see-a-doctor/fever/",
    "/search/?q=heat",
    "/privacy/",
    "/check/",
    "/nope/",
    "/admin/login/",
]


def check_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    for source in ("script-src", "style-src"):
        assert directives[source].startswith("'self'")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_type_sends_the_security_headers(
    client: Client, content: LoadReport, url: str
) -> None:
    check_headers(client.get(url))


def test_admin_pages_send_the_security_headers(content: LoadReport, admin_client: Client) -> None:
    from backcare.articles.models import Remedy

    remedy = Remedy.objects.get(slug="massage")
    for url in [
        "/admin/",
        "/admin/articles/remedy/",
        f"/admin/articles/remedy/{remedy.pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200
        check_headers(response)


@pytest.mark.parametrize("url", ["/", "/check/", "/admin/login/"])
def test_over_https_pages_send_hsts_and_secure_cookies(
    client: Client, content: LoadReport, settings: Any, url: str
) -> None:
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get(url, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    client.post("/check/", secure=True)
    for cookie in client.cookies.values():
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_production_cookie_names_are_host_only() -> None:
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)",
        **PRODUCTION,
    )  # fmt: skip
    assert result.stdout.split()[-2:] == ["__Host-session", "__Host-csrftoken"]


def test_a_stale_form_gets_a_plain_403(content: LoadReport) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/check/")
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


# The database going away ----------------------------------------------------------------


class DatabaseDown:
    """Every new database cursor fails, as when the server has gone."""

    def __enter__(self) -> None:
        self.original = BaseDatabaseWrapper.cursor

        def broken(wrapper: BaseDatabaseWrapper) -> Any:
            raise OperationalError("could not connect to server: Connection refused")

        BaseDatabaseWrapper.cursor = broken  # type: ignore[method-assign, assignment]

    def __exit__(self, *exc: object) -> None:
        BaseDatabaseWrapper.cursor = self.original  # type: ignore[method-assign]


def test_health_check_follows_the_database(client: Client, db: None) -> None:
    assert client.get("/healthz").status_code == 200
    with DatabaseDown():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("url", ["/", "/relief/cold-therapy/", "/check/", "/search/?q=ice"])
def test_without_the_database_pages_say_so_plainly_and_recover(
    client: Client, content: LoadReport, url: str
) -> None:
    with DatabaseDown():
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "backcare is having trouble" in page and "call 999" in page.lower()
    assert "Traceback" not in page and "OperationalError" not in page
    assert client.get(url).status_code == 200


def test_a_symptom_check_survives_a_database_outage(client: Client, content: LoadReport) -> None:
    client.post("/check/")
    client.post("/check/numbness-or-weakness/", {"answer": "no"})
    with DatabaseDown():
        response = client.post("/check/bladder-bowel-or-saddle/", {"answer": "no"})
    assert response.status_code == 503
    response = client.post("/check/bladder-bowel-or-saddle/", {"answer": "no"})
    assert response["Location"] == "/check/chest-pain-or-breathlessness/"


def test_a_database_failure_outside_a_view_is_a_503_too(content: LoadReport) -> None:
    from backcare.core.views import server_error

    try:
        raise OperationalError("the server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(Client().get("/").wsgi_request)
    assert response.status_code == 503
    assert "backcare is having trouble" in response.content.decode()


@pytest.mark.parametrize("error", [DataError, IntegrityError])
def test_a_database_error_that_is_not_an_outage_is_a_500_not_the_outage_page(
    content: LoadReport, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    # A NUL byte PostgreSQL refused (DataError) is a bug to fix, not "we cannot reach our
    # records": it must show as a 500 (still with the emergency box), not hide as a 503.
    from backcare.governance.models import Feedback

    def broken(*args: object, **kwargs: object) -> None:
        raise error('invalid byte sequence for encoding "UTF8": 0x00')

    monkeypatch.setattr(Feedback.objects, "create", broken)
    client = Client(raise_request_exception=False)
    response = client.post(
        "/feedback/",
        {"page": "/relief/heat-therapy/", "useful": "yes"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    page = response.content.decode()
    assert response.status_code == 500
    assert "cannot reach our records" not in page
    assert "Sorry, something went wrong" in page and 'href="tel:999"' in page


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_connection_trouble_outside_a_view_is_still_a_503(
    content: LoadReport, error: type[Exception]
) -> None:
    from backcare.core.views import server_error

    try:
        raise error("connection already closed")
    except error:
        response = server_error(Client().get("/").wsgi_request)
    assert response.status_code == 503


def test_behind_the_proxy_logins_are_throttled_per_visitor(
    db: None, editor: Any, settings: Any
) -> None:
    settings.BACKCARE_BEHIND_PROXY = True
    attacker = Client(REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": "203.0.113.9"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/admin/login/", {"username": "edna", "password": "wrong"})
    locked = attacker.post("/admin/login/", {"username": "edna", "password": "wrong"})
    assert locked.status_code == 429
    # The real editor, through the same proxy from another address, still gets in.
    editor_client = Client(REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": "198.51.100.4"})
    response = editor_client.post(
        "/admin/login/", {"username": "edna", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302


def test_a_forwarded_address_is_believed_only_from_the_proxy(rf: Any, settings: Any) -> None:
    from backcare.core.http import client_ip

    settings.BACKCARE_BEHIND_PROXY = True
    spoofed = rf.get("/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(spoofed) == "192.0.2.50"
    proxied = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert client_ip(proxied) == "203.0.113.9"
    settings.BACKCARE_BEHIND_PROXY = False
    assert client_ip(proxied) == "127.0.0.1"


def test_the_health_check_is_not_redirected_to_https(
    client: Client, db: None, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_sqlite_logs_ahead_and_overwrites_what_is_deleted(tmp_path: Path) -> None:
    # Readers and a writer must not block each other, and cleared answers must not stay
    # readable in the file's free pages.
    result = manage(
        "shell", "-c",
        "from django.db import connection as c; k = c.cursor();"
        "print(k.execute('PRAGMA journal_mode').fetchone()[0],"
        " k.execute('PRAGMA secure_delete').fetchone()[0],"
        " c.settings_dict['OPTIONS']['transaction_mode'])",
        **PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )  # fmt: skip
    assert result.stdout.split()[-3:] == ["wal", "1", "IMMEDIATE"], result.stderr
