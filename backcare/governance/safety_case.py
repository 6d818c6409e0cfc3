"""The clinical safety case, built from the published symptom checker flow.

Everything in it is read from the published flow version, the red flag pages a clinical
reviewer signed off, the triage test cases and the flow's publishing history, so it
cannot drift from what the public is served: it is never kept by hand. The only fixed
text is what the validator proves (tied to the checks by a test) and what the checker
does not cover.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from backcare.articles.models import RedFlag
from backcare.core.placeholders import fill
from backcare.triage import engine, validation
from backcare.triage.flows import working_cases
from backcare.triage.models import FlowReviewRequest, FlowVersion

# What each of the validator's checks proves about every flow it lets through. A test
# holds this list equal to the checks in triage/validation.py, so a new check must be named.
PROVEN: dict[str, str] = {
    "_check_dispositions": "All four outcomes (emergency, urgent, see a doctor, self-care) "
    "are defined.",
    "_check_questions": "No question appears twice, each has at least two answers with "
    "different values, and a jump goes only to a question that exists.",
    "_check_jumps_and_reach": "No jump goes backwards, so the check cannot loop, and every "
    "question can be reached.",
    "_check_rules": "Every rule has conditions, and names only questions and answers that exist.",
    "_check_rules_can_apply": "Every rule can apply: its questions can all be on one path.",
    "_check_red_flags_first": "Every warning-sign question is asked before any other "
    "question, on every path; no answer jumps over one.",
    "_check_red_flag_levels": "Every warning-sign question has an answer that leads to at "
    "least the level of care its red flag page says it needs.",
    "_check_floors": "Every answer with a safety floor sets off, on its own, a rule at that "
    "level or above; rules only raise the level, so whatever else is answered, that answer "
    "never ends lower.",
    "_check_every_sign_has_a_floor": "On every warning-sign and risk-factor question, every "
    "answer but the one plain “No” or “None of these” carries the least care it needs, and on "
    "a tick-box question “None of these” cannot be ticked with another answer. So no sign or "
    "risk factor, ticked alone or with others, ends below its level.",
    "_check_unsure_errs_toward_care": "“I'm not sure” (any answer worded “not sure”, "
    "“unsure” or “don't know”) on a warning-sign or risk-factor question leads to at least "
    "the care its most serious answer needs, up to the same day: when a person is not sure, "
    "the check errs toward care.",
    "_check_early_stops": "A rule may end the check early only when nothing asked later "
    "could lead to a more urgent outcome.",
    "_check_self_care_asks_every_sign": "No one reaches self-care without being asked every "
    "warning-sign and risk-factor question: only a rule above self-care may end the check "
    "early, and every way through the questions asks them all.",
}

NOT_COVERED = [
    "It does not diagnose. It gives a level of care and general advice, never the cause "
    "of someone's pain.",
    "It asks only the questions listed above. A sign or risk it does not ask about is not "
    "screened for; the outcome pages tell people to get help if things change.",
    "It believes the answers it is given. A person who cannot answer (confused, a child, "
    "someone answering for another) may get advice that does not fit them.",
    "It is written for adults with a back muscle spasm, not for other kinds of back or "
    "body pain, and not for children.",
    "It does not check medicines, allergies or other illnesses beyond the questions "
    "asked; it tells people to ask a pharmacist before taking pain relief.",
    "It cannot call for help: for an emergency it tells the person to call {emergency}.",
    "The validator proves properties of the flow's structure; it does not prove the "
    "clinical wording right. The test cases show chosen answers give the expected level; "
    "they are examples, not every possible set of answers.",
]


@dataclass
class Proof:
    slug: str
    description: str
    expected: str
    got: str  # the published flow's outcome, or "unfinished at <question>"

    @property
    def passes(self) -> bool:
        return self.got == self.expected


@dataclass
class Hazard:
    question: engine.FlowQuestion
    kind: str  # "warning sign" or "risk factor"
    harm: str
    raising: list[tuple[engine.FlowChoice, str]]  # answers that raise care, and how far
    rules: list[engine.FlowRule]
    proofs: list[Proof]
    page: RedFlag | None
    # On a tick-box question ("Do you have any of these?") each ticked sign is its own
    # hazard, with its own rules, cases and page.
    choice: engine.FlowChoice | None = None

    @property
    def name(self) -> str:
        if self.page is not None:
            return self.page.title
        if self.choice is not None:
            return self.choice.label
        return self.question.slug.replace("-", " ").capitalize()


@dataclass
class VersionRow:
    version: FlowVersion
    reviewer: str
    requested_by: str
    changes: list[str]


@dataclass
class SafetyCaseData:
    version: FlowVersion
    flow: engine.Flow
    generated: datetime
    hazards: list[Hazard]
    proofs: list[Proof]
    history: list[VersionRow]
    problems: list[str] = field(default_factory=list)

    @property
    def reviewer(self) -> str:
        return person(self.version.published_by)


def person(user: object | None) -> str:
    if user is None:
        return "load_content (no reviewer recorded)"
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "get_username", lambda: str(user))())


def fired_rules(flow: engine.Flow, outcome: engine.Outcome) -> set[str]:
    answers = {slug: [c.value for c in chosen] for slug, chosen in outcome.answers.items()}
    return {rule.slug for rule in flow.rules if rule.applies(answers)}


def red_flag_for(question: engine.FlowQuestion) -> RedFlag | None:
    if not question.info_url:
        return None
    try:
        match = resolve(question.info_url)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    return RedFlag.objects.published().filter(slug=slug).first() if slug else None


def harm_if_missed(page: RedFlag | None) -> str:
    """The "Why it matters" part of the red flag page a reviewer signed off."""
    if page is None:
        return ""
    body = page.published_version().body
    found = re.search(r"^## Why it matters\s*\n(.*?)(?=^## |\Z)", body, re.M | re.S)
    text = found.group(1) if found else page.published_version().summary
    return " ".join(text.split())


def red_flag_named(*slugs: str) -> RedFlag | None:
    """The published red flag page for a ticked sign, if one is named like its answer or rule."""
    pages = {p.slug: p for p in RedFlag.objects.published().filter(slug__in=slugs)}
    return next((pages[s] for s in slugs if s in pages), None)


def raising_answers(
    question: engine.FlowQuestion, rules: list[engine.FlowRule]
) -> list[tuple[engine.FlowChoice, str]]:
    """The answers that raise the level of care, each with the highest level it leads to."""
    raising: dict[str, tuple[engine.FlowChoice, engine.Level]] = {}
    for choice in question.choices:
        if choice.floor:
            raising[choice.value] = (choice, choice.floor)
    # Only a rule on this question alone: a rule that needs another answer too (thin bones
    # and a jolt) does not make this answer, by itself, lead to its level.
    for rule in (r for r in rules if len(r.when) == 1):
        for value in rule.when[question.slug]:
            answer = question.choice(value)
            if answer is None:
                continue
            known = raising.get(value)
            if known is None or rule.level.rank > known[1].rank:
                raising[value] = (answer, rule.level)
    order = [c.value for c in question.choices]
    return [
        (c, lv.value) for c, lv in sorted(raising.values(), key=lambda x: order.index(x[0].value))
    ]


def hazard(
    question: engine.FlowQuestion,
    raising: list[tuple[engine.FlowChoice, str]],
    rules: list[engine.FlowRule],
    page: RedFlag | None,
    proofs: list[Proof],
    fired: dict[str, set[str]],
    choice: engine.FlowChoice | None = None,
) -> Hazard:
    slugs = {r.slug for r in rules}
    harm = harm_if_missed(page)
    if not harm and choice is not None:
        # A ticked sign with no page of its own: the reason its rules give, which a
        # reviewer signed off with the flow, says what could be missed.
        harm = " ".join(dict.fromkeys(fill(r.reason) for r in rules))
    return Hazard(
        question=question,
        kind="warning sign" if question.red_flag else "risk factor",
        harm=harm,
        raising=raising,
        rules=rules,
        proofs=[p for p in proofs if p.passes and fired[p.slug] & slugs],
        page=page,
        choice=choice,
    )


def build(version: FlowVersion | None = None) -> SafetyCaseData | None:
    version = version or FlowVersion.objects.select_related("published_by").first()
    if version is None:
        return None
    flow = engine.flow_from_data(version.data, version=str(version.pk), checksum=version.checksum)
    proofs: list[Proof] = []
    fired: dict[str, set[str]] = {}
    for case in working_cases():
        result = engine.evaluate(flow, case.answers)
        if isinstance(result, engine.Outcome):
            got = result.level.value
            fired[case.slug] = fired_rules(flow, result)
        else:
            got = f"unfinished at {result.question.slug}"
            fired[case.slug] = set()
        proofs.append(Proof(case.slug, case.description, case.expected.value, got))

    hazards: list[Hazard] = []
    for question in flow.questions:
        rules = [
            r for r in flow.rules if question.slug in r.when and r.level != engine.Level.SELF_CARE
        ]
        raising = raising_answers(question, rules)
        if not (question.red_flag or raising or rules):
            continue
        page = red_flag_for(question)
        if question.multiple and page is None and raising:
            for choice, level in raising:
                on_it = [r for r in rules if choice.value in r.when[question.slug]]
                own = red_flag_named(choice.value, *(r.slug for r in on_it))
                hazards.append(
                    hazard(question, [(choice, level)], on_it, own, proofs, fired, choice)
                )
        else:
            hazards.append(hazard(question, raising, rules, page, proofs, fired))
    return SafetyCaseData(
        version=version,
        flow=flow,
        generated=timezone.localtime(),
        hazards=hazards,
        proofs=proofs,
        history=history(),
        problems=validation.validate(flow),
    )


def history() -> list[VersionRow]:
    versions = list(FlowVersion.objects.select_related("published_by").order_by("pk"))
    requests = list(FlowReviewRequest.objects.select_related("requested_by").order_by("pk"))
    rows = []
    previous: FlowVersion | None = None
    for version in versions:
        asked = [r for r in requests if r.checksum == version.checksum]
        rows.append(
            VersionRow(
                version=version,
                reviewer=person(version.published_by),
                requested_by=", ".join(person(r.requested_by) for r in asked),
                changes=changes(previous, version),
            )
        )
        previous = version
    return rows[::-1]


def changes(before: FlowVersion | None, after: FlowVersion) -> list[str]:
    if before is None:
        return ["First published version."]

    def parts(version: FlowVersion) -> dict[str, dict[str, object]]:
        return {
            **{f"question {q['slug']}": q for q in version.data["questions"]},
            **{f"rule {r['slug']}": r for r in version.data["rules"]},
            **{f"outcome {k}": v for k, v in version.data["dispositions"].items()},
        }

    old, new = parts(before), parts(after)
    found = [f"Added {name}." for name in new if name not in old]
    found += [f"Removed {name}." for name in old if name not in new]
    found += [f"Changed {name}." for name in new if name in old and new[name] != old[name]]
    return found or ["No change to questions, rules or outcomes."]


# As Markdown -------------------------------------------------------------------------


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(case: SafetyCaseData) -> str:
    v = case.version
    site = settings.BACKCARE_SITE_NAME
    lines = [
        f"# Clinical safety case: the {site} symptom checker, flow version {v.pk}",
        "",
        f"Generated {case.generated:%d %B %Y, %H:%M} from published flow version {v.pk} "
        f"(checksum `{v.checksum[:12]}`), published {timezone.localtime(v.created_at):%d %B %Y} "
        f"by {case.reviewer}. It is generated from the flow, never edited by hand: "
        "`manage.py safety_case` or the admin's Clinical safety case page makes it again.",
        "",
        f"The flow asks {len(case.flow.questions)} questions and has {len(case.flow.rules)} "
        f"rules, proved by {len(case.proofs)} test cases. It controls {len(case.hazards)} "
        "hazards: each is a sign or risk that, if missed, could leave someone with less care "
        "than they need.",
        "",
    ]
    if case.problems:
        lines += ["**The validator finds problems in this published flow:**", ""]
        lines += [f"- {cell(p)}" for p in case.problems] + [""]
    failing = [p for p in case.proofs if not p.passes]
    if failing:
        lines += ["**Test cases that fail against the published flow:**", ""]
        lines += [f"- `{p.slug}`: expected {p.expected}, got {p.got}" for p in failing] + [""]

    lines += ["## Hazards the flow controls", ""]
    for number, hazard in enumerate(case.hazards, 1):
        q = hazard.question
        lines += [f"### H{number}. {cell(hazard.name)}", ""]
        answer = f", answer `{hazard.choice.value}`" if hazard.choice else ""
        lines.append(f"- **Kind:** {hazard.kind} (question `{q.slug}`{answer})")
        lines.append(
            f"- **Harm if missed:** {cell(hazard.harm)}"
            if hazard.harm
            else "- **Harm if missed:** not written: no red flag page explains this sign."
        )
        lines.append(f"- **Question asked:** {cell(q.text)}")
        raising = "; ".join(f"“{cell(c.label)}” leads to at least {lv}" for c, lv in hazard.raising)
        lines.append(f"- **Answers that raise the level of care:** {raising or 'none'}")
        for rule in hazard.rules:
            stop = ", ends the check at once" if rule.stop else ""
            lines.append(
                f"- **Rule `{rule.slug}`:** {rule.level.value}{stop}. Reason shown: "
                f"{cell(fill(rule.reason))}"
            )
        if not hazard.rules:
            lines.append("- **Rule:** none on this question alone.")
        proofs = ", ".join(f"`{p.slug}` ({p.expected}, passes)" for p in hazard.proofs)
        lines.append(f"- **Test cases proving it:** {proofs or 'NONE: add a test case.'}")
        if hazard.page is not None:
            page = hazard.page
            lines.append(
                f"- **Signed off:** red flag page “{cell(page.title)}” reviewed by "
                f"{page.reviewed_by or 'no reviewer recorded'} on {page.last_reviewed:%d %B %Y} "
                f"(next review due {page.next_review_due:%d %B %Y}); flow published by "
                f"{case.reviewer} on {timezone.localtime(v.created_at):%d %B %Y}."
            )
        else:
            lines.append(
                f"- **Signed off:** flow published by {case.reviewer} on "
                f"{timezone.localtime(v.created_at):%d %B %Y}; no red flag page is linked."
            )
        lines.append("")

    lines += [
        "## Every rule",
        "",
        "| Rule | Level | Ends the check | Applies when |",
        "| --- | --- | --- | --- |",
    ]
    for rule in case.flow.rules:
        when = "; ".join(f"{q}: {', '.join(sorted(vals))}" for q, vals in rule.when.items())
        stops = "yes" if rule.stop else "no"
        lines.append(f"| `{rule.slug}` | {rule.level.value} | {stops} | {cell(when)} |")
    lines += [
        "",
        "## Every test case, against the published flow",
        "",
        "| Case | What it tests | Expected | Published flow gives |",
        "| --- | --- | --- | --- |",
    ]
    for p in case.proofs:
        verdict = "passes" if p.passes else "FAILS"
        lines.append(f"| `{p.slug}` | {cell(p.description)} | {p.expected} | {p.got} ({verdict}) |")
    lines += ["", "## What the validator proves of every published flow", ""]
    lines.append(
        "A flow cannot be published unless the validator finds no problem and every test "
        "case passes. So every published flow has these properties:"
    )
    lines.append("")
    lines += [f"- {text}" for text in PROVEN.values()]
    lines += ["", "## What the checker does not cover", ""]
    lines += [f"- {t.format(emergency=settings.BACKCARE_EMERGENCY_NUMBER)}" for t in NOT_COVERED]
    lines += [
        "",
        "## Version history",
        "",
        "| Version | Published | Published by | Review asked by | Changes |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in case.history:
        when = f"{timezone.localtime(row.version.created_at):%d %B %Y, %H:%M}"
        lines.append(
            f"| {row.version.pk} | {when} | {cell(row.reviewer)} | "
            f"{cell(row.requested_by) or '-'} | {cell(' '.join(row.changes))} |"
        )
    lines.append("")
    return "\n".join(lines)
