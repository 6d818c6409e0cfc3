"""Nothing on any page that should not be there: every page type, every symptom checker
state (whole pages and htmx parts) and the admin pages editors use."""

from typing import Any

import pytest
from django.apps import apps
from django.test import Client, RequestFactory

from backcare.articles.models import CONTENT_MODELS
from backcare.contentfiles.loader import LoadReport
from backcare.core.middleware import database_unavailable
from backcare.core.views import csrf_failure, server_error

from .pagecheck import problems

pytestmark = pytest.mark.django_db

NO = ["no"]
RED_FLAGS = [
    "numbness-or-weakness",
    "bladder-bowel-or-saddle",
    "chest-pain-or-breathlessness",
]
REST = [
    ("where-it-hurts", ["low-back"]),
    ("when-started", ["today"]),
    ("getting-better", ["better"]),
    ("tried", ["cold", "rest"]),
    ("what-happened", ["lifting"]),
    ("how-bad", ["moderate"]),
    ("medicine-cautions", ["none"]),
]


def checker(other_signs: str) -> list[tuple[str, list[str]]]:
    """The answers for no red flag, then the given other sign ("none" for none of them)."""
    return [
        *[(slug, NO) for slug in RED_FLAGS],
        ("other-signs", [other_signs]),
        ("risk-factors", ["none"]),
        *REST,
    ]


SELF_CARE = checker("none")
URGENT = checker("fever")
GP = checker("wakes-at-night")
EMERGENCY = [("numbness-or-weakness", ["yes"])]
OUTCOMES = {"self_care": SELF_CARE, "urgent": URGENT, "gp": GP, "emergency": EMERGENCY}


def assert_clean(html: str, where: str) -> None:
    admin = where.startswith("/admin/")
    found = problems(html, plain=where.startswith("plan text"), editor_text=admin)
    assert not found, f"{where}:\n" + "\n".join(found)


def get(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    return response.content.decode()


# The checker of pages is itself checked: each defect is caught -------------------------


@pytest.mark.parametrize(
    ("html", "what"),
    [
        ("<p>{# a note for developers</p>", "template syntax"),
        ("<p>Call {{ emergency_number }}</p>", "template syntax"),
        ("<h2>  </h2>", "empty <h2>"),
        ("<p>Call {emergency_number} now.</p>", "unfilled placeholder"),
        ("<p>Call 999 now. Call 999 now.</p>", "said twice"),
        ("<li>Rest and and move gently</li>", "words repeated"),
        ('<input aria-describedby="hint">', "names no element"),
    ],
)
def test_the_page_checker_catches_each_defect(html: str, what: str) -> None:
    assert any(what in problem for problem in problems(html)), problems(html)


def test_the_page_checker_passes_plain_good_text() -> None:
    html = (
        "<h1>Call 999</h1><p>Call 999 now. Tell them about your back.</p>"
        '<p data-settings=\'{"a": {"b": 1}}\'>Hi</p>'
    )
    assert problems(html) == []


# Public pages ----------------------------------------------------------------------------


def public_urls() -> list[str]:
    urls = [
        "/",
        "/relief/",
        "/exercises/",
        "/causes/",
        "/prevention/",
        "/when-to-see-a-doctor/",
        "/search/",
        "/search/?q=ice+pack",
        "/search/?q=zzzzqqq",
        "/search/?q=" + "x" * 500,
        "/privacy/",
        "/about-this-site/",
        "/no-such-page/",
        "/relief/no-such-remedy/",
    ]
    for model in CONTENT_MODELS:
        urls.extend(item.get_absolute_url() for item in model.objects.published())
    return urls


def test_no_public_page_shows_anything_it_should_not(client: Client, content: LoadReport) -> None:
    for url in public_urls():
        assert_clean(get(client, url), url)
        assert_clean(get(client, url, HX_Request="true"), f"{url} (htmx)")


def test_error_pages_show_nothing_they_should_not(db: None) -> None:
    request = RequestFactory().get("/")
    assert_clean(csrf_failure(request).content.decode(), "403 (stale form)")
    assert_clean(server_error(request).content.decode(), "500")
    assert_clean(database_unavailable().content.decode(), "503")


# The symptom checker, state by state -----------------------------------------------------


def walk(client: Client, answers: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """Answer each question in turn; every page met on the way, with where it was."""
    seen = []
    assert client.post("/check/").status_code == 303
    for slug, values in answers:
        url = f"/check/{slug}/"
        seen.append((url, get(client, url)))
        seen.append((f"{url} (htmx)", get(client, url, HX_Request="true")))
        empty = client.post(url, {})
        assert empty.status_code == 422
        seen.append((f"{url} with no answer", empty.content.decode()))
        empty = client.post(url, {}, headers={"HX-Request": "true"})
        seen.append((f"{url} with no answer (htmx)", empty.content.decode()))
        response = client.post(url, {"answer": values})
        assert response.status_code == 303, (url, response.status_code)
        if response["Location"] in ("/check/answers/", "/check/result/"):
            break
    return seen


@pytest.mark.parametrize("level", OUTCOMES)
def test_no_symptom_checker_state_shows_anything_it_should_not(
    client: Client, content: LoadReport, level: str
) -> None:
    seen = [("/check/", get(client, "/check/"))]
    seen += walk(client, OUTCOMES[level])
    if level != "emergency":
        seen.append(("answers", get(client, "/check/answers/")))
        seen.append(("answers (htmx)", get(client, "/check/answers/", HX_Request="true")))
        assert client.post("/check/answers/").status_code == 303
    outcome = get(client, "/check/result/")
    assert f'data-disposition="{level}"' in outcome  # the walk reached the outcome it means to
    seen.append((f"outcome {level}", outcome))
    seen.append((f"plan text {level}", get(client, "/check/result/plan.txt")))
    seen.append(("start with answers to resume", get(client, "/check/")))
    for where, html in seen:
        assert_clean(html, where)


def test_each_answer_error_shows_nothing_it_should_not(client: Client, content: LoadReport) -> None:
    walk(client, SELF_CARE[: SELF_CARE.index(("tried", ["cold", "rest"]))])
    both = client.post("/check/tried/", {"answer": ["nothing", "cold"]})
    assert both.status_code == 422
    assert_clean(both.content.decode(), "tried: 'nothing' with another")
    several = client.post("/check/when-started/", {"answer": ["today", "week"]})
    assert several.status_code == 422
    assert_clean(several.content.decode(), "two answers to a one-answer question")
    unknown = client.post("/check/when-started/", {"answer": ["made-up"]})
    assert unknown.status_code == 422
    assert_clean(unknown.content.decode(), "an answer that is not offered")


def test_messages_after_clearing_or_expiry_show_nothing_they_should_not(
    client: Client, content: LoadReport
) -> None:
    walk(client, [("numbness-or-weakness", NO)])
    client.post("/check/clear/")
    assert_clean(get(client, "/check/"), "start after clearing")
    client.get("/check/fever/")
    assert_clean(get(client, "/check/"), "start after an expired check")


# The admin pages editors use ---------------------------------------------------------------


def admin_urls() -> list[str]:
    urls = ["/admin/", "/admin/triage/flowversion/", "/admin/triage/flowversion/review/"]
    for model in [*CONTENT_MODELS, *apps.get_app_config("triage").get_models()]:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        urls.append(base)
        item = model._default_manager.first()
        if item is not None and opts.model_name != "flowversion":
            urls.append(f"{base}{item.pk}/change/")
            urls.append(f"{base}{item.pk}/history/")
        if opts.model_name in {m._meta.model_name for m in CONTENT_MODELS}:
            urls.append(f"{base}add/")
            urls.append(f"/preview/{opts.app_label}/{opts.model_name}/{item.pk}/")  # type: ignore[union-attr]
    return urls


def test_no_admin_page_shows_anything_it_should_not(
    client: Client, content: LoadReport, reviewer: Any
) -> None:
    assert_clean(get(client, "/admin/login/"), "admin login")
    client.force_login(reviewer)
    for url in admin_urls():
        response = client.get(url)
        if response.status_code in (403, 404, 405):
            continue  # a page this model does not have
        assert response.status_code == 200, (url, response.status_code)
        assert_clean(response.content.decode(), url)


def test_the_admins_rendered_preview_fills_in_the_emergency_number(
    client: Client, content: LoadReport, reviewer: Any
) -> None:
    from backcare.articles.models import RedFlag

    flag = RedFlag.objects.get(slug="bladder-bowel-or-saddle-numbness")
    client.force_login(reviewer)
    page = client.get(f"/admin/articles/redflag/{flag.pk}/change/").content.decode()
    box = page[page.index('id="markdown-preview"') :]
    box = box[: box.index("</div>")]
    assert "Call 999 now" in box and "{emergency_number}" not in box
