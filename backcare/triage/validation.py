"""Checks that a flow is safe to publish: the validator and the triage test cases.

Pure, like the engine. `validate` finds structural problems (loops, dead ends,
unreachable questions, red-flag answers that could end below their level of
care); `run_cases` plays the recorded answers through the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .engine import Flow, FlowChoice, FlowQuestion, Level, Outcome, evaluate

# Step names the check's own pages use; a question may not take one.
RESERVED_SLUGS = frozenset({"start", "answers", "result", "clear", "restart", "plan"})


def validate(flow: Flow) -> list[str]:
    """Every problem found, in plain words; an empty list means the flow is sound."""
    problems: list[str] = []
    if not flow.questions:
        return ["The flow has no questions."]
    problems += _check_dispositions(flow)
    problems += _check_questions(flow)
    if problems:
        return problems  # the graph checks below assume a well-formed flow
    problems += _check_jumps_and_reach(flow)
    problems += _check_rules(flow)
    if problems:
        return problems
    problems += _check_rules_can_apply(flow)
    problems += _check_red_flags_first(flow)
    problems += _check_red_flag_levels(flow)
    problems += _check_floors(flow)
    problems += _check_every_sign_has_a_floor(flow)
    problems += _check_unsure_errs_toward_care(flow)
    problems += _check_early_stops(flow)
    problems += _check_self_care_asks_every_sign(flow)
    return problems


def _check_dispositions(flow: Flow) -> list[str]:
    """Each level of care is worded in full: pages across the site show its words, and a
    page must never be left without an instruction to get help."""
    missing = [level.value for level in Level if level not in flow.dispositions]
    problems = [f"Disposition {code!r} is not defined." for code in missing]
    for level, d in flow.dispositions.items():
        for name in ("title", "label", "summary", "instruction_html"):
            if not getattr(d, name).strip():
                field = name.removesuffix("_html")
                problems.append(f"Disposition {level.value!r} has no {field}.")
    return problems


def _check_questions(flow: Flow) -> list[str]:
    problems = []
    seen: set[str] = set()
    for q in flow.questions:
        if q.slug in seen:
            problems.append(f"Question {q.slug!r} appears twice.")
        seen.add(q.slug)
        if q.slug in RESERVED_SLUGS:
            problems.append(f"Question {q.slug!r} uses a name kept for the check's own pages.")
        if len(q.choices) < 2:
            problems.append(f"Question {q.slug!r} needs at least two choices.")
        values = [c.value for c in q.choices]
        if len(set(values)) != len(values):
            problems.append(f"Question {q.slug!r} has two choices with the same value.")
        for c in q.choices:
            if c.goto and q.multiple:
                problems.append(
                    f"Choice {q.slug}:{c.value} jumps, but only one-answer questions may jump."
                )
            if c.goto and flow.question(c.goto) is None:
                problems.append(f"Choice {q.slug}:{c.value} jumps to unknown question {c.goto!r}.")
    return problems


def _successors(flow: Flow, question: FlowQuestion) -> set[str]:
    i = flow.position(question.slug)
    following = {flow.questions[i + 1].slug} if i + 1 < len(flow.questions) else set()
    if question.multiple:
        return following
    nexts = set()
    for c in question.choices:
        nexts |= {c.goto} if c.goto else following
    return nexts


def _check_jumps_and_reach(flow: Flow) -> list[str]:
    problems = []
    for q in flow.questions:
        for c in q.choices:
            if c.goto and flow.position(c.goto) <= flow.position(q.slug):
                problems.append(
                    f"Choice {q.slug}:{c.value} jumps back to {c.goto!r}: that could loop forever."
                )
    reached = {flow.questions[0].slug}
    todo = [flow.questions[0]]
    while todo:
        for slug in _successors(flow, todo.pop()):
            if slug not in reached:
                reached.add(slug)
                todo.append(flow.question(slug))  # type: ignore[arg-type]
    for q in flow.questions:
        if q.slug not in reached:
            problems.append(f"Question {q.slug!r} can never be reached.")
    return problems


def _check_rules(flow: Flow) -> list[str]:
    problems = []
    for rule in flow.rules:
        if not rule.when:
            problems.append(f"Rule {rule.slug!r} has no conditions.")
        for slug, values in rule.when.items():
            q = flow.question(slug)
            if q is None:
                problems.append(f"Rule {rule.slug!r} names unknown question {slug!r}.")
                continue
            for value in sorted(values):
                if q.choice(value) is None:
                    problems.append(f"Rule {rule.slug!r} names unknown choice {slug}:{value}.")
    return problems


def _reachable_after(flow: Flow, question: FlowQuestion, values: Iterable[str]) -> set[str]:
    """Questions that can follow `question` once one of `values` is given."""
    i = flow.position(question.slug)
    todo: list[str] = []
    for value in values:
        choice = question.choice(value)
        if choice and choice.goto and not question.multiple:
            todo.append(choice.goto)
        elif i + 1 < len(flow.questions):
            todo.append(flow.questions[i + 1].slug)
    reached: set[str] = set()
    while todo:
        slug = todo.pop()
        if slug not in reached:
            reached.add(slug)
            todo.extend(_successors(flow, flow.question(slug)))  # type: ignore[arg-type]
    return reached


def _check_rules_can_apply(flow: Flow) -> list[str]:
    """A rule whose questions can never all be on one path is dead weight, or a mistake."""
    problems = []
    for rule in flow.rules:
        slugs = sorted(rule.when, key=flow.position)
        for first, second in pairwise(slugs):
            q = flow.question(first)
            if q and second not in _reachable_after(flow, q, rule.when[first]):
                problems.append(
                    f"Rule {rule.slug!r} can never apply: no path goes from "
                    f"{first!r} with those answers to {second!r}."
                )
    return problems


def _check_red_flags_first(flow: Flow) -> list[str]:
    """Red flags are asked first, every one of them, on every path."""
    problems = []
    flags = [flow.position(q.slug) for q in flow.questions if q.red_flag]
    others = [flow.position(q.slug) for q in flow.questions if not q.red_flag]
    if flags and others and max(flags) > min(others):
        problems.append("Every red-flag question must come before the other questions.")
    for q in flow.questions:
        for c in q.choices:
            if not c.goto:
                continue
            skipped = flow.questions[flow.position(q.slug) + 1 : flow.position(c.goto)]
            for flag in (s for s in skipped if s.red_flag):
                problems.append(
                    f"Choice {q.slug}:{c.value} jumps over red-flag question {flag.slug!r}: "
                    "every warning sign must be asked."
                )
    return problems


def _check_red_flag_levels(flow: Flow) -> list[str]:
    """Each red-flag question can lead to the care its red flag page says it needs."""
    problems = []
    for q in (q for q in flow.questions if q.red_flag):
        floors = [c.floor for c in q.choices if c.floor]
        if not floors:
            problems.append(f"Red-flag question {q.slug!r} has no answer with a level of care.")
            continue
        highest = max(floors, key=lambda lv: lv.rank)
        if q.flag_level and highest.rank < q.flag_level.rank:
            problems.append(
                f"Red-flag question {q.slug!r} leads at most to {highest.value!r}, but its "
                f"red flag page says it needs {q.flag_level.value!r}."
            )
    return problems


def _check_floors(flow: Flow) -> list[str]:
    """Each answer with a floor must, on its own, trigger a rule at that level or above.

    Rules only ever raise the level, and every rule an answer sets off counts before the
    check may stop, so such an answer can never end lower, whatever else is answered.
    """
    problems = []
    for q in flow.questions:
        for c in q.choices:
            if c.floor is None:
                continue
            covered = any(
                rule.level.rank >= c.floor.rank
                and set(rule.when) == {q.slug}
                and c.value in rule.when[q.slug]
                for rule in flow.rules
            )
            if not covered:
                problems.append(
                    f"Answer {q.slug}:{c.value} must lead to at least {c.floor.value!r}, "
                    "but no rule on that answer alone gives that level."
                )
    return problems


def _check_every_sign_has_a_floor(flow: Flow) -> list[str]:
    """On a warning-sign or risk-factor question, every answer but the one plain "No" or
    "None of these" must carry the least care it needs. With `_check_floors`, this proves
    that no warning sign or risk factor, ticked alone or with others, ends below its level."""
    problems = []
    for q in (q for q in flow.questions if q.red_flag):
        without = [c.value for c in q.choices if c.floor is None]
        if len(without) > 1:
            problems.append(
                f"Red-flag question {q.slug!r} has answers with no level of care "
                f"({', '.join(without)}): only its one plain 'No' or 'None of these' may have none."
            )
        for c in q.choices:
            if c.floor is None and q.multiple and not c.exclusive:
                problems.append(
                    f"Answer {q.slug}:{c.value} has no level of care, so it must be the "
                    "'None of these' answer that cannot be ticked with another."
                )
    return problems


# How people say they are not sure: an answer worded so is held to the same rule whatever
# value an editor gave it (the rule must not hang on one spelling of the value).
UNSURE_WORDS = re.compile(r"\b(not sure|unsure|don[\u2019']?t know|do not know)\b", re.IGNORECASE)


def is_unsure(choice: FlowChoice) -> bool:
    return choice.value == "not-sure" or bool(UNSURE_WORDS.search(choice.label))


def _check_unsure_errs_toward_care(flow: Flow) -> list[str]:
    """ "I'm not sure" on a warning-sign question leads to at least the care its most serious
    answer needs, up to the same day (an emergency needs a sure answer, and the reason then
    says to call at once if the sign becomes sure)."""
    problems = []
    for q in (q for q in flow.questions if q.red_flag):
        floors = [c.floor for c in q.choices if c.floor and not is_unsure(c)]
        if not floors:
            continue
        needed = min(max(f.rank for f in floors), Level.URGENT.rank)
        for unsure in (c for c in q.choices if is_unsure(c)):
            if unsure.floor is None or unsure.floor.rank < needed:
                problems.append(
                    f"Answer {q.slug}:{unsure.value} must lead to at least "
                    f"{list(Level)[needed].value!r}: when a person is not sure, the check "
                    "errs toward care."
                )
    return problems


def _complete_paths(flow: Flow) -> Iterable[list[str]]:
    """Every order of questions a person can be asked, from the first to the last."""
    stack: list[list[str]] = [[flow.questions[0].slug]]
    while stack:
        path = stack.pop()
        nexts = _successors(flow, flow.question(path[-1]))  # type: ignore[arg-type]
        if not nexts:
            yield path
        stack.extend([*path, slug] for slug in sorted(nexts))


def _check_self_care_asks_every_sign(flow: Flow) -> list[str]:
    """No one reaches self-care without being asked every warning-sign and risk-factor
    question: the check can only end early through a rule above self-care, and every way
    through the questions asks them all."""
    problems = [
        f"Rule {rule.slug!r} stops the check at self-care: only a rule that raises the level "
        "of care may stop it."
        for rule in flow.rules
        if rule.stop and rule.level == Level.SELF_CARE
    ]
    flags = [q.slug for q in flow.questions if q.red_flag]
    for path in _complete_paths(flow):
        missing = [slug for slug in flags if slug not in path]
        if missing:
            problems.append(
                "A way through the questions reaches the end without asking "
                f"{', '.join(missing)}: every warning sign and risk factor must be asked."
            )
            break
    return problems


def _check_early_stops(flow: Flow) -> list[str]:
    """A check may stop early only if nothing asked later could raise the level higher."""
    problems = []
    for rule in (r for r in flow.rules if r.stop):
        last = max(flow.position(slug) for slug in rule.when)
        later = {q.slug for q in flow.questions[last + 1 :]}
        for other in flow.rules:
            if other.level.rank > rule.level.rank and later & set(other.when):
                problems.append(
                    f"Rule {rule.slug!r} stops the check at {rule.level.value!r}, but rule "
                    f"{other.slug!r} asked later could give {other.level.value!r}: "
                    "ask the more serious signs first."
                )
        for q in flow.questions[last + 1 :]:
            for c in q.choices:
                if c.floor and c.floor.rank > rule.level.rank:
                    problems.append(
                        f"Rule {rule.slug!r} stops the check before {q.slug}:{c.value}, "
                        f"which needs {c.floor.value!r}."
                    )
    return problems


# Test cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    slug: str
    answers: Mapping[str, Sequence[str]]
    expected: Level
    description: str = ""


@dataclass(frozen=True)
class CaseResult:
    case: Case
    got: Level | None  # None: the answers did not finish the check
    pending: str = ""  # the question left unanswered, if any

    @property
    def passed(self) -> bool:
        return self.got == self.case.expected

    def describe(self) -> str:
        if self.got is None:
            return f"{self.case.slug}: the check stopped at unanswered question {self.pending!r}"
        verdict = "ok" if self.passed else "FAILED"
        return f"{self.case.slug}: expected {self.case.expected}, got {self.got} ({verdict})"


def run_cases(flow: Flow, cases: Iterable[Case]) -> list[CaseResult]:
    results = []
    for case in cases:
        result = evaluate(flow, case.answers)
        if isinstance(result, Outcome):
            results.append(CaseResult(case, result.level))
        else:
            results.append(CaseResult(case, None, result.question.slug))
    return results
