"""A personal plan from an outcome and the published content: what to do now, later, and when
to get help. Pure apart from the pages it is given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backcare.articles.models import (
    ContentItem,
    Exercise,
    Phase,
    Prevention,
    RedFlag,
    Remedy,
)

from .engine import Level, Outcome, Timing

PAIN_RELIEF = "pain-relief-medicines"  # shown with a pharmacist's check when NSAIDs may not suit
# When someone cannot say what set it off: the advice that helps most people.
GENERAL_PREVENTION = ("core-strength", "posture-and-desk-set-up", "hydration-and-diet")


@dataclass(frozen=True)
class Answer:
    question: str
    labels: tuple[str, ...]
    noteworthy: bool  # worth telling a clinician: not a "no" to a warning sign


@dataclass(frozen=True)
class Plan:
    outcome: Outcome
    now: list[Remedy]  # what to do now
    next_days: list[Remedy]  # what to change over the next days
    easing_exercises: list[Exercise]  # gentle moves while it is sore
    prevention: list[Prevention]
    strengthening: list[Exercise]  # once the pain has eased
    warning_signs: list[RedFlag]
    answers: list[Answer]  # what they told us, for the clinician

    @property
    def timing(self) -> Timing:
        return self.outcome.timing

    @property
    def avoid_nsaids(self) -> bool:
        return self.outcome.avoid_nsaids

    # What each level of care shows. Emergency: only the instruction.
    @property
    def shows_relief(self) -> bool:
        """Easing the pain now: while waiting a few days for a doctor, or at home."""
        return self.outcome.level in (Level.SELF_CARE, Level.GP)

    @property
    def shows_recovery(self) -> bool:
        """The next days and prevention: only for looking after it at home."""
        return self.outcome.level == Level.SELF_CARE

    @property
    def shows_clinician_summary(self) -> bool:
        return self.outcome.level in (Level.URGENT, Level.GP)

    @property
    def ask_pharmacist_about(self) -> str:
        """The remedy shown as "ask a pharmacist" rather than by its medicines."""
        return PAIN_RELIEF if self.avoid_nsaids else ""

    @property
    def for_clinician(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.noteworthy]


def _related(pages: dict[str, Exercise], items: Iterable[ContentItem], name: str) -> list[Exercise]:
    slugs = dict.fromkeys(s for item in items for s in item.related_slugs.get(name, []))
    return [pages[s] for s in slugs if s in pages]


def build_plan(outcome: Outcome, pages: Iterable[ContentItem]) -> Plan:
    """Choose the content that fits these answers. `pages` are the published pages."""
    remedies = sorted((p for p in pages if isinstance(p, Remedy)), key=_order)
    exercises = {p.slug: p for p in pages if isinstance(p, Exercise)}
    advice = {p.slug: p for p in pages if isinstance(p, Prevention)}
    flags = sorted((p for p in pages if isinstance(p, RedFlag)), key=_order)

    timing = outcome.timing
    wanted = {Phase.ANY, Phase.EARLY, Phase.LATER}
    if timing == Timing.EARLY:
        wanted.discard(Phase.LATER)
    elif timing == Timing.LATER:
        wanted.discard(Phase.EARLY)
    now = [r for r in remedies if r.phase in wanted]
    next_days = [r for r in remedies if r.phase == Phase.LATER] if timing == Timing.EARLY else []

    prevention_slugs = outcome.prevention or GENERAL_PREVENTION
    prevention = [advice[s] for s in prevention_slugs if s in advice]
    easing = _related(exercises, now, "exercises")
    answers = [
        Answer(
            question=q.text,
            labels=tuple(c.label for c in outcome.answers[q.slug]),
            noteworthy=not q.red_flag or any(c.floor for c in outcome.answers[q.slug]),
        )
        for q in outcome.path
    ]
    return Plan(
        outcome=outcome,
        now=now,
        next_days=next_days,
        easing_exercises=easing,
        prevention=prevention,
        strengthening=[e for e in _related(exercises, prevention, "exercises") if e not in easing],
        # Most urgent first, whatever order the pages are listed in.
        warning_signs=sorted(flags, key=lambda f: (-Level(f.care_level).rank, f.order, f.title)),
        answers=answers,
    )


def _order(page: ContentItem) -> tuple[int, str]:
    return (page.order, page.title)
