"""A plan worth keeping: on screen, printed and as text it stands on its own (date, site,
full links, each exercise's steps and when to stop) and says how to keep it."""

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.formats import date_format

from backcare.articles.models import Exercise, all_published_pages
from backcare.contentfiles.loader import LoadReport
from backcare.triage.engine import Outcome, evaluate
from backcare.triage.flows import published_flow
from backcare.triage.plan import build_plan
from backcare.triage.views import plan_texts

from .test_triage_views import RED_FLAGS, SELF_CARE, result_page, with_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(client: Client, content: LoadReport) -> Client:
    assert client.post("/check/").status_code == 303
    return client


def today() -> str:
    return date_format(timezone.localdate(), "j F Y")


def test_an_exercise_knows_its_numbered_steps(content: LoadReport) -> None:
    bridge = Exercise.objects.get(slug="bridge").published_version()
    assert bridge.steps[0].startswith("Lie on your back with your knees bent.")
    assert bridge.steps[-1] == "Slowly lower your hips back down."
    assert len(bridge.steps) == 6  # the tips below the steps are not steps


def test_an_exercise_without_a_steps_heading_has_no_steps() -> None:
    assert Exercise(body="## Tips\n\n1. Not a step.").steps == []


def test_the_plan_page_carries_the_date_the_site_and_full_links(started: Client) -> None:
    page = result_page(started, SELF_CARE)
    assert f"made on {today()}" in page
    assert 'Your plan from backcare (<a href="http://testserver/">http://testserver</a>)' in page
    assert 'href="http://testserver/relief/cold-therapy/"' in page
    plan = page[page.index('id="check"') :]
    assert 'href="/relief/' not in plan  # no bare paths in what may be printed


def test_the_plan_page_shows_each_exercises_steps_and_when_to_stop(started: Client) -> None:
    page = result_page(started, SELF_CARE)
    tilt = Exercise.objects.get(slug="pelvic-tilt").published_version()
    for step in tilt.steps:
        assert step in page
    assert f"<strong>When to stop:</strong> {tilt.stop_if}" in page


def test_the_plan_says_when_answers_are_deleted_and_how_to_keep_it(started: Client) -> None:
    page = result_page(started, SELF_CARE)
    assert "Your answers are deleted 1 hour after your last answer" in page
    assert "print it, download it, or share it before then" in page
    # Without JavaScript the download link and the text to copy are there; the buttons
    # that need a script start hidden.
    assert 'href="/check/result/plan.txt" download' in page
    assert 'class="button-secondary share-button"' in page and "hidden>Share this plan" in page


def test_the_text_plan_stands_on_its_own(started: Client) -> None:
    result_page(started, SELF_CARE)
    text = started.get("/check/result/plan.txt").content.decode()
    assert text.startswith("BACKCARE: YOUR BACK PAIN PLAN\nhttp://testserver/\n")
    assert f"Made on {today()}." in text
    assert "  http://testserver/relief/cold-therapy/" in text
    tilt = Exercise.objects.get(slug="pelvic-tilt").published_version()
    assert f"- Pelvic tilt ({tilt.repetitions})" in text
    for number, step in enumerate(tilt.steps, start=1):
        assert f"  {number}. {step}" in text
    assert f"  When to stop: {tilt.stop_if}" in text
    assert "deletes your answers 1 hour after your last answer" in text
    assert "Call NHS 111. In an emergency, call 999." in text
    assert "(/" not in text  # no bare paths


def test_the_plan_uses_the_public_address_when_one_is_set(started: Client, settings: Any) -> None:
    settings.BACKCARE_SITE_URL = "https://backcare.example.org"
    page = result_page(started, SELF_CARE)
    assert 'href="https://backcare.example.org/relief/cold-therapy/"' in page
    text = started.get("/check/result/plan.txt").content.decode()
    assert "https://backcare.example.org/exercises/pelvic-tilt/" in text


@pytest.mark.parametrize("kind", ["self-care", "gp", "urgent", "emergency"])
def test_the_plans_three_parts_make_the_whole_plan_text(started: Client, kind: str) -> None:
    """The page makes the download and the kept copy from three parts of plan.txt: put
    back together they must be exactly the template rendered whole."""
    answers = {
        "self-care": SELF_CARE,
        "gp": with_answers(when_started=["4-to-7-days"], getting_better=["same"]),
        "urgent": [*SELF_CARE[:3], ("other-signs", ["fever"])],
        "emergency": [(RED_FLAGS[0], ["yes"])],
    }[kind]
    flow = published_flow()
    assert flow is not None
    outcome = evaluate(flow, dict(answers))
    assert isinstance(outcome, Outcome)
    plan = build_plan(outcome, all_published_pages())
    request = RequestFactory().get("/check/result/")
    whole, kept = plan_texts(request, plan)
    # (The file ends with a line break of its own, after the last part.)
    assert whole + "\n" == render_to_string("triage/plan.txt", {"plan": plan}, request)
    assert whole.startswith("BACKCARE: YOUR BACK PAIN PLAN\n")
    assert whole.rstrip().endswith("This copy is yours to keep.")
    assert "What to tell the doctor" not in kept
    if kind == "emergency":
        assert kept == whole and "Get help if things change" not in whole
        return
    assert ("What to tell the doctor:" in whole) == (kind in {"gp", "urgent"})
    assert "Get help if things change:" in kept
    assert kept.rstrip().endswith("This copy is yours to keep.")
