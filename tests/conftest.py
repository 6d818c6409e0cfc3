import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from backcare.contentfiles.loader import LoadReport, load
from backcare.contentfiles.registry import all_kinds

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told it is safe. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def content(db: None) -> LoadReport:
    """The real content/ folder loaded into the test database."""
    return load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())


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
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A phone-sized screen: that is how most people in pain will use it.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


@pytest.fixture
def site(live_server: Any, transactional_db: None) -> Iterator[str]:
    """A live server with the real content loaded; yields its base URL."""
    load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())
    yield live_server.url
