"""The triage engine and its checks, on the real flow and on small hand-made ones."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from backcare.triage.engine import (
    Flow,
    FlowChoice,
    FlowDisposition,
    FlowQuestion,
    FlowRule,
    Level,
    Outcome,
    Pending,
    Timing,
    evaluate,
    flow_from_data,
    flow_to_data,
)
from backcare.triage.validation import Case, run_cases, validate

CASES_DIR = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"
CASES = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]
# Each warning sign and risk factor, and the least care it must lead to on its own.
SIGN_LEVELS = {
    ("numbness-or-weakness", "yes"): Level.EMERGENCY,
    ("bladder-bowel-or-saddle", "yes"): Level.EMERGENCY,
    ("chest-pain-or-breathlessness", "yes"): Level.EMERGENCY,
    ("other-signs", "serious-accident"): Level.EMERGENCY,
    ("other-signs", "injury"): Level.URGENT,
    ("other-signs", "fever"): Level.URGENT,
    ("other-signs", "peeing"): Level.URGENT,
    ("other-signs", "tummy-or-side"): Level.URGENT,
    ("other-signs", "rash"): Level.URGENT,
    ("other-signs", "pregnancy-signs"): Level.URGENT,
    ("other-signs", "weight-loss"): Level.URGENT,
    ("other-signs", "worse-lying-still"): Level.URGENT,
    ("other-signs", "wakes-at-night"): Level.GP,
    ("risk-factors", "cancer"): Level.URGENT,
    ("risk-factors", "weak-immune-system"): Level.URGENT,
    ("risk-factors", "steroid-tablets"): Level.URGENT,
    ("risk-factors", "injects-drugs"): Level.URGENT,
    ("risk-factors", "osteoporosis"): Level.GP,
    ("risk-factors", "first-time-young-or-older"): Level.GP,
    ("risk-factors", "morning-stiffness"): Level.GP,
}
RED_FLAG_LEVELS = {
    "numbness-or-weakness": Level.EMERGENCY,
    "bladder-bowel-or-saddle": Level.EMERGENCY,
    "chest-pain-or-breathlessness": Level.EMERGENCY,
    "other-signs": Level.EMERGENCY,
    "risk-factors": Level.URGENT,
}


def no_to(question: FlowQuestion) -> list[str]:
    return ["none"] if question.multiple else ["no"]


def all_no(flow: Flow) -> dict[str, list[str]]:
    """No to every warning sign, and a mild, recent spasm."""
    answers = {q.slug: no_to(q) for q in flow.questions if q.red_flag}
    answers |= {
        "where-it-hurts": ["low-back"],
        "when-started": ["today"],
        "getting-better": ["better"],
        "tried": ["nothing"],
        "what-happened": ["sitting-or-standing"],
        "how-bad": ["mild"],
        "medicine-cautions": ["none"],
    }
    return answers


def outcome(flow: Flow, answers: dict[str, list[str]]) -> Outcome:
    result = evaluate(flow, answers)
    assert isinstance(result, Outcome), f"stopped at {result.question.slug}"
    return result


# The real flow ---------------------------------------------------------------------


def test_the_seeded_flow_passes_the_validator(seeded_flow: Flow) -> None:
    assert validate(seeded_flow) == []


@pytest.mark.parametrize("case", CASES, ids=[c["slug"] for c in CASES])
def test_triage_case(seeded_flow: Flow, case: dict[str, object]) -> None:
    [result] = run_cases(
        seeded_flow,
        [Case(case["slug"], case["answers"], Level(case["expected"]))],  # type: ignore[arg-type]
    )
    assert result.passed, result.describe()


def test_red_flags_are_asked_before_anything_else(seeded_flow: Flow) -> None:
    flags = [q.red_flag for q in seeded_flow.questions]
    assert flags == sorted(flags, reverse=True)
    assert set(RED_FLAG_LEVELS) == {q.slug for q in seeded_flow.questions if q.red_flag}


@pytest.mark.parametrize(("sign", "level"), SIGN_LEVELS.items(), ids=lambda v: str(v))
def test_each_warning_sign_and_risk_factor_leads_to_its_level_of_care(
    seeded_flow: Flow, sign: tuple[str, str], level: Level
) -> None:
    slug, value = sign
    result = outcome(seeded_flow, all_no(seeded_flow) | {slug: [value]})
    assert result.level == level
    assert result.reasons, "the outcome must say why"


def test_every_answer_to_a_warning_sign_question_is_in_the_table(seeded_flow: Flow) -> None:
    answers = {
        (q.slug, c.value)
        for q in seeded_flow.questions
        if q.red_flag
        for c in q.choices
        if c.value not in ("no", "none", "not-sure")
    }
    assert answers == set(SIGN_LEVELS)


@given(data=st.data())
@hypothesis_settings(max_examples=150, deadline=None)
def test_any_mix_of_signs_ends_at_least_at_the_most_serious_one(
    seeded_flow: Flow, data: st.DataObject
) -> None:
    answers = all_no(seeded_flow)
    for slug in ("other-signs", "risk-factors"):
        values = [v for (s, v) in SIGN_LEVELS if s == slug]
        ticked = data.draw(st.lists(st.sampled_from(values), unique=True, max_size=4), slug)
        if ticked:
            answers[slug] = ticked
    answers["what-happened"] = data.draw(
        st.sampled_from([["lifting"], ["small-jolt"], ["sitting-or-standing"], ["dont-know"]])
    )
    result = evaluate(seeded_flow, answers)
    assert isinstance(result, Outcome)
    given_signs = [
        SIGN_LEVELS[(slug, c.value)]
        for slug, chosen in result.answers.items()
        for c in chosen
        if (slug, c.value) in SIGN_LEVELS
    ]
    # A check that stopped early skipped later pages; what it asked decides the floor.
    assert result.level.rank >= max((lv.rank for lv in given_signs), default=0)


@pytest.mark.parametrize("slug", RED_FLAG_LEVELS)
def test_not_sure_about_a_red_flag_still_leads_to_care(seeded_flow: Flow, slug: str) -> None:
    result = outcome(seeded_flow, all_no(seeded_flow) | {slug: ["not-sure"]})
    assert result.reasons
    assert (
        result.level.rank >= min(RED_FLAG_LEVELS[slug], Level.URGENT, key=lambda lv: lv.rank).rank
    )


@pytest.mark.parametrize("slug", [s for s, lv in RED_FLAG_LEVELS.items() if lv == Level.EMERGENCY])
def test_an_emergency_ends_the_check_at_once(seeded_flow: Flow, slug: str) -> None:
    answers = {q.slug: no_to(q) for q in seeded_flow.questions if q.red_flag}
    answers[slug] = ["serious-accident"] if slug == "other-signs" else ["yes"]
    result = outcome(seeded_flow, answers)
    assert result.stopped_early
    assert result.path[-1].slug == slug


def test_no_warning_signs_is_self_care_with_a_reason(seeded_flow: Flow) -> None:
    result = outcome(seeded_flow, all_no(seeded_flow))
    assert result.level == Level.SELF_CARE
    assert result.reasons == ()
    assert not result.stopped_early


def test_every_disposition_can_be_reached(seeded_flow: Flow) -> None:
    reached = {Level(case["expected"]) for case in CASES}
    assert reached == set(Level)


def test_no_better_after_several_days_means_see_a_doctor(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"when-started": ["4-to-7-days"], "getting-better": ["same"]}
    assert outcome(seeded_flow, answers).level == Level.GP
    answers["getting-better"] = ["better"]
    assert outcome(seeded_flow, answers).level == Level.SELF_CARE


def test_weight_loss_with_night_pain_is_urgent(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"other-signs": ["weight-loss", "wakes-at-night"]}
    assert outcome(seeded_flow, answers).level == Level.URGENT


@pytest.mark.parametrize(
    ("trigger", "level"),
    [
        (["small-jolt"], Level.URGENT),
        (["lifting"], Level.URGENT),
        (["dont-know"], Level.URGENT),
        (["something-else"], Level.URGENT),
        (["sitting-or-standing"], Level.GP),
        (["stress"], Level.GP),
    ],
)
def test_thin_bones_with_any_jolt_is_same_day(
    seeded_flow: Flow, trigger: list[str], level: Level
) -> None:
    answers = all_no(seeded_flow) | {"risk-factors": ["osteoporosis"], "what-happened": trigger}
    assert outcome(seeded_flow, answers).level == level


def test_blood_thinners_with_a_bump_is_same_day(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"medicine-cautions": ["blood-thinners"]}
    assert outcome(seeded_flow, answers | {"what-happened": ["lifting"]}).level == Level.SELF_CARE
    bumped = answers | {"what-happened": ["small-jolt"]}
    assert outcome(seeded_flow, bumped).level == Level.URGENT


def test_upper_back_pain_without_a_known_strain_sees_a_doctor(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"where-it-hurts": ["middle-or-upper-back"]}
    assert outcome(seeded_flow, answers | {"what-happened": ["dont-know"]}).level == Level.GP
    assert outcome(seeded_flow, answers | {"what-happened": ["lifting"]}).level == Level.SELF_CARE


def test_chest_pain_says_ambulance_not_car_and_spinal_emergencies_keep_the_choice(
    seeded_flow: Flow,
) -> None:
    chest = outcome(seeded_flow, all_no(seeded_flow) | {"chest-pain-or-breathlessness": ["yes"]})
    assert "ambulance" in chest.instruction_html and "by car" in chest.instruction_html
    assert "emergency department" not in chest.instruction_html
    spinal = outcome(seeded_flow, all_no(seeded_flow) | {"bladder-bowel-or-saddle": ["yes"]})
    assert "emergency department" in spinal.instruction_html
    assert "Do not drive yourself" in spinal.instruction_html


def test_timing_picks_cold_first_then_heat(seeded_flow: Flow) -> None:
    early = outcome(seeded_flow, all_no(seeded_flow) | {"when-started": ["1-to-3-days"]})
    later = outcome(seeded_flow, all_no(seeded_flow) | {"when-started": ["4-to-7-days"]})
    unsure = outcome(seeded_flow, all_no(seeded_flow) | {"when-started": ["not-sure"]})
    assert (early.timing, later.timing, unsure.timing) == (
        Timing.EARLY,
        Timing.LATER,
        Timing.UNKNOWN,
    )


def test_medicine_cautions_turn_off_naming_nsaids(seeded_flow: Flow) -> None:
    assert not outcome(seeded_flow, all_no(seeded_flow)).avoid_nsaids
    for value in ["stomach", "blood-thinners", "pregnant", "kidney-liver-heart", "not-sure"]:
        answers = all_no(seeded_flow) | {"medicine-cautions": [value]}
        assert outcome(seeded_flow, answers).avoid_nsaids, value


def test_triggers_choose_the_prevention_advice(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"what-happened": ["lifting", "stress"]}
    prevention = outcome(seeded_flow, answers).prevention
    assert "lifting-technique" in prevention and "stress-management" in prevention
    assert "hydration-and-diet" not in prevention


def test_the_flow_survives_a_trip_through_json(seeded_flow: Flow) -> None:
    again = flow_from_data(flow_to_data(seeded_flow), version=seeded_flow.version)
    assert again == seeded_flow


# Answers that are missing, malformed or left over ------------------------------------


def test_the_first_unanswered_question_is_next(seeded_flow: Flow) -> None:
    result = evaluate(seeded_flow, {"numbness-or-weakness": ["no"]})
    assert isinstance(result, Pending)
    assert result.question.slug == "bladder-bowel-or-saddle"
    assert [q.slug for q in result.path] == ["numbness-or-weakness"]


@pytest.mark.parametrize(
    "bad",
    [None, [], "no", ["maybe"], ["no", "yes"], ["no", "no"], [1], {"no": 1}],
    ids=["missing", "empty", "not-a-list", "unknown", "two-for-one", "repeated", "number", "dict"],
)
def test_a_malformed_answer_is_asked_again(seeded_flow: Flow, bad: object) -> None:
    result = evaluate(seeded_flow, {"numbness-or-weakness": bad})
    assert isinstance(result, Pending)
    assert result.question.slug == "numbness-or-weakness"


def test_none_of_these_cannot_be_ticked_with_another_answer(seeded_flow: Flow) -> None:
    answers = all_no(seeded_flow) | {"medicine-cautions": ["none", "stomach"]}
    result = evaluate(seeded_flow, answers)
    assert isinstance(result, Pending) and result.question.slug == "medicine-cautions"


def tiny_flow() -> Flow:
    """A question that jumps: a red flag, then a branch, then a last question."""
    yes_no = (FlowChoice("yes", "Yes", floor=Level.URGENT), FlowChoice("no", "No"))
    return Flow(
        version="t",
        questions=(
            FlowQuestion("flag", "Flag?", yes_no, red_flag=True),
            FlowQuestion(
                "branch",
                "Branch?",
                (FlowChoice("skip", "Skip", goto="last"), FlowChoice("ask", "Ask")),
            ),
            FlowQuestion("middle", "Middle?", (FlowChoice("a", "A"), FlowChoice("b", "B"))),
            FlowQuestion("last", "Last?", (FlowChoice("x", "X"), FlowChoice("y", "Y"))),
        ),
        rules=(
            FlowRule("flag", Level.URGENT, "flag", {"flag": frozenset({"yes"})}, stop=True),
            FlowRule("middle-b", Level.GP, "b", {"middle": frozenset({"b"})}),
        ),
        dispositions={
            level: FlowDisposition(
                level, level.value, f"<p>{level}</p>", label=level.value, summary=level.value
            )
            for level in Level
        },
    )


def test_answers_left_on_a_skipped_branch_do_not_count() -> None:
    flow = tiny_flow()
    answers = {"flag": ["no"], "branch": ["skip"], "middle": ["b"], "last": ["x"]}
    result = outcome(flow, answers)
    assert [q.slug for q in result.path] == ["flag", "branch", "last"]
    assert result.level == Level.SELF_CARE
    answers["branch"] = ["ask"]
    assert outcome(flow, answers).level == Level.GP


def test_a_jump_skips_to_its_question() -> None:
    result = evaluate(tiny_flow(), {"flag": ["no"], "branch": ["skip"]})
    assert isinstance(result, Pending) and result.question.slug == "last"


# The validator -----------------------------------------------------------------------


def test_the_tiny_flow_is_valid() -> None:
    assert validate(tiny_flow()) == []


def with_question(flow: Flow, index: int, **changes: object) -> Flow:
    questions = list(flow.questions)
    questions[index] = replace(questions[index], **changes)  # type: ignore[arg-type]
    return replace(flow, questions=tuple(questions))


def test_validator_finds_a_loop() -> None:
    flow = tiny_flow()
    middle = flow.questions[2]
    looping = (FlowChoice("a", "A", goto="branch"), middle.choices[1])
    problems = validate(with_question(flow, 2, choices=looping))
    assert any("loop" in p for p in problems)


def test_validator_finds_an_unreachable_question() -> None:
    flow = tiny_flow()
    always_skip = (FlowChoice("skip", "Skip", goto="last"), FlowChoice("ask", "Ask", goto="last"))
    problems = validate(with_question(flow, 1, choices=always_skip))
    assert "Question 'middle' can never be reached." in problems


def test_validator_finds_a_red_flag_answer_without_its_level() -> None:
    flow = replace(tiny_flow(), rules=tiny_flow().rules[1:])
    problems = validate(flow)
    assert any("flag:yes must lead to at least 'urgent'" in p for p in problems)


def test_validator_finds_a_red_flag_answer_that_leads_too_low() -> None:
    flow = tiny_flow()
    low = FlowRule("flag", Level.GP, "flag", {"flag": frozenset({"yes"})})
    problems = validate(replace(flow, rules=(low, flow.rules[1])))
    assert any("flag:yes must lead to at least 'urgent'" in p for p in problems)


def test_validator_refuses_an_early_stop_before_a_more_serious_question() -> None:
    flow = tiny_flow()
    serious = FlowRule("last-x", Level.EMERGENCY, "x", {"last": frozenset({"x"})})
    problems = validate(replace(flow, rules=(*flow.rules, serious)))
    assert any("ask the more serious signs first" in p for p in problems)


def test_validator_wants_red_flags_first() -> None:
    flow = with_question(tiny_flow(), 3, red_flag=True)
    assert "Every red-flag question must come before the other questions." in validate(flow)


def test_validator_finds_a_rule_that_can_never_apply() -> None:
    flow = tiny_flow()
    dead = FlowRule(
        "dead", Level.GP, "d", {"branch": frozenset({"skip"}), "middle": frozenset({"a"})}
    )
    problems = validate(replace(flow, rules=(*flow.rules, dead)))
    assert any("Rule 'dead' can never apply" in p for p in problems)


def test_validator_finds_missing_dispositions_and_bad_names() -> None:
    flow = tiny_flow()
    broken = replace(flow, dispositions={Level.SELF_CARE: flow.dispositions[Level.SELF_CARE]})
    assert "Disposition 'emergency' is not defined." in validate(broken)
    renamed = with_question(flow, 3, slug="result")
    assert any("kept for the check's own pages" in p for p in validate(renamed))
    unknown = with_question(flow, 1, choices=(FlowChoice("skip", "Skip", goto="nowhere"),) * 1)
    assert any("unknown question 'nowhere'" in p for p in validate(unknown))


def test_a_case_that_does_not_finish_is_reported() -> None:
    [result] = run_cases(tiny_flow(), [Case("short", {"flag": ["no"]}, Level.SELF_CARE)])
    assert not result.passed
    assert "unanswered question 'branch'" in result.describe()


# Any answers at all ------------------------------------------------------------------


@st.composite
def any_answers(draw: st.DrawFn, flow: Flow) -> dict[str, list[str]]:
    answers = {}
    for q in flow.questions:
        if q.multiple:
            exclusive = [c.value for c in q.choices if c.exclusive]
            others = [c.value for c in q.choices if not c.exclusive]
            one_exclusive = (
                st.sampled_from(exclusive).map(lambda v: [v]) if exclusive else st.nothing()
            )
            some = st.lists(st.sampled_from(others), min_size=1, unique=True)
            answers[q.slug] = draw(one_exclusive | some)
        else:
            answers[q.slug] = [draw(st.sampled_from([c.value for c in q.choices]))]
    return answers


@hypothesis_settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_answers_end_in_a_disposition_never_below_a_red_flag(
    seeded_flow: Flow, data: st.DataObject
) -> None:
    answers = data.draw(any_answers(seeded_flow))
    result = evaluate(seeded_flow, answers)
    assert isinstance(result, Outcome)
    assert result.disposition.level in Level
    for q in result.path:
        for choice in result.answers[q.slug]:
            if choice.floor:
                assert result.level.rank >= choice.floor.rank, (q.slug, choice.value)
    if any(q.red_flag and result.answers[q.slug][0].value == "yes" for q in result.path):
        assert result.level != Level.SELF_CARE


def test_a_stopping_rule_cannot_hide_a_more_serious_one_on_the_same_answer() -> None:
    flow = tiny_flow()
    serious = FlowRule("flag-serious", Level.EMERGENCY, "serious", {"flag": frozenset({"yes"})})
    # The urgent stopping rule comes first in order; the emergency one must still count.
    result = outcome(replace(flow, rules=(*flow.rules, serious)), {"flag": ["yes"]})
    assert result.level == Level.EMERGENCY
    assert result.stopped_early


def test_validator_refuses_a_jump_over_a_red_flag() -> None:
    flow = tiny_flow()
    flags = (
        FlowQuestion(
            "flag",
            "Flag?",
            (FlowChoice("yes", "Yes", floor=Level.URGENT), FlowChoice("no", "No", goto="last")),
            red_flag=True,
        ),
        FlowQuestion(
            "second-flag",
            "Another?",
            (FlowChoice("yes", "Yes", floor=Level.GP), FlowChoice("no", "No")),
            red_flag=True,
        ),
    )
    second = FlowRule("second", Level.GP, "s", {"second-flag": frozenset({"yes"})})
    jumping = replace(flow, questions=(*flags, *flow.questions[1:]), rules=(*flow.rules, second))
    problems = validate(jumping)
    expected = "Choice flag:no jumps over red-flag question 'second-flag'"
    assert any(p.startswith(expected) for p in problems)


def test_validator_ties_red_flag_questions_to_their_pages_level() -> None:
    flow = with_question(tiny_flow(), 0, flag_level=Level.EMERGENCY)
    assert any("its red flag page says it needs 'emergency'" in p for p in validate(flow))
    no_floor = with_question(
        tiny_flow(), 0, choices=(FlowChoice("yes", "Yes"), FlowChoice("no", "No"))
    )
    assert "Red-flag question 'flag' has no answer with a level of care." in validate(no_floor)


def test_each_seeded_red_flag_question_reaches_its_pages_level(seeded_flow: Flow) -> None:
    # The two tick-box pages gather several signs, so no single page explains them.
    pages = {slug: lv for slug, lv in RED_FLAG_LEVELS.items() if lv == Level.EMERGENCY}
    pages |= {"other-signs": None, "risk-factors": None}  # type: ignore[dict-item]
    for question in (q for q in seeded_flow.questions if q.red_flag):
        assert question.flag_level == pages[question.slug]


def test_validator_wants_a_level_on_every_warning_sign_answer_but_no() -> None:
    flow = tiny_flow()
    choices = (*flow.questions[0].choices, FlowChoice("cancer", "Cancer"))
    problems = validate(with_question(flow, 0, choices=choices))
    assert any("has answers with no level of care (no, cancer)" in p for p in problems)


def test_validator_wants_an_unticked_risk_factor_to_be_none_of_these() -> None:
    flow = tiny_flow()
    choices = (FlowChoice("yes", "Yes", floor=Level.URGENT), FlowChoice("none", "None of these"))
    problems = validate(with_question(flow, 0, choices=choices, multiple=True))
    assert any("flag:none has no level of care" in p for p in problems)
    exclusive = (choices[0], FlowChoice("none", "None of these", exclusive=True))
    assert validate(with_question(flow, 0, choices=exclusive, multiple=True)) == []


def test_validator_wants_not_sure_to_err_toward_care() -> None:
    flow = tiny_flow()
    choices = (*flow.questions[0].choices, FlowChoice("not-sure", "Not sure", floor=Level.GP))
    extra = FlowRule("flag-unsure", Level.GP, "u", {"flag": frozenset({"not-sure"})})
    changed = replace(with_question(flow, 0, choices=choices), rules=(*flow.rules, extra))
    assert "Answer flag:not-sure must lead to at least 'urgent': when a person is not sure, " \
        "the check errs toward care." in validate(changed)  # fmt: skip


def test_validator_holds_an_answer_worded_not_sure_to_the_rule_whatever_its_value() -> None:
    flow = tiny_flow()
    for value, label in [("unsure", "I'm not sure"), ("dunno", "I don't know"), ("x", "Unsure")]:
        choices = (*flow.questions[0].choices, FlowChoice(value, label, floor=Level.GP))
        extra = FlowRule("flag-unsure", Level.GP, "u", {"flag": frozenset({value})})
        changed = replace(with_question(flow, 0, choices=choices), rules=(*flow.rules, extra))
        assert f"Answer flag:{value} must lead to at least 'urgent': when a person is not " \
            "sure, the check errs toward care." in validate(changed), label  # fmt: skip


def test_validator_refuses_a_rule_that_stops_at_self_care() -> None:
    flow = tiny_flow()
    quiet = FlowRule("quiet", Level.SELF_CARE, "q", {"middle": frozenset({"a"})}, stop=True)
    problems = validate(replace(flow, rules=(*flow.rules, quiet)))
    assert any("Rule 'quiet' stops the check at self-care" in p for p in problems)


def test_validator_refuses_a_way_to_the_end_that_skips_a_warning_sign() -> None:
    flow = tiny_flow()
    # A second red flag, placed last so a jump from the first can pass it by.
    questions = (
        flow.questions[0],
        replace(flow.questions[2], slug="flag2", red_flag=True, choices=flow.questions[0].choices),
        replace(flow.questions[1], choices=(FlowChoice("skip", "Skip"), FlowChoice("ask", "Ask"))),
        flow.questions[3],
    )
    jump = (FlowChoice("yes", "Yes", floor=Level.URGENT), FlowChoice("no", "No", goto="branch"))
    skipping = replace(questions[0], choices=jump)
    rules = (*flow.rules[:1], FlowRule("flag2", Level.URGENT, "f", {"flag2": frozenset({"yes"})}))
    problems = validate(replace(flow, questions=(skipping, *questions[1:]), rules=rules))
    assert any("without asking flag2" in p for p in problems), problems
