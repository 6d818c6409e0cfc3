import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import Model
from django.test import Client

from backcare.contentfiles.loader import LoadReport, load
from backcare.contentfiles.registry import all_kinds
from backcare.triage.engine import Flow

from .chromium import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told it is safe. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass(frozen=True)
class TableChange:
    model: type[Model]
    names: list[str]
    added: list[tuple[Any, ...]]  # rows loading wrote
    changed: list[tuple[Any, ...]]  # rows the migrations made, as loading left them
    removed: list[Any]  # primary keys of migration rows loading deleted


@dataclass(frozen=True)
class ContentSnapshot:
    """What loading content/ changes in a fresh test database, read once per session.

    Loading content/ through its loader (reading, checking and saving about 150 files with
    their history) takes a second or more; putting the same rows back takes a few
    milliseconds. Tests of loading itself call `load()` directly."""

    report: LoadReport
    tables: list[TableChange]

    def restore(self) -> LoadReport:
        from django.db import transaction

        # One transaction: foreign keys are checked at its end, so table order is free.
        with transaction.atomic():
            for table in self.tables:
                manager = table.model._base_manager
                manager.filter(pk__in=table.removed).delete()
                for row in table.changed:
                    values = dict(zip(table.names, row, strict=True))
                    manager.filter(pk=values.pop(table.model._meta.pk.attname)).update(**values)
                manager.bulk_create(
                    table.model(**dict(zip(table.names, row, strict=True))) for row in table.added
                )
        return copy.deepcopy(self.report)


def content_tables() -> list[type[Model]]:
    """Every table of our apps, the many-to-many ones and the history included."""
    ours = {
        config.label for config in apps.get_app_configs() if config.name.startswith("backcare.")
    }
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in ours and not model._meta.proxy and model._meta.managed
    ]


@pytest.fixture(scope="session")
def content_snapshot(django_db_setup: None, django_db_blocker: Any) -> ContentSnapshot:
    from django.db import transaction

    def rows(model: type[Model], names: list[str]) -> dict[Any, tuple[Any, ...]]:
        pk = names.index(model._meta.pk.attname)
        return {row[pk]: row for row in model._base_manager.values_list(*names).order_by("pk")}

    with django_db_blocker.unblock(), transaction.atomic():
        models = content_tables()
        names = {model: [f.attname for f in model._meta.concrete_fields] for model in models}
        before = {model: rows(model, names[model]) for model in models}
        report = load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())
        tables = []
        for model in models:
            after = rows(model, names[model])
            old = before[model]
            table = TableChange(
                model,
                names[model],
                added=[row for pk, row in after.items() if pk not in old],
                changed=[row for pk, row in after.items() if pk in old and old[pk] != row],
                removed=[pk for pk in old if pk not in after],
            )
            if table.added or table.changed or table.removed:
                tables.append(table)
        transaction.set_rollback(True)
    return ContentSnapshot(report, tables)


@pytest.fixture
def content(db: None, content_snapshot: ContentSnapshot) -> LoadReport:
    """The real content/ folder loaded into the test database."""
    return content_snapshot.restore()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of content/ that a test may break."""
    import shutil

    target = tmp_path / "content"
    shutil.copytree(Path(settings.BACKCARE_CONTENT_DIR), target)
    return target


@pytest.fixture
def htmx_client(client: Client) -> Client:
    """A test client whose requests look like htmx's."""
    client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


# Browser tests ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Debian's Chromium, not a downloaded one; no background calls to other hosts.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A phone-sized screen: that is how most people in pain will use it.
    # No service worker unless a test asks for one (tests/browser/test_offline.py): its
    # background fetches would otherwise outlive the test and race the database flush.
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "service_workers": "block",
    }


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Every script error and console error the page logs (CSP violations among them)."""
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    return errors


@pytest.fixture
def site(
    django_db_setup: None,
    live_server: Any,
    transactional_db: None,
    content_snapshot: ContentSnapshot,
    browser: Any,
) -> Iterator[str]:
    """A live server with the real content loaded; yields its base URL.

    `django_db_setup` comes first on purpose: the session-scoped live server must start
    after the in-memory test database exists, or it does not share that connection and
    every request thread opens (and leaks) its own, which `-W error` turns into errors.
    """
    content_snapshot.restore()
    yield live_server.url
    # Close every page before the database is emptied: a request still in flight would
    # otherwise race the flush ("database table is locked").
    for context in browser.contexts:
        context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-django creates only the databases that the collected tests ask for: a run of
    # nothing but engine tests (or a random order that starts with them) must still get one
    # for `seeded_flow` to load content/ into.
    for item in items:
        if "seeded_flow" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def seeded_flow(django_db_setup: None, django_db_blocker: Any) -> Flow:
    """The symptom checker flow built from content/, as a plain engine object."""
    from django.db import transaction

    from backcare.triage.flows import build_working_flow

    with django_db_blocker.unblock(), transaction.atomic():
        load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())
        flow = build_working_flow()
        transaction.set_rollback(True)
    return flow


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """The published flow, public pages and the search index are kept; each test starts
    with none."""
    from django.core.cache import caches

    from backcare.articles.models import forget_published_pages
    from backcare.articles.search import forget_index

    # The search index is keyed on the content version, which starts again in each
    # test's database: a number seen before does not mean the same content here.
    for alias in ("default", "pages", "fragments"):
        caches[alias].clear()
    forget_index()
    forget_published_pages()
    yield
    for alias in ("default", "pages", "fragments"):
        caches[alias].clear()
    forget_index()
    forget_published_pages()


def make_staff(django_user_model: Any, username: str, group: str) -> Any:
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    if not Group.objects.filter(name=group).exists():
        # Browser tests flush the database after each test, groups made by migrations too.
        migration = importlib.import_module(
            "backcare.editorial.migrations.0001_editors_and_clinical_reviewers"
        )
        migration.create_groups(apps, None)
        grants = importlib.import_module(
            "backcare.governance.migrations.0002_governance_permissions"
        )
        grants.grant(apps, None)

    user = django_user_model.objects.create_user(
        username=username,
        password="correct horse battery staple",
        is_staff=True,
        first_name=username.title(),
        last_name="Tester",
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db: None, django_user_model: Any) -> Any:
    """A content editor: writes and sends for review, never publishes."""
    return make_staff(django_user_model, "edna", "Editors")


@pytest.fixture
def reviewer(db: None, django_user_model: Any) -> Any:
    """A clinical reviewer: may also publish, signing off with their name."""
    return make_staff(django_user_model, "rita", "Clinical reviewers")


@pytest.fixture(scope="session", autouse=True)
def no_stray_connections_at_the_end(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    """On PostgreSQL, end any connection the live server's request threads still hold
    (a browser's kept-alive connection can outlive its test) before the test database is
    dropped, which PostgreSQL refuses while anyone is connected."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
