"""The symptom checker's pages, as plain requests and as htmx requests."""

import logging
import re
import secrets
from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backcare.contentfiles.loader import LoadReport
from backcare.triage.flows import publish_working_flow, published_flow
from backcare.triage.models import Question
from backcare.triage.state import SESSION_KEY

pytestmark = pytest.mark.django_db

RED_FLAGS = [
    "numbness-or-weakness",
    "bladder-bowel-or-saddle",
    "chest-pain-or-breathlessness",
    "other-signs",
    "risk-factors",
]
SELF_CARE = [(slug, ["no"]) for slug in RED_FLAGS[:3]] + [
    ("other-signs", ["none"]),
    ("risk-factors", ["none"]),
    ("where-it-hurts", ["low-back"]),
    ("when-started", ["today"]),
    ("getting-better", ["better"]),
    ("tried", ["cold", "rest"]),
    ("what-happened", ["lifting"]),
    ("how-bad", ["moderate"]),
    ("medicine-cautions", ["none"]),
]
STEPS = [slug for slug, _ in SELF_CARE]


@pytest.fixture
def started(client: Client, content: LoadReport) -> Client:
    response = client.post("/check/")
    assert response.status_code == 303
    return client


def answer(client: Client, slug: str, values: list[str], **headers: str) -> str:
    response = client.post(f"/check/{slug}/", {"answer": values}, headers=headers)
    assert response.status_code in (200, 303), response.content.decode()[:500]
    return response.get("Location") or response.get("HX-Redirect", "")


def answer_all(client: Client, answers: list[tuple[str, list[str]]]) -> str:
    location = ""
    for slug, values in answers:
        location = answer(client, slug, values)
    return location


def html(client: Client, url: str, **headers: str) -> str:
    return client.get(url, headers=headers).content.decode()


# The start page ------------------------------------------------------------------------


def test_start_page_says_what_it_does_and_when_to_call_now(
    client: Client, content: LoadReport
) -> None:
    page = html(client, "/check/")
    assert "Call 999 now if you have back pain and any of these:" in page
    assert "does not diagnose" in page
    assert "Clear my answers" in page or "private" in page
    assert page.index("Call 999 now") < page.index("Start now")
    assert "12 questions" in page


def test_the_start_pages_emergency_signs_come_from_the_red_flag_pages(
    client: Client, content: LoadReport
) -> None:
    from backcare.articles.models import RedFlag

    page = html(client, "/check/")
    emergency = RedFlag.objects.published().filter(care_level="emergency")
    assert emergency.count() >= 3
    for flag in emergency:
        assert f'href="{flag.get_absolute_url()}"' in page
    for flag in RedFlag.objects.published().exclude(care_level="emergency"):
        assert f'href="{flag.get_absolute_url()}"' not in page


def test_start_page_as_htmx_is_a_fragment(htmx_client: Client, content: LoadReport) -> None:
    page = html(htmx_client, "/check/")
    assert "<html" not in page
    assert page.strip().startswith("<title>")
    assert 'id="check"' in page


def test_the_emergency_number_and_urgent_service_are_settings(
    client: Client, content: LoadReport, settings: object
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "112"  # type: ignore[attr-defined]
    settings.BACKCARE_URGENT_SERVICE = "your out-of-hours doctor"  # type: ignore[attr-defined]
    assert "Call 112 now" in html(client, "/check/")
    client.post("/check/")
    page = result_page(client, [*SELF_CARE[:3], ("other-signs", ["injury"])])
    assert "your out-of-hours doctor" in page and "call 112" in page
    assert "999" not in page and "NHS 111" not in page


def test_starting_goes_to_the_first_warning_sign(client: Client, content: LoadReport) -> None:
    response = client.post("/check/")
    assert response.status_code == 303
    assert response["Location"] == "/check/numbness-or-weakness/"
    assert client.session[SESSION_KEY]["answers"] == {}


def test_a_check_in_progress_can_be_resumed(started: Client) -> None:
    answer(started, "numbness-or-weakness", ["no"])
    page = html(started, "/check/")
    assert 'href="/check/bladder-bowel-or-saddle/"' in page
    assert "Carry on where you left off" in page


# Each step, plain and htmx ---------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(STEPS)), ids=STEPS)
def test_each_step_as_a_plain_request_is_a_whole_page(started: Client, index: int) -> None:
    answer_all(started, SELF_CARE[:index])
    response = started.get(f"/check/{STEPS[index]}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith("<!doctype html>")
    assert f"Question {index + 1} of up to 12" in page
    assert 'hx-history="false"' in page
    assert "autofocus" not in page  # a full page load must not jump focus
    assert "HX-Request" in response["Vary"]
    form_action = f'action="/check/{STEPS[index]}/"'
    assert form_action in page and f'hx-post="/check/{STEPS[index]}/"' in page


@pytest.mark.parametrize("index", range(len(STEPS)), ids=STEPS)
def test_each_step_as_an_htmx_request_is_a_small_fragment(started: Client, index: int) -> None:
    answer_all(started, SELF_CARE[:index])
    response = started.get(f"/check/{STEPS[index]}/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "<body" not in page
    assert re.match(r"<title>Question \d+: .+ \| backcare</title>", page.strip())
    assert 'id="step-heading" tabindex="-1" autofocus' in page
    assert "data-announce" in page
    assert len(response.content) <= 4096, len(response.content)


def test_a_whole_step_page_gives_htmx_the_csrf_token_and_a_fragment_carries_none(
    started: Client,
) -> None:
    page = html(started, "/check/numbness-or-weakness/")
    token = re.search(r"""hx-headers='\{"X-CSRFToken": "(\w+)"\}'""", page)
    assert token and page.count("csrfmiddlewaretoken") == 1  # the answer (restart asks first)
    fragment = html(started, "/check/numbness-or-weakness/", **{"HX-Request": "true"})
    assert "csrfmiddlewaretoken" not in fragment and "nonce" not in fragment
    assert token.group(1) not in fragment


def test_htmx_posts_from_a_fragment_pass_the_csrf_check_with_the_header_alone(
    content: LoadReport,
) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/check/").content.decode()
    match = re.search(r'"X-CSRFToken": "(\w+)"', page)
    assert match
    token = match.group(1)
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    assert client.post("/check/", headers=hx).status_code == 303
    fragment = client.get("/check/numbness-or-weakness/", headers=hx).content.decode()
    assert "csrfmiddlewaretoken" not in fragment
    posted = client.post("/check/numbness-or-weakness/", {"answer": "no"}, headers=hx)
    assert posted.status_code == 303
    assert posted["Location"] == "/check/bladder-bowel-or-saddle/"
    forged = client.post("/check/bladder-bowel-or-saddle/", {"answer": "no"})
    assert forged.status_code == 403


def test_a_step_fragment_shows_each_visitor_their_own_answer(content: LoadReport) -> None:
    hx = {"HX-Request": "true"}
    first, second = Client(), Client()
    for client, value in ((first, "no"), (second, "not-sure")):
        client.post("/check/")
        answer(client, "numbness-or-weakness", [value])
    for _ in range(2):  # nothing from one visitor's page may carry over to the other's
        one, other = (html(c, "/check/numbness-or-weakness/", **hx) for c in (first, second))
        assert re.search(r'value="no"\s+checked', one)
        assert not re.search(r'value="not-sure"\s+checked', one)
        assert re.search(r'value="not-sure"\s+checked', other)
        assert not re.search(r'value="no"\s+checked', other)
    answer(first, "numbness-or-weakness", ["not-sure"])  # a changed answer shows at once
    assert re.search(
        r'value="not-sure"\s+checked', html(first, "/check/numbness-or-weakness/", **hx)
    )


def test_visitors_taking_turns_on_a_tick_box_question_each_see_only_their_ticks(
    content: LoadReport,
) -> None:
    hx = {"HX-Request": "true"}
    visitors = {("cold", "rest"): Client(), ("heat",): Client(), ("nothing",): Client()}
    for ticks, client in visitors.items():
        client.post("/check/")
        answer_all(client, SELF_CARE[:8])
        answer(client, "tried", list(ticks))
    for _ in range(2):
        for ticks, client in visitors.items():
            page = html(client, "/check/tried/", **hx)
            assert set(re.findall(r'value="([\w-]+)"\s+checked', page)) == set(ticks)


def test_every_htmx_step_ticks_exactly_the_saved_answers(started: Client) -> None:
    answer_all(started, SELF_CARE)
    for slug, values in SELF_CARE:
        page = html(started, f"/check/{slug}/", **{"HX-Request": "true"})
        assert not page.startswith("<!doctype html>")
        assert sorted(re.findall(r'value="([\w-]+)"\s+checked', page)) == sorted(values), slug


def test_an_error_is_gone_when_the_step_is_asked_for_again(started: Client) -> None:
    hx = {"HX-Request": "true"}
    html(started, "/check/numbness-or-weakness/", **hx)
    assert started.post("/check/numbness-or-weakness/", {}, headers=hx).status_code == 422
    assert "There is a problem" not in html(started, "/check/numbness-or-weakness/", **hx)


def test_a_published_change_shows_at_once_in_an_htmx_step(
    started: Client, django_capture_on_commit_callbacks: Any
) -> None:
    hx = {"HX-Request": "true"}
    assert "numbness, tingling or weakness" in html(started, "/check/numbness-or-weakness/", **hx)
    Question.objects.filter(slug="numbness-or-weakness").update(
        text="Have your legs or arms gone numb, tingly or weak since the pain began?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_working_flow() is not None
    started.post("/check/")
    assert "gone numb, tingly or weak" in html(started, "/check/numbness-or-weakness/", **hx)


def test_a_kept_unanswered_step_is_byte_for_byte_the_step_rendered_afresh(
    content: LoadReport,
) -> None:
    """Unanswered htmx steps are kept in memory (views.unanswered_step): each must be
    exactly what rendering it now gives, for every question on the way to an outcome."""
    hx = {"HX-Request": "true"}
    client = Client()
    client.post("/check/")
    fragments = caches["fragments"]
    for slug, values in SELF_CARE:
        first = client.get(f"/check/{slug}/", headers=hx)
        kept = client.get(f"/check/{slug}/", headers=hx)
        fragments.clear()
        fresh = client.get(f"/check/{slug}/", headers=hx)
        assert first.status_code == kept.status_code == fresh.status_code == 200
        assert first.content == kept.content == fresh.content, slug
        assert kept["Content-Type"] == fresh["Content-Type"]
        assert kept["Cache-Control"] == fresh["Cache-Control"]
        assert "checked" not in kept.content.decode()
        answer(client, slug, values)
    kept_steps = [v for k, v in fragments._cache.items() if ":step:" in k]  # type: ignore[attr-defined]
    assert kept_steps and not any(b"checked" in value for value in kept_steps)


@pytest.mark.parametrize("answered", [False, True], ids=["unanswered, kept", "answered"])
def test_a_step_fragment_with_a_message_waiting_shows_the_message(
    started: Client, answered: bool
) -> None:
    hx = {"HX-Request": "true"}
    if answered:
        answer(started, "numbness-or-weakness", ["no"])
    html(started, "/check/numbness-or-weakness/", **hx)  # seen once without a message
    # A message waiting in the visitor's cookie, as the views leave one.
    storage, carrier = CookieStorage(HttpRequest()), HttpResponse()
    storage.add(constants.INFO, "A note for this visitor only.")
    storage.update(carrier)
    started.cookies["messages"] = carrier.cookies["messages"].value
    assert "A note for this visitor only." in html(started, "/check/numbness-or-weakness/", **hx)
    assert "A note for this visitor only." not in html(
        started, "/check/numbness-or-weakness/", **hx
    )


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_whole_page(
    started: Client, header: str
) -> None:
    page = html(started, "/check/numbness-or-weakness/", **{"HX-Request": "true", header: "true"})
    assert page.startswith("<!doctype html>")


def queries(captured: CaptureQueriesContext) -> list[str]:
    """Statements that read or write data: not SAVEPOINT/RELEASE, which only exist here
    because each test runs inside a transaction."""
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(control)]


@pytest.mark.parametrize("index", range(len(STEPS)), ids=STEPS)
def test_a_step_costs_at_most_three_queries(started: Client, index: int) -> None:
    answer_all(started, SELF_CARE[:index])
    slug, values = SELF_CARE[index]
    started.get(f"/check/{slug}/")  # the flow is now cached, as it is between visitors
    with CaptureQueriesContext(connection) as get:
        assert started.get(f"/check/{slug}/").status_code == 200
    with CaptureQueriesContext(connection) as post:
        assert started.post(f"/check/{slug}/", {"answer": values}).status_code == 303
    assert len(queries(get)) <= 3, queries(get)
    # and two to move the check's anonymous count on (triage.counting): one down, one up.
    assert len(queries(post)) <= 3 + 2, queries(post)


@pytest.mark.parametrize("hx", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_a_step_looks_up_the_published_flow_once(
    started: Client, monkeypatch: pytest.MonkeyPatch, hx: dict[str, str]
) -> None:
    # With Redis, each look-up is a round trip to it.
    from backcare.triage import views

    looked_up: list[int] = []
    real = published_flow

    def counted(at_least: int = 0) -> Any:
        looked_up.append(at_least)
        return real(at_least)

    monkeypatch.setattr(views, "published_flow", counted)
    assert started.get("/check/numbness-or-weakness/", headers=hx).status_code == 200
    assert len(looked_up) == 1


def test_an_answer_moves_on_to_the_next_question(started: Client) -> None:
    assert answer(started, "numbness-or-weakness", ["no"]) == "/check/bladder-bowel-or-saddle/"


def test_an_htmx_answer_redirects_to_the_next_question_too(started: Client) -> None:
    response = started.post(
        "/check/numbness-or-weakness/", {"answer": "no"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/check/bladder-bowel-or-saddle/"


def test_the_back_link_goes_to_the_previous_question(started: Client) -> None:
    answer_all(started, SELF_CARE[:2])
    page = html(started, "/check/chest-pain-or-breathlessness/")
    assert 'href="/check/bladder-bowel-or-saddle/" hx-get="/check/bladder-bowel-or-saddle/"' in page
    assert 'href="/check/"' in html(started, "/check/numbness-or-weakness/")


def test_an_earlier_answer_is_shown_when_going_back(started: Client) -> None:
    answer(started, "numbness-or-weakness", ["no"])
    page = html(started, "/check/numbness-or-weakness/")
    assert re.search(r'value="no"\s+checked', page)


# Bad input ------------------------------------------------------------------------------


def test_a_missing_answer_shows_the_question_again_with_an_error(started: Client) -> None:
    response = started.post("/check/numbness-or-weakness/", {})
    page = response.content.decode()
    assert response.status_code == 422
    assert "There is a problem" in page
    assert '<a href="#answer-0">Choose one answer.</a>' in page
    assert "<title>Error: Question 1" in page


def test_a_missing_answer_over_htmx_is_a_fragment_that_stays_put(started: Client) -> None:
    response = started.post("/check/numbness-or-weakness/", {}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response["HX-Push-Url"] == "false"
    page = response.content.decode()
    assert "<html" not in page and "There is a problem" in page
    assert 'role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus' in page


@pytest.mark.parametrize(
    "data",
    [{"answer": "maybe"}, {"answer": ["yes", "no"]}, {"answer": "today"}],
    ids=["unknown-value", "two-answers", "answer-for-another-step"],
)
def test_an_invalid_answer_is_refused_with_a_message(
    started: Client, data: dict[str, object]
) -> None:
    response = started.post("/check/numbness-or-weakness/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose one of the answers shown." in page or "Choose only one answer." in page
    assert "numbness-or-weakness" not in started.session[SESSION_KEY]["answers"]


def test_none_of_these_with_another_answer_is_refused(started: Client) -> None:
    answer_all(started, SELF_CARE[:11])
    response = started.post("/check/medicine-cautions/", {"answer": ["none", "asthma"]})
    assert response.status_code == 422
    assert (
        "“None of these” cannot be ticked with other answers. Untick “None of these”, "
        "or untick the other answers."
    ) in response.content.decode()


def test_a_step_reached_too_early_goes_to_the_first_unanswered(started: Client) -> None:
    answer(started, "numbness-or-weakness", ["no"])
    response = started.get("/check/other-signs/")
    assert response.status_code == 303
    assert response["Location"] == "/check/bladder-bowel-or-saddle/"
    response = started.post("/check/other-signs/", {"answer": "no"})
    assert response["Location"] == "/check/bladder-bowel-or-saddle/"
    assert "other-signs" not in started.session[SESSION_KEY]["answers"]


def test_an_unknown_step_is_a_404_with_a_way_back(started: Client) -> None:
    response = started.get("/check/no-such-question/")
    assert response.status_code == 404
    assert 'href="/check/"' in response.content.decode()


def test_a_step_without_a_check_goes_to_the_start(client: Client, content: LoadReport) -> None:
    response = client.get("/check/other-signs/")
    assert response.status_code == 303
    assert response["Location"] == "/check/"
    assert "expired or were cleared" in html(client, "/check/")


@pytest.mark.parametrize(
    "garbage",
    ["text", 42, {"flow": "1"}, {"flow": 1, "answers": "x", "confirmed": False}, {"flow": 1}],
)
def test_a_tampered_session_restarts_the_check(
    client: Client, content: LoadReport, garbage: object
) -> None:
    session = client.session
    session[SESSION_KEY] = garbage
    session.save()
    response = client.get("/check/numbness-or-weakness/")
    assert response.status_code == 303 and response["Location"] == "/check/"


def test_tampered_answers_inside_a_session_are_asked_again(started: Client) -> None:
    session = started.session
    session[SESSION_KEY]["answers"] = {"numbness-or-weakness": ["no", {"x": 1}], "other-signs": 7}
    session.save()
    response = started.get("/check/answers/")
    assert response.status_code == 303
    assert response["Location"] == "/check/numbness-or-weakness/"


def test_a_check_begun_on_an_older_flow_is_restarted_with_a_message(
    started: Client, django_capture_on_commit_callbacks: Any
) -> None:
    answer(started, "numbness-or-weakness", ["no"])
    Question.objects.filter(slug="other-signs").update(text="Do you have a high temperature?")
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_working_flow() is not None
    response = started.get("/check/bladder-bowel-or-saddle/")
    assert response.status_code == 303 and response["Location"] == "/check/"
    assert "updated the questions since you started" in html(started, "/check/")
    assert SESSION_KEY not in started.session


def test_a_double_submit_is_harmless(started: Client) -> None:
    first = answer(started, "numbness-or-weakness", ["no"])
    second = answer(started, "numbness-or-weakness", ["no"])
    assert first == second == "/check/bladder-bowel-or-saddle/"


def test_a_huge_post_is_refused(started: Client) -> None:
    response = started.post("/check/numbness-or-weakness/", {"answer": "x" * 400_000})
    assert response.status_code == 413


def test_answers_never_appear_in_urls_or_logs(
    started: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    locations = []
    for slug, values in SELF_CARE:
        locations.append(answer(started, slug, values))
    started.post("/check/answers/")
    for location in locations:
        assert "?" not in location
    for value in ["lifting", "moderate", "cold"]:
        assert value not in caplog.text


def test_the_session_holds_only_the_answers(started: Client) -> None:
    answer_all(started, SELF_CARE)
    assert set(started.session.keys()) == {SESSION_KEY}


# Check your answers, and the outcome -----------------------------------------------------


def test_check_your_answers_lists_every_answer_with_a_change_link(started: Client) -> None:
    assert answer_all(started, SELF_CARE) == "/check/answers/"
    page = html(started, "/check/answers/")
    for slug in STEPS:
        assert f'href="/check/{slug}/" hx-get="/check/{slug}/"' in page
    assert "A cold pack or ice, Resting in a comfortable position" in page or "Resting" in page


def test_the_outcome_waits_for_the_answers_to_be_checked(started: Client) -> None:
    answer_all(started, SELF_CARE)
    response = started.get("/check/result/")
    assert response.status_code == 303 and response["Location"] == "/check/answers/"
    response = started.post("/check/answers/")
    assert response["Location"] == "/check/result/"
    assert started.get("/check/result/").status_code == 200


def test_changing_an_answer_needs_the_answers_checked_again(started: Client) -> None:
    answer_all(started, SELF_CARE)
    started.post("/check/answers/")
    assert answer(started, "how-bad", ["mild"]) == "/check/answers/"
    assert started.get("/check/result/")["Location"] == "/check/answers/"


def test_an_unfinished_check_cannot_see_the_outcome(started: Client) -> None:
    assert started.get("/check/result/")["Location"] == "/check/numbness-or-weakness/"
    assert started.get("/check/answers/")["Location"] == "/check/numbness-or-weakness/"


def test_an_emergency_goes_straight_to_the_instruction(started: Client) -> None:
    location = answer(started, "numbness-or-weakness", ["yes"])
    assert location == "/check/result/"
    response = started.get(location)
    page = response.content.decode()
    main = re.search(r"<main [^>]*>", page)
    assert main and 'data-disposition="emergency"' in main.group(0)
    assert "Call 999 now" in page
    assert "nerve is being squeezed" in page
    for distraction in ["What to do now", "Stopping it coming back", "Keep your plan"]:
        assert distraction not in page


def test_an_htmx_answer_that_ends_the_check_loads_the_outcome_as_a_page(started: Client) -> None:
    response = started.post(
        "/check/numbness-or-weakness/", {"answer": "yes"}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/check/result/"


def result_page(client: Client, answers: list[tuple[str, list[str]]]) -> str:
    location = answer_all(client, answers)
    if location == "/check/answers/":
        client.post("/check/answers/")
    return html(client, "/check/result/")


def with_answers(**changes: list[str]) -> list[tuple[str, list[str]]]:
    changed = {k.replace("_", "-"): v for k, v in changes.items()}
    return [(slug, changed.get(slug, values)) for slug, values in SELF_CARE]


def test_urgent_outcome_says_today_what_to_do_meanwhile_and_what_to_tell(started: Client) -> None:
    page = result_page(started, [*SELF_CARE[:3], ("other-signs", ["fever"])])
    assert 'data-disposition="urgent"' in page
    assert "Get medical help today" in page and "NHS 111" in page
    assert "While you wait" in page
    assert "What to tell the doctor" in page and "hot and shivery" in page
    assert "What to do now" not in page


def test_gp_outcome_books_an_appointment_and_keeps_the_plan(started: Client) -> None:
    page = result_page(started, with_answers(when_started=["4-to-7-days"], getting_better=["same"]))
    assert 'data-disposition="gp"' in page
    assert "See a doctor in the next few days" in page
    assert "has not got better after several days" in page
    assert "What to do now" in page and "What to tell the doctor" in page


def test_self_care_plan_uses_cold_early_and_matches_the_triggers(started: Client) -> None:
    page = result_page(started, SELF_CARE)
    assert 'data-disposition="self_care"' in page
    assert "You can look after this at home" in page
    assert "use <strong>cold</strong> for now" in page
    assert 'href="http://testserver/relief/cold-therapy/"' in page
    assert 'href="http://testserver/prevention/lifting-technique/"' in page
    assert 'href="http://testserver/exercises/pelvic-tilt/"' in page
    assert (
        "When to get help" in page
        and 'href="http://testserver/when-to-see-a-doctor/fever/"' in page
    )
    assert "ibuprofen" in page or "Anti-inflammatory" in page


def test_self_care_plan_uses_heat_later(started: Client) -> None:
    page = result_page(started, with_answers(when_started=["4-to-7-days"]))
    assert "<strong>heat</strong> is likely to help more" in page
    assert 'href="http://testserver/relief/cold-therapy/"' not in page


def test_medicine_cautions_mean_ask_a_pharmacist_not_nsaids(started: Client) -> None:
    page = result_page(started, with_answers(medicine_cautions=["blood-thinners"]))
    assert "Ask a pharmacist" in page
    # Ibuprofen is named only as something to avoid (the text box and the data kept for the
    # "Keep this plan on this phone" button hold the plan's copy, and are not shown as such).
    shown = re.sub(r"<script\b.*?</script>", "", page.split("<textarea")[0], flags=re.S).lower()
    assert shown.count("ibuprofen") == 1 and "do not take anti-inflammatory" in shown
    assert "nsaid" not in page.lower()


def test_the_plan_downloads_as_plain_text(started: Client) -> None:
    result_page(started, SELF_CARE)
    response = started.get("/check/result/plan.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "You can look after this at home" in text
    assert "<" not in text and "&#" not in text and "&quot;" not in text


# Starting again and clearing ------------------------------------------------------------


def test_start_again_forgets_the_answers(started: Client) -> None:
    answer_all(started, SELF_CARE[:3])
    response = started.post("/check/restart/")
    assert response["Location"] == "/check/numbness-or-weakness/"
    assert started.session[SESSION_KEY]["answers"] == {}


def test_clear_my_answers_deletes_the_session(started: Client) -> None:
    answer_all(started, SELF_CARE[:3])
    old_key = started.session.session_key
    response = started.post("/check/clear/")
    assert response.status_code == 303 and response["Location"] == "/check/"
    assert SESSION_KEY not in started.session
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()
    assert "Your answers have been cleared" in html(started, "/check/")


def test_start_again_and_clear_ask_first_and_change_nothing_until_confirmed(
    started: Client,
) -> None:
    answer_all(started, SELF_CARE[:3])
    for url, question, button in [
        ("/check/restart/", "Start again?", "Yes, start again"),
        ("/check/clear/", "Clear your answers?", "Yes, clear my answers"),
    ]:
        page = html(started, url)
        assert question in page and button in page
        assert f'<form method="post" action="{url}">' in page  # a real form: no JavaScript needed
        # "No" goes back to where the check was.
        assert 'href="/check/other-signs/">No, go back to my check</a>' in page
        assert len(started.session[SESSION_KEY]["answers"]) == 3


def test_start_again_and_clear_are_links_to_the_confirm_pages_not_buttons(
    started: Client,
) -> None:
    page = html(started, "/check/numbness-or-weakness/")
    assert '<a href="/check/restart/">Start again</a>' in page
    assert '<a href="/check/clear/">Clear my answers</a>' in page


def test_the_confirm_page_without_a_check_goes_back_to_the_start(
    client: Client, content: LoadReport
) -> None:
    assert 'href="/check/">No, go back to my check</a>' in html(client, "/check/clear/")


def test_clear_and_restart_refuse_other_methods(started: Client) -> None:
    assert started.put("/check/clear/").status_code == 405
    assert started.delete("/check/restart/").status_code == 405


def test_no_published_flow_is_a_clear_503(client: Client, db: None) -> None:
    response = client.get("/check/")
    assert response.status_code == 503
    assert "not available right now" in response.content.decode()


def test_every_page_header_calls_the_emergency_number_in_one_tap(
    client: Client, content: LoadReport
) -> None:
    for url in ("/", "/check/", "/relief/cold-therapy/"):
        assert '<a href="tel:999"><strong>Call 999 now</strong></a>' in html(client, url)


def test_the_urgent_outcome_calls_the_urgent_service_and_999(started: Client) -> None:
    page = result_page(started, [*SELF_CARE[:3], ("other-signs", ["fever"])])
    assert '<a class="button button-call" href="tel:111">Call NHS 111</a>' in page
    assert '<a href="tel:999">call 999</a>' in page


def test_the_urgent_number_is_a_setting(started: Client, settings: Any) -> None:
    settings.BACKCARE_URGENT_SERVICE = "the nurse line"
    settings.BACKCARE_URGENT_NUMBER = "0800 123 456"
    page = result_page(started, [*SELF_CARE[:3], ("other-signs", ["fever"])])
    call = '<a class="button button-call" href="tel:0800123456">'
    assert call + "Call the nurse line on 0800 123 456</a>" in page


def test_each_outcome_heading_takes_focus_when_the_page_loads(started: Client) -> None:
    answer(started, "numbness-or-weakness", ["yes"])
    assert '<h1 id="step-heading" tabindex="-1" autofocus' in html(started, "/check/result/")


def test_an_emergency_outcome_has_a_button_that_calls_the_number(started: Client) -> None:
    answer(started, "numbness-or-weakness", ["yes"])
    assert '<a class="button button-call" href="tel:999">Call 999</a>' in html(
        started, "/check/result/"
    )


def test_a_read_that_raced_a_publish_cannot_put_the_old_flow_back(
    content: LoadReport, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache

    from backcare.triage.flows import CACHE_KEY, published_flow

    old = published_flow()
    Question.objects.filter(slug="other-signs").update(text="Fever or shivers?")
    with django_capture_on_commit_callbacks(execute=True):
        new = publish_working_flow()
    assert new is not None and old is not None
    # A request that had read the old version before the publish now tries to cache it.
    cache.add(CACHE_KEY, (int(old.version), "stale"), 30)
    flow = published_flow()
    assert flow is not None and flow.version == str(new.pk)


def test_the_text_plan_says_what_the_page_says(started: Client) -> None:
    result_page(started, with_answers(when_started=["4-to-7-days"], getting_better=["same"]))
    text = started.get("/check/result/plan.txt").content.decode()
    assert "See a doctor in the next few days" in text
    assert "While you wait:" in text and "What to do now:" in text
    assert "Take care:" in text  # remedy cautions, the NSAID warning among them
    assert "What to tell the doctor:" in text and "4 to 7 days ago" in text
    assert "Stopping it coming back" not in text  # prevention waits for self-care


def test_warning_signs_are_listed_most_urgent_first_whatever_their_order(
    started: Client,
) -> None:
    from backcare.articles.models import RedFlag

    RedFlag.objects.filter(slug="fever").update(order=1)
    page = result_page(started, SELF_CARE)
    watch = page[page.index('id="watch-heading"') :]
    assert watch.index("Call 999 now") < watch.index("Get medical help today")
    assert watch.count("Call 999 now") == 1


def test_a_gp_outcome_shows_relief_but_not_the_self_care_recovery(started: Client) -> None:
    page = result_page(started, with_answers(other_signs=["wakes-at-night"]))
    assert 'data-disposition="gp"' in page
    assert "While you wait" in page and "What to do now" in page
    assert "Stopping it coming back" not in page and "Once the pain has eased" not in page
    assert "If it is no better after several days" not in page


def test_an_unknown_step_is_a_404_even_without_a_check(client: Client, content: LoadReport) -> None:
    response = client.get("/check/no-such-question/")
    assert response.status_code == 404
    assert 'href="/check/"' in response.content.decode()


def test_expired_answers_are_deleted_as_new_checks_start(
    client: Client, content: LoadReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.post("/check/")
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    monkeypatch.setattr(secrets, "randbelow", lambda n: 0)
    Client().post("/check/")
    assert Session.objects.count() == 1  # only the new visitor's
