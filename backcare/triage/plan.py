"""A personal plan from an outcome and the published content: what to do now, later, and when
to get help. Pure apart from the pages it is given."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
HYDRATION = "hydration-and-diet"

# Where it hurts (the where-it-hurts question's answers).
LOW_BACK = "low-back"
NECK_AND_UPPER = frozenset({"middle-or-upper-back", "neck-and-shoulders"})
NECK_RELIEF = "neck-and-upper-back-relief"
PREGNANCY = "back-pain-in-pregnancy"
POSITIONS = "comfortable-positions"  # lying on the back: the pregnancy advice has its own
# Remedies only for some people: (question, answers that call for it).
ONLY_FOR: dict[str, tuple[str, frozenset[str]]] = {
    NECK_RELIEF: ("where-it-hurts", NECK_AND_UPPER),
    PREGNANCY: ("medicine-cautions", frozenset({"pregnant"})),
}
# What someone has tried (the tried question's answers) and the remedy it matches.
TRIED: dict[str, str] = {
    "rest": "comfortable-positions",
    "cold": "cold-therapy",
    "heat": "heat-therapy",
    "movement": "gentle-movement",
    "pain-relief": PAIN_RELIEF,
    "massage": "massage",
}
# Answers that mean "nothing to report", left out of what to tell the doctor.
NOTHING_TO_REPORT = frozenset({"no", "none"})


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
    # The remedies they have already tried: slug -> what they told us.
    tried: Mapping[str, str] = field(default_factory=dict)
    drink_now: Prevention | None = None  # a trigger of exercise or heat with little to drink
    pain_relief_because: tuple[str, ...] = ()  # the answers that make NSAIDs a worry
    pregnancy: Remedy | None = None  # the pregnancy advice, when they may be pregnant

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


def _fits(remedy: Remedy, outcome: Outcome) -> bool:
    if remedy.slug not in ONLY_FOR:
        return True
    question, values = ONLY_FOR[remedy.slug]
    return outcome.chose(question, *values)


def build_plan(outcome: Outcome, pages: Iterable[ContentItem]) -> Plan:
    """Choose the content that fits these answers. `pages` are the published pages."""
    remedies = sorted((p for p in pages if isinstance(p, Remedy) and _fits(p, outcome)), key=_order)
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
    strengthening = [e for e in _related(exercises, prevention, "exercises") if e not in easing]
    # A neck or upper back gets its own moves; a low back's stretches are never offered
    # for a neck alone, nor the neck's for a low back alone.
    neck_moves = _related(exercises, [r for r in remedies if r.slug == NECK_RELIEF], "exercises")
    if outcome.chose("where-it-hurts", *NECK_AND_UPPER) and not outcome.chose(
        "where-it-hurts", LOW_BACK
    ):
        easing = [e for e in easing if e in neck_moves]
        strengthening = []
    pregnancy = next((r for r in remedies if r.slug == PREGNANCY), None)
    if pregnancy is not None:
        now = [r for r in now if r.slug != POSITIONS]
        # Exercises on the back and core work wait for a midwife's or physio's advice.
        easing = [e for e in easing if e in neck_moves]
        strengthening = []
    answers = [
        Answer(
            question=q.text,
            labels=tuple(
                c.label for c in outcome.answers[q.slug] if c.value not in NOTHING_TO_REPORT
            ),
            noteworthy=not q.red_flag or any(c.floor for c in outcome.answers[q.slug]),
        )
        for q in outcome.path
    ]
    answers = [a for a in answers if a.labels]
    tried = {TRIED[c.value]: c.label for c in outcome.answers.get("tried", ()) if c.value in TRIED}
    drink_now = (
        advice.get(HYDRATION) if outcome.chose("what-happened", "exercise-or-heat") else None
    )
    if drink_now is not None:
        prevention = [p for p in prevention if p != drink_now]  # already under "now"
    because = tuple(c.label for c in outcome.answers.get("medicine-cautions", ()) if c.avoid_nsaids)
    return Plan(
        outcome=outcome,
        now=now,
        next_days=next_days,
        easing_exercises=easing,
        prevention=prevention,
        strengthening=strengthening,
        # Most urgent first, whatever order the pages are listed in. Only signs that call
        # for more than they were told to do: not the reason they were given.
        warning_signs=sorted(
            (f for f in flags if Level(f.care_level).rank > outcome.level.rank),
            key=lambda f: (-Level(f.care_level).rank, f.order, f.title),
        ),
        answers=answers,
        tried=tried,
        drink_now=drink_now,
        pain_relief_because=because,
        pregnancy=pregnancy,
    )


def _order(page: ContentItem) -> tuple[int, str]:
    return (page.order, page.title)
