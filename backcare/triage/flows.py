"""Between the database and the engine: build, check, publish and serve flows."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction

from backcare.articles.markdown import render_markdown
from backcare.articles.models import RedFlag
from backcare.core.models import bump_content_version

from . import engine
from .models import (
    Choice,
    Disposition,
    FlowReviewRequest,
    FlowVersion,
    Question,
    Rule,
    TriageCase,
)
from .validation import Case, CaseResult, run_cases, validate

CACHE_KEY = "triage:published-flow"


def build_working_flow() -> engine.Flow:
    """The flow as the working tables stand now (not necessarily published)."""
    questions = Question.objects.select_related("explained_by").prefetch_related(
        "choices__goto", "choices__prevention"
    )
    rules = Rule.objects.select_related("disposition").prefetch_related("when__question")
    return engine.Flow(
        version="working",
        questions=tuple(
            engine.FlowQuestion(
                slug=q.slug,
                text=q.text,
                hint=q.hint,
                multiple=q.multiple,
                red_flag=q.red_flag,
                # Only a published page may be linked from the check.
                info_url=(
                    q.explained_by.get_absolute_url()
                    if q.explained_by and q.explained_by.published_data is not None
                    else ""
                ),
                flag_level=_care_level(q.explained_by),
                choices=tuple(
                    engine.FlowChoice(
                        value=c.value,
                        label=c.label,
                        exclusive=c.exclusive,
                        goto=c.goto.slug if c.goto else None,
                        floor=engine.Level(c.floor) if c.floor else None,
                        timing=engine.Timing(c.timing),
                        avoid_nsaids=c.avoid_nsaids,
                        prevention=tuple(sorted(p.slug for p in c.prevention.all())),
                    )
                    for c in q.choices.all()
                ),
            )
            for q in questions
        ),
        rules=tuple(
            engine.FlowRule(
                slug=r.slug,
                level=engine.Level(r.disposition.level),
                reason=r.reason,
                stop=r.stop,
                when=_conditions(r.when.all()),
                instruction_html=render_markdown(r.instruction) if r.instruction else "",
                source=r.source,
            )
            for r in rules
        ),
        dispositions={
            engine.Level(d.level): engine.FlowDisposition(
                level=engine.Level(d.level),
                title=d.title,
                instruction_html=render_markdown(d.instruction),
                meanwhile_html=render_markdown(d.meanwhile) if d.meanwhile else "",
                label=d.label,
                summary=d.summary,
            )
            for d in Disposition.objects.all()
        },
    )


def _care_level(flag: RedFlag | None) -> engine.Level | None:
    return engine.Level(flag.care_level) if flag is not None else None


def _conditions(choices: Iterable[Choice]) -> dict[str, frozenset[str]]:
    grouped: dict[str, set[str]] = {}
    for choice in choices:
        grouped.setdefault(choice.question.slug, set()).add(choice.value)
    return {slug: frozenset(values) for slug, values in grouped.items()}


def working_cases() -> list[Case]:
    return [
        Case(
            slug=c.slug,
            answers=c.answers,
            expected=engine.Level(c.expected),
            description=c.description,
        )
        for c in TriageCase.objects.all()
    ]


@dataclass(frozen=True)
class FlowReport:
    problems: list[str]
    results: list[CaseResult]

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)

    def failures(self) -> list[str]:
        return self.problems + [r.describe() for r in self.results if not r.passed]


def validate_flow(flow: engine.Flow, cases: list[Case]) -> FlowReport:
    problems = validate(flow)
    results = [] if problems else run_cases(flow, cases)
    return FlowReport(problems=problems, results=results)


class FlowNotSafe(Exception):
    def __init__(self, report: FlowReport) -> None:
        self.report = report
        super().__init__("; ".join(report.failures()))


def checksum(data: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def publish_working_flow(user: User | None = None) -> FlowVersion | None:
    """Publish the working flow if it passes every check; None when nothing changed."""
    flow = build_working_flow()
    report = validate_flow(flow, working_cases())
    if not report.ok:
        raise FlowNotSafe(report)
    data = engine.flow_to_data(flow)
    digest = checksum(data)
    latest = FlowVersion.objects.first()
    if latest and latest.checksum == digest:
        return None
    version = FlowVersion.objects.create(data=data, checksum=digest, published_by=user)
    if latest is None or latest.data.get("dispositions") != data["dispositions"]:
        # Public pages show the levels' words (backcare.triage.care): cached copies of
        # them, the phones' offline copies included, must start afresh.
        bump_content_version()
    # Once committed, the cache points at the new version at once, for every process.
    pointer = (version.pk, digest)
    transaction.on_commit(
        lambda: cache.set(CACHE_KEY, pointer, settings.BACKCARE_FLOW_CACHE_SECONDS)
    )
    return version


# Serving the published flow --------------------------------------------------------

_parsed: dict[tuple[int, str], engine.Flow] = {}
_parsed_lock = threading.Lock()


def published_flow(at_least: int = 0, *, fresh: bool = False) -> engine.Flow | None:
    """The newest published flow.

    The shared cache holds only which version is newest (a small pointer); each process
    keeps the parsed flows it has met, which never change. `at_least` is the version a
    visitor's check began with: if the cache points at an older one (another process
    published since, and the cache is not shared), look again. `fresh` always looks in
    the database (one small query): for a caller that knows something newer was published
    than the cache may yet say (see triage.care).
    """
    pointer = cache.get(CACHE_KEY)
    if fresh or pointer is None or pointer[0] < at_least:
        latest = FlowVersion.objects.only("pk", "checksum").first()
        if latest is None:
            return None
        newest = (latest.pk, latest.checksum)
        timeout = settings.BACKCARE_FLOW_CACHE_SECONDS
        if pointer is None:
            # add, not set: if a publish committed since our read, its pointer stays.
            cache.add(CACHE_KEY, newest, timeout)
        elif pointer != newest:
            cache.set(CACHE_KEY, newest, timeout)
        pointer = newest
    with _parsed_lock:
        flow = _parsed.get(pointer)
    if flow is None:
        row = FlowVersion.objects.filter(pk=pointer[0]).only("pk", "checksum", "data").first()
        if row is None:
            return None
        flow = engine.flow_from_data(row.data, version=str(row.pk), checksum=row.checksum)
        with _parsed_lock:
            if len(_parsed) > 4:
                _parsed.clear()
            _parsed[row.pk, row.checksum] = flow
    return flow


# The working flow's place in the review workflow -------------------------------------


@dataclass(frozen=True)
class FlowState:
    """Draft, in review or published: worked out from the tables, never stored."""

    published: FlowVersion | None
    review: FlowReviewRequest | None  # a request for review of the flow exactly as it is now
    report: FlowReport
    checksum: str

    @property
    def status(self) -> str:
        if self.published is not None and self.published.checksum == self.checksum:
            return "published"
        return "in_review" if self.review is not None else "draft"


def flow_state() -> FlowState:
    flow = build_working_flow()
    digest = checksum(engine.flow_to_data(flow))
    published = FlowVersion.objects.select_related("published_by").first()
    review = (
        FlowReviewRequest.objects.select_related("requested_by").filter(checksum=digest).first()
    )
    if review and published and published.created_at > review.requested_at:
        review = None
    return FlowState(
        published=published,
        review=review,
        report=validate_flow(flow, working_cases()),
        checksum=digest,
    )
