"""A visitor's answers, kept in their session under one key and nowhere else."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from backcare.core.session_store import wipe_log

SESSION_KEY = "triage"


@dataclass
class VisitState:
    flow: int  # the published flow version the check began with
    answers: dict[str, list[str]] = field(default_factory=dict)
    confirmed: bool = False  # answers checked on the "check your answers" page
    # Where this check is counted (see triage.counting): no more than the answers say.
    counted: list[Any] | None = None


def load(session: SessionBase) -> VisitState | None:
    """The check in progress, or None when there is none or it cannot be read."""
    raw: Any = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return None
    flow, answers, confirmed = raw.get("flow"), raw.get("answers"), raw.get("confirmed")
    if (
        not isinstance(flow, int)
        or not isinstance(answers, dict)
        or not isinstance(confirmed, bool)
    ):
        return None
    # A malformed answer is dropped whole, so the engine asks that question again.
    clean = {
        str(slug): values
        for slug, values in answers.items()
        if isinstance(values, list) and all(isinstance(v, str) for v in values)
    }
    counted = raw.get("counted")
    return VisitState(
        flow=flow,
        answers=clean,
        confirmed=confirmed,
        counted=counted if _valid_place(counted) else None,
    )


def _valid_place(raw: Any) -> bool:
    if not isinstance(raw, list) or len(raw) not in (4, 5) or raw[0] not in ("q", "o"):
        return False
    return isinstance(raw[2], int) and all(isinstance(v, str) for v in raw[:2] + raw[3:])


def save(session: SessionBase, state: VisitState) -> None:
    session[SESSION_KEY] = {
        "flow": state.flow,
        "answers": state.answers,
        "confirmed": state.confirmed,
        "counted": state.counted,
    }


def forget(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def now_and_then_delete_expired(one_in: int = 50) -> None:
    """Delete expired sessions (with their answers) once in a while as checks start, so
    answers go when the privacy page says even where nobody runs clearsessions."""
    if secrets.randbelow(one_in) == 0:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        wipe_log()
