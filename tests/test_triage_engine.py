"""The triage engine and its checks, on the real flow and on small hand-made ones."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from backcare.triage.checks import Case, run_cases, validate
from backcare.triage.engine import (
    Choice,
    Disposition,
    Flow,
    Level,
    Outcome,
    Pending,
    Question,
    Rule,
    Timing,
    evaluate,
    flow_from_data,
    flow_to_data,
)

CASES_DIR = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"
CASES = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]
RED_FLAG_LEVELS = {
    "numbness-or-weakness": Level.EMERGENCY,
    "bladder-bowel-or-saddle": Level.EMERGENCY,
    "chest-pain-or-breathlessness": Level.EMERGENCY,
    "fall-or-injury": Level.URGENT,
    "fever": Level.URGENT,
    "weight-loss": Level.GP,
    "night-pain": Level.GP,
}


def all_no(flow: Flow) -> dict[str, list[str]]:
    """No to every warning sign, and a mild, recent spasm."""
    answers = {q.slug: ["no"] for q in flow.questions if q.red_flag}
    answers |= {
        "when-started": ["today"],
        "getting-better": ["better"],
        "tried": ["nothing"],
        "what-happened": ["dont-know"],
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


@pytest.mark.parametrize(("slug", "level"), RED_FLAG_LEVELS.items())
def test_each_red_flag_leads_to_its_level_of_care(
    seeded_flow: Flow, slug: str, level: Level
) -> None:
    result = outcome(seeded_flow, all_no(seeded_flow) | {slug: ["yes"]})
    assert result.level == level
    assert result.reasons, "the outcome must say why"


@pytest.mark.parametrize("slug", RED_FLAG_LEVELS)
def test_not_sure_about_a_red_flag_still_leads_to_care(seeded_flow: Flow, slug: str) -> None:
    result = outcome(seeded_flow, all_no(seeded_flow) | {slug: ["not-sure"]})
    assert (
        result.level.rank >= min(RED_FLAG_LEVELS[slug], Level.URGENT, key=lambda lv: lv.rank).rank
    )


@pytest.mark.parametrize("slug", [s for s, lv in RED_FLAG_LEVELS.items() if lv == Level.EMERGENCY])
def test_an_emergency_ends_the_check_at_once(seeded_flow: Flow, slug: str) -> None:
    answers = {q.slug: ["no"] for q in seeded_flow.questions if q.red_flag}
    answers[slug] = ["yes"]
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
    answers = all_no(seeded_flow) | {"weight-loss": ["yes"], "night-pain": ["yes"]}
    assert outcome(seeded_flow, answers).level == Level.URGENT


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
    yes_no = (Choice("yes", "Yes", floor=Level.URGENT), Choice("no", "No"))
    return Flow(
        version="t",
        questions=(
            Question("flag", "Flag?", yes_no, red_flag=True),
            Question(
                "branch",
                "Branch?",
                (Choice("skip", "Skip", goto="last"), Choice("ask", "Ask")),
            ),
            Question("middle", "Middle?", (Choice("a", "A"), Choice("b", "B"))),
            Question("last", "Last?", (Choice("x", "X"), Choice("y", "Y"))),
        ),
        rules=(
            Rule("flag", Level.URGENT, "flag", {"flag": frozenset({"yes"})}, stop=True),
            Rule("middle-b", Level.GP, "b", {"middle": frozenset({"b"})}),
        ),
        dispositions={level: Disposition(level, level.value, "") for level in Level},
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
    looping = (Choice("a", "A", goto="branch"), middle.choices[1])
    problems = validate(with_question(flow, 2, choices=looping))
    assert any("loop" in p for p in problems)


def test_validator_finds_an_unreachable_question() -> None:
    flow = tiny_flow()
    always_skip = (Choice("skip", "Skip", goto="last"), Choice("ask", "Ask", goto="last"))
    problems = validate(with_question(flow, 1, choices=always_skip))
    assert "Question 'middle' can never be reached." in problems


def test_validator_finds_a_red_flag_answer_without_its_level() -> None:
    flow = replace(tiny_flow(), rules=tiny_flow().rules[1:])
    problems = validate(flow)
    assert any("flag:yes must lead to at least 'urgent'" in p for p in problems)


def test_validator_finds_a_red_flag_answer_that_leads_too_low() -> None:
    flow = tiny_flow()
    low = Rule("flag", Level.GP, "flag", {"flag": frozenset({"yes"})})
    problems = validate(replace(flow, rules=(low, flow.rules[1])))
    assert any("flag:yes must lead to at least 'urgent'" in p for p in problems)


def test_validator_refuses_an_early_stop_before_a_more_serious_question() -> None:
    flow = tiny_flow()
    serious = Rule("last-x", Level.EMERGENCY, "x", {"last": frozenset({"x"})})
    problems = validate(replace(flow, rules=(*flow.rules, serious)))
    assert any("ask the more serious signs first" in p for p in problems)


def test_validator_wants_red_flags_first() -> None:
    flow = with_question(tiny_flow(), 3, red_flag=True)
    assert "Every red-flag question must come before the other questions." in validate(flow)


def test_validator_finds_a_rule_that_can_never_apply() -> None:
    flow = tiny_flow()
    dead = Rule("dead", Level.GP, "d", {"branch": frozenset({"skip"}), "middle": frozenset({"a"})})
    problems = validate(replace(flow, rules=(*flow.rules, dead)))
    assert any("Rule 'dead' can never apply" in p for p in problems)


def test_validator_finds_missing_dispositions_and_bad_names() -> None:
    flow = tiny_flow()
    broken = replace(flow, dispositions={Level.SELF_CARE: flow.dispositions[Level.SELF_CARE]})
    assert "Disposition 'emergency' is not defined." in validate(broken)
    renamed = with_question(flow, 3, slug="result")
    assert any("kept for the check's own pages" in p for p in validate(renamed))
    unknown = with_question(flow, 1, choices=(Choice("skip", "Skip", goto="nowhere"),) * 1)
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
    serious = Rule("flag-serious", Level.EMERGENCY, "serious", {"flag": frozenset({"yes"})})
    # The urgent stopping rule comes first in order; the emergency one must still count.
    result = outcome(replace(flow, rules=(*flow.rules, serious)), {"flag": ["yes"]})
    assert result.level == Level.EMERGENCY
    assert result.stopped_early


def test_validator_refuses_a_jump_over_a_red_flag() -> None:
    flow = tiny_flow()
    flags = (
        Question(
            "flag",
            "Flag?",
            (Choice("yes", "Yes", floor=Level.URGENT), Choice("no", "No", goto="last")),
            red_flag=True,
        ),
        Question(
            "second-flag",
            "Another?",
            (Choice("yes", "Yes", floor=Level.GP), Choice("no", "No")),
            red_flag=True,
        ),
    )
    second = Rule("second", Level.GP, "s", {"second-flag": frozenset({"yes"})})
    jumping = replace(flow, questions=(*flags, *flow.questions[1:]), rules=(*flow.rules, second))
    problems = validate(jumping)
    expected = "Choice flag:no jumps over red-flag question 'second-flag'"
    assert any(p.startswith(expected) for p in problems)


def test_validator_ties_red_flag_questions_to_their_pages_level() -> None:
    flow = with_question(tiny_flow(), 0, flag_level=Level.EMERGENCY)
    assert any("its red flag page says it needs 'emergency'" in p for p in validate(flow))
    no_floor = with_question(tiny_flow(), 0, choices=(Choice("yes", "Yes"), Choice("no", "No")))
    assert "Red-flag question 'flag' has no answer with a level of care." in validate(no_floor)


def test_each_seeded_red_flag_question_reaches_its_pages_level(seeded_flow: Flow) -> None:
    for question in (q for q in seeded_flow.questions if q.red_flag):
        assert question.flag_level == RED_FLAG_LEVELS[question.slug]
