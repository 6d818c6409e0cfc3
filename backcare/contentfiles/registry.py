"""The kinds of content file, as the apps that own them register them.

contentfiles sits below the apps whose content it loads, so it never names them: each app
registers its kinds from its `AppConfig.ready()`. Apps become ready in INSTALLED_APPS
order, which lists the stack bottom first, so the kinds come out in load order (a kind
only names kinds of its own app or of the apps below it, which load before it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .kinds import Kind

if TYPE_CHECKING:
    from .loader import LoadReport

type KindsFactory = Callable[[], list[Kind]]
type AfterLoadStep = Callable[["LoadReport"], None]


@dataclass(frozen=True)
class Registration:
    # Fresh kinds for each load or export (a kind may keep state while it loads).
    kinds: KindsFactory
    # What the app does once every file is loaded, in the same transaction.
    after_load: AfterLoadStep | None


_registered: dict[str, Registration] = {}


def register(
    app_label: str, kinds: KindsFactory, *, after_load: AfterLoadStep | None = None
) -> None:
    """Called from an app's `ready()`. Registering the same app again replaces it."""
    _registered[app_label] = Registration(kinds, after_load)


def all_kinds() -> list[Kind]:
    """Every kind of content file, in load order."""
    return [kind for registration in _registered.values() for kind in registration.kinds()]


def after_load_steps() -> list[AfterLoadStep]:
    """The apps' steps to take once everything is loaded, in the same order."""
    return [r.after_load for r in _registered.values() if r.after_load is not None]
