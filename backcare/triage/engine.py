"""The triage engine: given a flow and someone's answers, the next question or the outcome.

Pure Python with no request, session or database, so every rule can be tested on
its own. A flow is a list of questions asked in order; a choice may jump forward
to a later question. Rules raise the level of care when their answers are given,
and a rule marked `stop` ends the check at once (an emergency should not wait for
ten more questions). Only answers on the path actually taken count: an answer
left over from a branch the person has since left is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard


class Level(StrEnum):
    """Dispositions, from least to most urgent."""

    SELF_CARE = "self_care"
    GP = "gp"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Timing(StrEnum):
    """When the spasm started, as far as the plan needs to know (cold first, then heat)."""

    UNKNOWN = ""
    EARLY = "early"  # within the first 24 to 72 hours
    LATER = "later"


@dataclass(frozen=True)
class FlowChoice:
    value: str
    label: str
    exclusive: bool = False  # "None of these": cannot be ticked with another
    goto: str | None = None  # jump to this later question instead of the next one
    floor: Level | None = None  # the least care this answer must always lead to
    timing: Timing = Timing.UNKNOWN
    avoid_nsaids: bool = False
    prevention: tuple[str, ...] = ()  # slugs of prevention advice this answer calls for


@dataclass(frozen=True)
class FlowQuestion:
    slug: str
    text: str
    choices: tuple[FlowChoice, ...]
    hint: str = ""
    multiple: bool = False
    red_flag: bool = False  # asked in the safety section, before anything else
    info_url: str = ""  # a page that explains the sign
    # The level of care the red flag page for this sign says it needs: some answer to the
    # question must lead to at least this.
    flag_level: Level | None = None

    def choice(self, value: str) -> FlowChoice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class FlowRule:
    slug: str
    level: Level
    reason: str  # "You told us ..."
    when: Mapping[str, frozenset[str]]  # question slug -> any of these values
    stop: bool = False
    # What to do instead of the level's own instruction, when this rule sets the level
    # (an ambulance, not a car, for chest pain; a cancer team's helpline).
    instruction_html: str = ""
    source: str = ""  # the guidance the level of care comes from

    def applies(self, answers: Mapping[str, Sequence[str]]) -> bool:
        return all(
            question in answers and not values.isdisjoint(answers[question])
            for question, values in self.when.items()
        )


@dataclass(frozen=True)
class FlowDisposition:
    level: Level
    title: str
    instruction_html: str
    meanwhile_html: str = ""
    label: str = ""  # a short name, for badges and reports
    summary: str = ""  # one or two sentences under the title, outside the check


@dataclass(frozen=True)
class Flow:
    version: str
    questions: tuple[FlowQuestion, ...]
    rules: tuple[FlowRule, ...]
    dispositions: Mapping[Level, FlowDisposition]
    # Of the published data: with the version, names this flow even if a database
    # rebuild hands an old version number to new questions.
    checksum: str = ""
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {q.slug: i for i, q in enumerate(self.questions)})

    def question(self, slug: str) -> FlowQuestion | None:
        i = self._index.get(slug)
        return None if i is None else self.questions[i]

    def position(self, slug: str) -> int:
        return self._index[slug]

    def next_after(self, question: FlowQuestion, given: Sequence[str]) -> FlowQuestion | None:
        if not question.multiple:
            choice = question.choice(given[0])
            if choice and choice.goto:
                return self.question(choice.goto)
        i = self._index[question.slug] + 1
        return self.questions[i] if i < len(self.questions) else None


@dataclass(frozen=True)
class Pending:
    """The check is not finished: ask `question` next."""

    question: FlowQuestion
    path: tuple[FlowQuestion, ...]  # the questions answered so far, in order


@dataclass(frozen=True)
class Outcome:
    disposition: FlowDisposition
    reasons: tuple[FlowRule, ...]  # the rules that set the level, most urgent first
    path: tuple[FlowQuestion, ...]
    answers: Mapping[str, tuple[FlowChoice, ...]]  # only answers on the path
    stopped_early: bool

    @property
    def level(self) -> Level:
        return self.disposition.level

    @property
    def instruction_html(self) -> str:
        """The first reason's own instruction (rules are in order, the most pressing
        first), or the level's."""
        for rule in self.reasons:
            if rule.instruction_html:
                return rule.instruction_html
        return self.disposition.instruction_html

    def chose(self, question: str, *values: str) -> bool:
        """Whether any of these answers was given to this question on the path."""
        return any(c.value in values for c in self.answers.get(question, ()))

    @property
    def timing(self) -> Timing:
        timings = {c.timing for chosen in self.answers.values() for c in chosen} - {Timing.UNKNOWN}
        return timings.pop() if len(timings) == 1 else Timing.UNKNOWN

    @property
    def avoid_nsaids(self) -> bool:
        return any(c.avoid_nsaids for chosen in self.answers.values() for c in chosen)

    @property
    def prevention(self) -> tuple[str, ...]:
        slugs = (slug for chosen in self.answers.values() for c in chosen for slug in c.prevention)
        return tuple(dict.fromkeys(slugs))


def valid_answer(given: Any, question: FlowQuestion) -> TypeGuard[Sequence[str]]:
    """A well-formed answer to this question (anything else counts as unanswered)."""
    if not isinstance(given, (list, tuple)) or not given:
        return False
    if not all(isinstance(v, str) for v in given) or len(set(given)) != len(given):
        return False
    choices = [question.choice(value) for value in given]
    if any(choice is None for choice in choices):
        return False
    if not question.multiple:
        return len(given) == 1
    return len(given) == 1 or not any(c.exclusive for c in choices if c)


def evaluate(flow: Flow, answers: Mapping[str, Any]) -> Pending | Outcome:
    """Walk the flow with these answers: the next question to ask, or the outcome."""
    path: list[FlowQuestion] = []
    taken: dict[str, Sequence[str]] = {}
    fired: list[FlowRule] = []
    question = flow.questions[0] if flow.questions else None
    while question is not None:
        given = answers.get(question.slug)
        if not valid_answer(given, question):
            return Pending(question=question, path=tuple(path))
        path.append(question)
        taken[question.slug] = given
        # Every rule this answer sets off counts before any of them may stop the check, so
        # a stopping rule can never hide a more serious one set off by the same answer.
        new = [rule for rule in flow.rules if rule not in fired and rule.applies(taken)]
        fired.extend(new)
        if any(rule.stop for rule in new):
            return _outcome(flow, path, taken, fired, stopped_early=True)
        question = flow.next_after(question, given)
    return _outcome(flow, path, taken, fired, stopped_early=False)


def _outcome(
    flow: Flow,
    path: list[FlowQuestion],
    taken: Mapping[str, Sequence[str]],
    fired: list[FlowRule],
    *,
    stopped_early: bool,
) -> Outcome:
    level = max((rule.level for rule in fired), key=lambda lv: lv.rank, default=Level.SELF_CARE)
    reasons = tuple(rule for rule in fired if rule.level == level)
    chosen = {
        q.slug: tuple(c for v in taken[q.slug] if (c := q.choice(v)) is not None) for q in path
    }
    return Outcome(
        disposition=flow.dispositions[level],
        reasons=reasons,
        path=tuple(path),
        answers=chosen,
        stopped_early=stopped_early,
    )


# Flows to and from plain data, for storing a published version as JSON ---------------


def flow_to_data(flow: Flow) -> dict[str, Any]:
    return {
        "questions": [
            {
                "slug": q.slug,
                "text": q.text,
                "hint": q.hint,
                "multiple": q.multiple,
                "red_flag": q.red_flag,
                "info_url": q.info_url,
                "flag_level": q.flag_level.value if q.flag_level else None,
                "choices": [
                    {
                        "value": c.value,
                        "label": c.label,
                        "exclusive": c.exclusive,
                        "goto": c.goto,
                        "floor": c.floor.value if c.floor else None,
                        "timing": c.timing.value,
                        "avoid_nsaids": c.avoid_nsaids,
                        "prevention": list(c.prevention),
                    }
                    for c in q.choices
                ],
            }
            for q in flow.questions
        ],
        "rules": [
            {
                "slug": r.slug,
                "level": r.level.value,
                "reason": r.reason,
                "stop": r.stop,
                "when": {k: sorted(v) for k, v in r.when.items()},
                "instruction_html": r.instruction_html,
                "source": r.source,
            }
            for r in flow.rules
        ],
        "dispositions": {
            d.level.value: {
                "title": d.title,
                "instruction_html": d.instruction_html,
                "meanwhile_html": d.meanwhile_html,
                "label": d.label,
                "summary": d.summary,
            }
            for d in flow.dispositions.values()
        },
    }


def flow_from_data(data: Mapping[str, Any], version: str, checksum: str = "") -> Flow:
    return Flow(
        version=version,
        checksum=checksum,
        questions=tuple(
            FlowQuestion(
                slug=q["slug"],
                text=q["text"],
                hint=q["hint"],
                multiple=q["multiple"],
                red_flag=q["red_flag"],
                info_url=q["info_url"],
                flag_level=Level(q["flag_level"]) if q.get("flag_level") else None,
                choices=tuple(
                    FlowChoice(
                        value=c["value"],
                        label=c["label"],
                        exclusive=c["exclusive"],
                        goto=c["goto"],
                        floor=Level(c["floor"]) if c["floor"] else None,
                        timing=Timing(c["timing"]),
                        avoid_nsaids=c["avoid_nsaids"],
                        prevention=tuple(c["prevention"]),
                    )
                    for c in q["choices"]
                ),
            )
            for q in data["questions"]
        ),
        rules=tuple(
            FlowRule(
                slug=r["slug"],
                level=Level(r["level"]),
                reason=r["reason"],
                stop=r["stop"],
                when={k: frozenset(v) for k, v in r["when"].items()},
                instruction_html=r.get("instruction_html", ""),
                source=r.get("source", ""),
            )
            for r in data["rules"]
        ),
        dispositions={
            Level(code): FlowDisposition(level=Level(code), **d)
            for code, d in data["dispositions"].items()
        },
    )
