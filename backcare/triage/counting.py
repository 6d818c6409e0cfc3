"""Anonymous counts of where checks end: an outcome, or the question people stopped at.

Each check stands in exactly one place at a time: the question it waits on, the "check
your answers" page, or its outcome. The count for that place (day, flow version, and the
question, or the level and deciding rule) holds it. When an answer moves the check on,
its count moves too: one down where it was, one up where it is now. So a check is
counted once however often a page is reloaded, a changed answer moves its count rather
than adding one, and a check left half-way stays counted where it stopped.

Where the check is counted is kept in the visitor's session, beside the answers it
already holds and deleted with them. The count rows hold nothing else: no session key,
answer, address or time finer than the day. Counting is done on the POST that moves the
check on (which saves the session anyway), never on showing a page, and a failure to
count is logged and passed over: it never stops a person reaching their outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from .engine import Flow, Level, Outcome, Pending
from .models import OutcomeCount, StopCount
from .state import VisitState

logger = logging.getLogger(__name__)

ANSWERS_PAGE = "answers"  # a reserved slug: no question can take it

# A place, as kept in the session: ["q", day, flow, question] or ["o", day, flow, level, rule].
Place = list[Any]


def place_of(flow: Flow, result: Pending | Outcome, confirmed: bool) -> Place:
    day = timezone.localdate().isoformat()
    version = int(flow.version)
    if isinstance(result, Pending):
        return ["q", day, version, result.question.slug]
    if result.level != Level.EMERGENCY and not confirmed:
        return ["q", day, version, ANSWERS_PAGE]
    rule = result.reasons[0].slug if result.reasons else ""
    return ["o", day, version, result.level.value, rule]


def _row(place: Place) -> tuple[type[models.Model], dict[str, Any]]:
    if place[0] == "q":
        _kind, day, version, question = place
        return StopCount, {"day": day, "flow_version_id": version, "question": question}
    _kind, day, version, level, rule = place
    return OutcomeCount, {"day": day, "flow_version_id": version, "level": level, "rule": rule}


def add_one(place: Place) -> None:
    """One more at this place, lost by no concurrent writer on any database."""
    model, keys = _row(place)
    rows = model._default_manager.filter(**keys)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():  # a savepoint: the loser of a race can carry on
            model._default_manager.create(**keys, count=1)
        return
    except IntegrityError:
        pass  # another instance created the row since our update: add to it
    rows.update(count=F("count") + 1)


def take_one(place: Place) -> None:
    model, keys = _row(place)
    model._default_manager.filter(**keys, count__gt=0).update(count=F("count") - 1)


def record(state: VisitState, flow: Flow, result: Pending | Outcome) -> None:
    """Move this check's count to where it now stands. The caller saves the session."""
    if not settings.BACKCARE_COUNT_CHECKS:
        return
    place = place_of(flow, result, state.confirmed)
    if place == state.counted:
        return
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A count need not wait for the disk: at worst a crash loses the last
                # few hundred milliseconds of counts, never an answer or a page.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            if state.counted is not None:
                take_one(state.counted)
            add_one(place)
    except DatabaseError:
        # Never the answers: only that a count was missed.
        logger.warning("A symptom checker count could not be written", exc_info=True)
        return
    state.counted = place
