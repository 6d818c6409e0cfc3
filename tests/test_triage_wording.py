"""What every outcome says, rendered for every recorded case: reasons that match the answer
given, no sentence said twice, a safety net in sentences, and a plan that fits the person."""

import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory

from backcare.articles.models import ContentItem
from backcare.triage.engine import Flow, Level, Outcome, evaluate
from backcare.triage.plan import Plan, build_plan

CASES_DIR = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"
CASES = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]


pytestmark = pytest.mark.django_db
_loaded: list[tuple[Flow, list[ContentItem]]] = []


@pytest.fixture
def published(db: None) -> tuple[Flow, list[ContentItem]]:
    """The flow and the published pages from content/, as plain objects (loaded once)."""
    from django.db import transaction

    from backcare.articles.models import all_published_pages
    from backcare.contentfiles.loader import load
    from backcare.contentfiles.registry import all_kinds
    from backcare.triage.flows import build_working_flow

    if not _loaded:
        with transaction.atomic():
            load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())
            _loaded.append((build_working_flow(), all_published_pages()))
            transaction.set_rollback(True)
    return _loaded[0]


def outcome_of(flow: Flow, answers: dict[str, list[str]]) -> Outcome:
    result = evaluate(flow, answers)
    assert isinstance(result, Outcome), f"stopped at {result.question.slug}"
    return result


def rendered(plan: Plan) -> tuple[str, str]:
    """The outcome as the page shows it (the #check part), and the plan as text."""
    request = RequestFactory().get("/check/result/")
    text = render_to_string("triage/plan.txt", {"plan": plan}, request)
    context = {
        "outcome": plan.outcome,
        "plan": plan,
        "plan_text": text,
        "fragment": True,
        "title": "t",
        "back_url": "/check/",
        "restart_url": "/check/restart/",
        "clear_url": "/check/clear/",
    }
    return render_to_string("triage/result.html#check", context, request), text


def words(html: str) -> str:
    """The text a person reads on the page (the plan's copy in its text box left out)."""
    html = re.sub(r"<textarea.*?</textarea>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def sentences(text: str) -> list[str]:
    # Short phrases such as "Do it 2 or 3 days a week." may describe two different
    # exercises; a sentence that says something is longer than that. A sentence may end
    # inside brackets or quotes, as in "- Bridge (… Do it 2 or 3 days a week.)".
    ends = r"(?:(?<=[.!?])|(?<=[.!?][)\"”]))\s+"
    return [s.strip() for s in re.split(ends, text) if len(s.strip()) > 30]


def section(html: str, heading_id: str) -> str:
    start = html.find(f'aria-labelledby="{heading_id}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


@pytest.fixture
def every_case(published: tuple[Flow, list[ContentItem]]) -> list[tuple[str, Plan, str, str]]:
    flow, pages = published
    results = []
    for case in CASES:
        plan = build_plan(outcome_of(flow, case["answers"]), pages)
        page, text = rendered(plan)
        results.append((case["slug"], plan, page, text))
    return results


def test_the_cases_reach_every_disposition(every_case: list[tuple[str, Plan, str, str]]) -> None:
    assert {plan.outcome.level for _, plan, _, _ in every_case} == set(Level)


def test_a_reason_says_you_told_us_after_yes_and_may_only_after_not_sure(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    flow, _ = published
    for rule in flow.rules:
        unsure = all(values == {"not-sure"} for values in rule.when.values())
        if unsure:
            assert rule.reason.startswith("You were not sure"), rule.slug
        else:
            assert rule.reason.startswith("You told us"), rule.slug
            assert not re.search(r"\bmay\b", rule.reason), f"{rule.slug}: 'may' after a Yes"


def test_every_rule_names_its_guidance(published: tuple[Flow, list[ContentItem]]) -> None:
    flow, _ = published
    for rule in flow.rules:
        assert re.search(r"NICE|NHS|seed article", rule.source), rule.slug


def test_no_outcome_says_the_same_sentence_twice(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, _, page, text in every_case:
        for shown in (words(page), text):
            repeated = [s for s, n in Counter(sentences(shown)).items() if n > 1]
            assert not repeated, f"{slug}: {repeated}"
        assert "switch to heat after the first few days" not in words(page).replace(
            "Then switch to heat after the first few days", ""
        )


def test_the_safety_net_is_sentences_and_never_repeats_the_reason_given(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        if plan.outcome.level == Level.EMERGENCY:
            continue
        net = section(page, "watch-heading")
        items = [words(li) for li in re.findall(r"<li>(.*?)</li>", net, re.S)]
        assert items, slug
        for item in items:
            assert item.endswith("."), f"{slug}: {item!r}"
            assert item[0].isupper(), f"{slug}: {item!r}"
        for flag in plan.warning_signs:
            assert Level(flag.care_level).rank > plan.outcome.level.rank, slug


def test_what_to_tell_the_doctor_has_nothing_meaningless(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        told = words(section(page, "tell-heading"))
        if plan.shows_clinician_summary:
            assert told, slug
        for meaningless in ("None of these", " No "):
            assert meaningless not in f" {told} ", f"{slug}: {meaningless!r}"


def test_based_on_what_you_were_doing_only_when_they_said(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        if "Based on what you were doing" in page:
            chosen = {c.value for c in plan.outcome.answers.get("what-happened", ())}
            assert chosen - {"dont-know", "something-else"}, slug


# The plan fits the person ----------------------------------------------------------------

SELF_CARE = next(c["answers"] for c in CASES if c["slug"] == "no-warning-signs-self-care")
LOW_BACK_MOVES = ("knee-to-chest-stretch", "pelvic-tilt", "bridge", "plank", "controlled-leg-raise")
NECK_MOVES = ("neck-turns-and-tilts", "shoulder-rolls-and-squeeze")


def plan_for(published: tuple[Flow, list[ContentItem]], **changes: list[str]) -> Plan:
    flow, pages = published
    answers = SELF_CARE | {k.replace("_", "-"): v for k, v in changes.items()}
    return build_plan(outcome_of(flow, answers), pages)


def exercise_slugs(plan: Plan) -> set[str]:
    return {e.slug for e in [*plan.easing_exercises, *plan.strengthening]}


def test_a_neck_gets_neck_moves_and_never_a_low_back_stretch(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    for where in (["neck-and-shoulders"], ["middle-or-upper-back"]):
        plan = plan_for(published, where_it_hurts=where)
        assert exercise_slugs(plan) == set(NECK_MOVES)
        assert "neck-and-upper-back-relief" in {r.slug for r in plan.now}
        page, text = rendered(plan)
        for slug in LOW_BACK_MOVES:
            assert f"/exercises/{slug}/" not in page
        assert "Gentle neck turns and tilts" in text


def test_a_low_back_gets_no_neck_moves_and_both_get_both(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    low = plan_for(published)
    assert not exercise_slugs(low) & set(NECK_MOVES)
    assert "neck-and-upper-back-relief" not in {r.slug for r in low.now}
    both = plan_for(published, where_it_hurts=["low-back", "neck-and-shoulders"])
    assert set(NECK_MOVES) <= exercise_slugs(both)
    assert "knee-to-chest-stretch" in exercise_slugs(both)


def test_pregnancy_changes_the_medicines_positions_exercises_and_safety_net(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, medicine_cautions=["pregnant"])
    assert plan.pregnancy is not None and plan.pregnancy in plan.now
    assert not exercise_slugs(plan) & set(LOW_BACK_MOVES)
    page, text = rendered(plan)
    assert "because you told us: “I am pregnant, or I might be”" in words(page)
    net = words(section(page, "watch-heading"))
    assert "Because you told us you may be pregnant" in net and "midwife" in net
    assert "midwife" in text


def test_a_pain_relief_caution_says_why_and_what_to_avoid(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, medicine_cautions=["stomach", "asthma"])
    shown = words(rendered(plan)[0])
    assert "Ask a pharmacist" in shown
    assert (
        "you told us: “A stomach ulcer or bleeding from the stomach, now or in the past”, “Asthma”"
        in shown
    )
    assert "Do not take anti-inflammatory painkillers, such as ibuprofen" in shown
    # Only ever named as something to avoid.
    assert shown.lower().count("ibuprofen") == 1


def test_what_they_tried_is_acknowledged(published: tuple[Flow, list[ContentItem]]) -> None:
    plan = plan_for(published, tried=["cold", "movement"])
    page, _ = rendered(plan)
    assert "You told us you have tried this (“A cold pack or ice”)" in words(page)
    assert "You told us you have tried this (“Gentle movement or stretches”)" in words(page)
    assert "You told us you have tried this" not in words(rendered(plan_for(published))[0])


def test_exercise_or_heat_with_little_to_drink_means_drink_water_now_and_the_minerals(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, what_happened=["exercise-or-heat"])
    now = words(section(rendered(plan)[0], "now-heading"))
    assert now.index("Drink some water now") < now.index("Find a comfortable position")
    for mineral, food in (("potassium", "bananas"), ("magnesium", "nuts"), ("calcium", "milk")):
        assert mineral in now and food in now
    assert "Drink some water now" not in words(rendered(plan_for(published))[0])


def test_chest_pain_tells_them_to_call_an_ambulance_not_to_go_by_car(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, chest_pain_or_breathlessness=["yes"])
    page, text = rendered(plan)
    assert "ask for an ambulance" in words(page) and "Do not go to hospital by car" in words(page)
    assert "go straight to the nearest emergency department" not in words(page)
    assert "Do not go to hospital by car" in text
    spinal = words(rendered(plan_for(published, bladder_bowel_or_saddle=["yes"]))[0])
    assert "go straight to the nearest emergency department" in spinal
    assert "Do not drive yourself" in spinal
