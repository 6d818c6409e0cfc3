""" "Was this page useful?": with and without JavaScript, anonymous, limited, kept a while."""

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backcare.contentfiles.loader import LoadReport
from backcare.governance.models import Feedback

from .checker import walk
from .helpers import cache_keys_written

pytestmark = pytest.mark.django_db

PAGE = "/relief/heat-therapy/"
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


def send(client: Client, headers: dict[str, str] | None = None, **data: str) -> Any:
    return client.post("/feedback/", {"page": PAGE, **data}, headers=headers or SAME_SITE)


def test_every_content_page_and_topic_index_asks_if_it_was_useful(
    client: Client, content: LoadReport
) -> None:
    for url in (PAGE, "/relief/", "/when-to-see-a-doctor/fever/", "/exercises/bridge/"):
        html = client.get(url).content.decode()
        assert "Was this page useful?" in html, url
        assert f'name="page" value="{url}"' in html


def test_the_feedback_form_leaves_a_content_page_cachable_and_carries_no_token(
    client: Client, content: LoadReport
) -> None:
    first = client.get(PAGE)
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert not first.cookies
    assert "nonce-" not in first.get("Content-Security-Policy", "")
    stored = [key for key in caches["pages"]._cache if key]  # type: ignore[attr-defined]
    assert stored, "the page with its feedback form was cached"
    other = Client().get(PAGE)
    assert other.content == first.content


def test_yes_without_javascript_is_stored_and_thanked(client: Client, content: LoadReport) -> None:
    response = send(client, useful="yes")
    assert response.status_code == 303
    assert response["Location"].startswith("/feedback/thanks/?page=")
    assert "Thank you for your feedback" in client.get(response["Location"]).content.decode()
    row = Feedback.objects.get()
    assert (row.page, row.outcome, row.useful, row.comment) == (PAGE, "", True, "")
    assert row.day == timezone.localdate()


def test_no_without_javascript_asks_what_was_missing_with_a_warning(
    client: Client, content: LoadReport
) -> None:
    response = send(client, useful="no")
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "What was missing or unclear? (optional)" in page
    assert "Do not write any personal or health details" in page
    assert Feedback.objects.get().useful is False
    sent = send(client, useful="comment", comment="  Say how   long to use heat. ")
    assert sent.status_code == 303
    assert "thanks" in sent["Location"]
    words = Feedback.objects.get(useful=None)
    assert words.comment == "Say how long to use heat."
    assert Feedback.objects.count() == 2


def test_an_empty_comment_stores_nothing(client: Client, content: LoadReport) -> None:
    assert send(client, useful="comment", comment="  ").status_code == 303
    assert not Feedback.objects.exists()


def test_with_htmx_the_answer_swaps_in_place(client: Client, content: LoadReport) -> None:
    headers = {**SAME_SITE, "HX-Request": "true"}
    yes = send(client, headers, useful="yes")
    assert yes.status_code == 200
    assert "Thank you for your feedback" in yes.content.decode()
    assert "<html" not in yes.content.decode()
    no = send(client, headers, useful="no").content.decode()
    assert "<html" not in no
    assert 'name="comment"' in no and "personal or health details" in no
    assert Feedback.objects.count() == 2


def not_useful_on_the_urgent_outcome(client: Client) -> Any:
    """ "No" to "Was this page useful?" on the urgent outcome page, without JavaScript."""
    return client.post(
        "/feedback/",
        {"page": "/check/result/", "outcome": "urgent", "useful": "no"},
        headers=SAME_SITE,
    )


def test_the_outcome_page_asks_too_and_keeps_only_which_outcome(
    client: Client, content: LoadReport
) -> None:
    walk(client, {"other-signs": ["fever"]})
    html = client.get("/check/result/").content.decode()
    assert "Was this page useful?" in html
    assert 'name="outcome" value="urgent"' in html
    response = not_useful_on_the_urgent_outcome(client)
    assert response.status_code == 200
    row = Feedback.objects.get()
    assert (row.page, row.outcome, row.useful) == ("/check/result/", "urgent", False)


def addresses_in(response: Any) -> list[str]:
    """The Location, and every link and form action in the page."""
    found = [response["Location"]] if response.has_header("Location") else []
    html = response.content.decode()
    found += re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', html)
    return found


def test_the_outcome_never_goes_into_an_address_on_the_no_javascript_path(
    client: Client, content: LoadReport
) -> None:
    walk(client, {"other-signs": ["fever"]})
    seen = addresses_in(client.get("/check/result/"))
    no = not_useful_on_the_urgent_outcome(client)
    assert no.status_code == 200
    html = no.content.decode()
    assert "What was missing or unclear? (optional)" in html
    assert 'name="outcome" value="urgent"' in html  # in the form's body, not its address
    seen += addresses_in(no)
    sent = client.post(
        "/feedback/",
        {"page": "/check/result/", "outcome": "urgent", "useful": "comment", "comment": "Why?"},
        headers=SAME_SITE,
    )
    assert sent.status_code == 303
    seen += addresses_in(sent)
    thanks = client.get(sent["Location"])
    assert "Thank you for your feedback" in thanks.content.decode()
    assert '<a href="/check/result/">Go back to the page</a>' in thanks.content.decode()
    seen += addresses_in(thanks)
    assert seen
    assert not [url for url in seen if "outcome" in url or "urgent" in url]
    rows = Feedback.objects.values_list("outcome", "useful", "comment")
    assert sorted(rows, key=str) == sorted(
        [("urgent", False, ""), ("urgent", None, "Why?")], key=str
    )


def test_an_outcome_in_the_follow_up_address_is_not_read(
    client: Client, content: LoadReport
) -> None:
    response = client.get("/feedback/more/?page=/check/result/&outcome=urgent")
    assert response.status_code == 400
    assert 'value="urgent"' not in response.content.decode()


def test_the_feedback_table_holds_nothing_that_could_identify_anyone(
    client: Client, content: LoadReport
) -> None:
    columns = {f.column for f in Feedback._meta.concrete_fields}
    assert columns == {"id", "day", "page", "outcome", "useful", "comment"}
    send(client, useful="yes")
    row = Feedback.objects.values().get()
    assert set(row) == {"id", "day", "page", "outcome", "useful", "comment"}
    assert "127.0.0.1" not in str(row)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},
    ],
    ids=["cross-site", "same-site", "other-origin", "null-origin", "no-headers"],
)
def test_a_post_from_another_site_is_refused(
    client: Client, content: LoadReport, headers: dict[str, str]
) -> None:
    response = client.post("/feedback/", {"page": PAGE, "useful": "yes"}, headers=headers)
    assert response.status_code == 403
    assert "only be sent from this website" in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_post_with_this_sites_origin_is_accepted(client: Client, content: LoadReport) -> None:
    response = send(client, {"Origin": "http://testserver"}, useful="yes")
    assert response.status_code == 303


@pytest.mark.parametrize(
    "data",
    [
        {"page": "/nowhere/", "useful": "yes"},
        {"page": "https://evil.example/", "useful": "yes"},
        {"page": "/relief/not-a-page/", "useful": "yes"},
        {"page": "/check/result/", "outcome": "fine", "useful": "yes"},
        {"page": PAGE, "useful": "maybe"},
        {"page": PAGE, "useful": "comment", "comment": "x" * 501},
        {"page": PAGE + "\x00", "useful": "yes"},
        {"page": "/check/result/", "outcome": "urgent\x00", "useful": "yes"},
    ],
    ids=[
        *("unknown", "other-site", "unpublished", "bad-outcome", "bad-answer", "too-long"),
        *("nul-in-page", "nul-in-outcome"),
    ],
)
def test_bad_feedback_is_refused_with_a_message_and_stores_nothing(
    client: Client, content: LoadReport, data: dict[str, str]
) -> None:
    response = client.post("/feedback/", data, headers=SAME_SITE)
    assert response.status_code == 400
    assert "<script" not in response.content.decode().split("<body", 1)[1].split("</main>")[0]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "comment",
    ["Say\x00 more", "\x00", "bell\x07", "\x1b[31mred", "delete\x7f", "c1\x9b"],
    ids=["nul", "only-nul", "bell", "escape", "del", "c1-control"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_comment_with_a_nul_or_control_character_is_refused_before_the_database(
    client: Client, content: LoadReport, comment: str, htmx: bool
) -> None:
    # PostgreSQL refuses NUL in text (psycopg's DataError), which became a 503 "cannot
    # reach our records". The words must be refused before they reach the database.
    headers = {**SAME_SITE, **({"HX-Request": "true"} if htmx else {})}
    response = send(client, headers, useful="comment", comment=comment)
    status = int(response["X-Refused-Status"]) if htmx else response.status_code
    assert status == 400
    assert "hidden character we cannot keep" in response.content.decode()
    assert not Feedback.objects.exists()


def test_line_breaks_and_tabs_in_a_comment_are_kept_as_single_spaces(
    client: Client, content: LoadReport
) -> None:
    response = send(client, useful="comment", comment="Say how\r\nlong\tto use heat.\n")
    assert response.status_code == 303
    assert Feedback.objects.get().comment == "Say how long to use heat."


def test_feedback_over_the_rate_limit_is_refused(
    client: Client, content: LoadReport, settings: Any
) -> None:
    settings.BACKCARE_FEEDBACK_LIMIT = 3
    for _ in range(3):
        assert send(client, useful="yes").status_code == 303
    refused = send(client, useful="yes")
    assert refused.status_code == 429
    assert "Try again later" in refused.content.decode()
    assert Feedback.objects.count() == 3
    other = client.post(
        "/feedback/", {"page": PAGE, "useful": "yes"}, headers=SAME_SITE, REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 303  # another address has its own allowance


def test_the_rate_limit_keeps_no_address_in_the_cache(
    client: Client, content: LoadReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = caches["default"]
    stored = cache_keys_written(cache, monkeypatch)
    client.post(
        "/feedback/", {"page": PAGE, "useful": "yes"}, headers=SAME_SITE, REMOTE_ADDR="198.51.100.7"
    )
    keys = " ".join(stored)
    assert "limit:feedback:" in keys
    assert "198.51.100.7" not in keys
    assert "198.51.100.7" not in str([cache.get(key) for key in stored])


def test_old_feedback_is_deleted_after_the_retention_period(
    content: LoadReport, settings: Any
) -> None:
    today = timezone.localdate()
    for age in (0, 179, 180, 181, 400):
        Feedback.objects.create(day=today - timedelta(days=age), page=PAGE, useful=True)
    out = StringIO()
    call_command("delete_old_feedback", stdout=out)
    assert "Deleted 2 " in out.getvalue()
    assert sorted((today - r.day).days for r in Feedback.objects.all()) == [0, 179, 180]
    settings.BACKCARE_FEEDBACK_DAYS = 30
    call_command("delete_old_feedback", stdout=out)
    assert sorted((today - r.day).days for r in Feedback.objects.all()) == [0]


def test_editors_see_feedback_per_page_least_useful_first(
    client: Client, content: LoadReport, editor: Any
) -> None:
    for _ in range(3):
        send(client, useful="no")
    send(client, useful="comment", comment="Say how long to use heat.")
    client.post("/feedback/", {"page": "/relief/", "useful": "yes"}, headers=SAME_SITE)
    staff = Client()
    staff.force_login(editor)
    html = staff.get("/admin/governance/feedback/").content.decode()
    assert html.index("Heat after the first few days") < html.index("Easing a back spasm")
    assert "Say how long to use heat." in html
    assert "100%" in html


def test_the_privacy_page_says_exactly_what_is_counted_and_kept(
    client: Client, settings: Any
) -> None:
    settings.BACKCARE_FEEDBACK_DAYS = 90
    html = client.get("/privacy/").content.decode()
    for fact in (
        "for that day, for the version of the questions you answered, for the advice",
        "for the rule that decided it",
        "the last question you were shown",
        "no answers, no time of day, no internet address",
        "your yes or no, the page, and the day",
        "deleted after 90 days",
        "Please do not write your name, contact details or anything about your health.",
        "scrambled form of your internet address",
    ):
        assert fact in html, fact


def test_the_privacy_page_says_when_nothing_is_counted(client: Client, settings: Any) -> None:
    settings.BACKCARE_COUNT_CHECKS = False
    html = client.get("/privacy/").content.decode()
    assert "does not count how the symptom checker is used" in html
    assert "When a check ends" not in html


def test_a_reviewer_can_delete_words_that_should_not_have_been_written(
    client: Client, content: LoadReport, reviewer: Any, editor: Any
) -> None:
    send(client, useful="comment", comment="My name is Sam and my leg is numb.")
    words = Feedback.objects.get()
    staff = Client()
    staff.force_login(editor)
    assert "/delete/" not in staff.get("/admin/governance/feedback/").content.decode()
    staff.force_login(reviewer)
    delete_url = f"/admin/governance/feedback/{words.pk}/delete/"
    assert delete_url in staff.get("/admin/governance/feedback/").content.decode()
    assert staff.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Feedback.objects.exists()
