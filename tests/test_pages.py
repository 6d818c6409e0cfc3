"""The public pages: each answers, shows its key content, hides drafts, and stays cheap."""

import re
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from backcare.articles.models import (
    Cause,
    Exercise,
    Prevention,
    RedFlag,
    Remedy,
    Status,
    all_published_pages,
)
from backcare.contentfiles.loader import LoadReport

PAGES = {
    # url: text the page must show
    "/": "Back muscle spasm: what to do now",
    "/about/back-muscle-spasm/": "tightens",
    "/relief/": "Easing a back spasm",
    "/relief/cold-therapy/": "24 to 72 hours",
    "/relief/heat-therapy/": "heat",
    "/relief/pain-relief-medicines/": "pharmacist",
    "/exercises/": "Exercises",
    "/exercises/pelvic-tilt/": "When to stop",
    "/causes/": "What causes back spasms",
    "/causes/poor-posture/": "How to make it less likely",
    "/prevention/": "Stopping spasms coming back",
    "/prevention/core-strength/": "Exercises for this",
    "/when-to-see-a-doctor/": "Call 999 now if you have",
    "/when-to-see-a-doctor/bladder-bowel-or-saddle-numbness/": "Call 999 now",
    "/search/?q=ice+pack": "result",
    "/privacy/": "What we keep",
}


@pytest.mark.parametrize(("url", "text"), PAGES.items())
def test_page_answers_with_its_key_content(
    client: Client, content: LoadReport, url: str, text: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_page_has_one_h1_a_description_and_a_canonical_link(
    client: Client, content: LoadReport, url: str
) -> None:
    html = client.get(url).content.decode()
    assert html.count("<h1") == 1
    description = re.search(r'<meta name="description" content="([^"]+)"', html)
    assert description and len(description.group(1)) > 20
    path = url.split("?")[0]
    assert f'<link rel="canonical" href="http://testserver{path}">' in html


@pytest.mark.parametrize("url", PAGES)
def test_a_public_page_needs_at_most_four_queries(
    client: Client,
    content: LoadReport,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    url: str,
) -> None:
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


def test_no_page_loads_anything_from_another_host(client: Client, content: LoadReport) -> None:
    for url in PAGES:
        html = client.get(url).content.decode().replace("http://testserver", "")
        # A link a person may follow (a page's sources) is not a load; anything else is.
        html = re.sub(r'<a href="https://[^"]+" rel="noopener">', "<a>", html)
        assert not re.search(r'(src|href)="(https?:)?//', html)


ITEM_PAGES = [
    "/about/back-muscle-spasm/",
    "/relief/massage/",
    "/exercises/bridge/",
    "/causes/stress-and-tension/",
    "/prevention/hydration-and-diet/",
    "/when-to-see-a-doctor/fever/",
]


@pytest.mark.parametrize("url", ITEM_PAGES)
def test_item_page_shows_summary_review_dates_source_and_help_box(
    client: Client, content: LoadReport, url: str
) -> None:
    html = client.get(url).content.decode()
    assert 'class="lead"' in html
    assert "Last reviewed" in html and "20 November 2026" in html
    assert "Next review due" in html and "20 November 2027" in html
    assert "Where this advice comes from" in html and "backcare seed article" not in html
    assert re.search(
        r'<a href="https://(www\.nhs\.uk|www\.nice\.org\.uk|cks\.nice\.org\.uk)/', html
    )
    assert "Get help now if" in html
    assert 'href="/when-to-see-a-doctor/bladder-bowel-or-saddle-numbness/"' in html


def test_a_cause_links_to_the_prevention_that_addresses_it(
    client: Client, content: LoadReport
) -> None:
    html = client.get("/causes/dehydration-and-electrolytes/").content.decode()
    assert 'href="/prevention/hydration-and-diet/"' in html


def test_a_remedy_links_to_its_exercises(client: Client, content: LoadReport) -> None:
    html = client.get("/relief/gentle-movement/").content.decode()
    assert 'href="/exercises/pelvic-tilt/"' in html
    assert 'href="/exercises/knee-to-chest-stretch/"' in html


def test_an_exercise_links_back_to_what_uses_it(client: Client, content: LoadReport) -> None:
    html = client.get("/exercises/plank/").content.decode()
    assert 'href="/prevention/core-strength/"' in html


def test_an_exercise_says_how_many_and_when_to_stop(client: Client, content: LoadReport) -> None:
    html = client.get("/exercises/bridge/").content.decode()
    assert "How many" in html and "5 to 10" in html
    assert "When to stop" in html


def test_a_remedy_shows_its_timing_and_cautions(client: Client, content: LoadReport) -> None:
    html = client.get("/relief/pain-relief-medicines/").content.decode()
    assert "Take care" in html and "pharmacist" in html
    cold = client.get("/relief/cold-therapy/").content.decode()
    assert "First 24 to 72 hours" in cold


def test_red_flags_are_grouped_by_the_care_they_need(client: Client, content: LoadReport) -> None:
    html = client.get("/when-to-see-a-doctor/").content.decode()
    emergency = html.index("Call 999 now if you have")
    urgent = html.index("Get medical help today if you have")
    gp = html.index("See a doctor in the next few days if you have")
    assert emergency < urgent < gp
    assert html.index("Chest pain") < urgent
    assert urgent < html.index("Fever") < gp


def test_emergency_number_comes_from_settings(
    client: Client, content: LoadReport, settings: object
) -> None:
    settings.BACKCARE_EMERGENCY_NUMBER = "911"  # type: ignore[attr-defined]
    settings.BACKCARE_URGENT_SERVICE = "urgent care"  # type: ignore[attr-defined]
    html = client.get("/when-to-see-a-doctor/fever/").content.decode()
    assert "911" in html and "urgent care" in html
    assert "999" not in html and "NHS 111" not in html


KINDS = [
    (Remedy, "massage", "/relief/", "/relief/massage/"),
    (Exercise, "plank", "/exercises/", "/exercises/plank/"),
    (Cause, "poor-posture", "/causes/", "/causes/poor-posture/"),
    (Prevention, "stress-management", "/prevention/", "/prevention/stress-management/"),
    (RedFlag, "fever", "/when-to-see-a-doctor/", "/when-to-see-a-doctor/fever/"),
]


@pytest.mark.parametrize(("model", "slug", "index", "url"), KINDS)
def test_a_never_published_draft_is_hidden_everywhere(
    client: Client, content: LoadReport, model: type[Remedy], slug: str, index: str, url: str
) -> None:
    model.objects.filter(slug=slug).update(status=Status.DRAFT, published_data=None)
    assert client.get(url).status_code == 404
    assert url not in client.get(index).content.decode()
    assert url not in client.get("/sitemap.xml").content.decode()
    item = model.objects.get(slug=slug)
    assert url not in client.get(f"/search/?q={item.title}").content.decode()


def test_an_unpublished_edit_is_not_shown_until_it_is_published(
    client: Client, content: LoadReport
) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.title = "Unreviewed new title"
    massage.status = Status.DRAFT
    massage.save()
    html = client.get("/relief/massage/").content.decode()
    assert "Unreviewed new title" not in html
    massage.publish()
    massage.save()
    assert "Unreviewed new title" in client.get("/relief/massage/").content.decode()


def test_unknown_page_is_a_friendly_404(client: Client, content: LoadReport) -> None:
    response = client.get("/relief/no-such-remedy/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We cannot find that page" in html
    assert 'href="/when-to-see-a-doctor/"' in html


def test_sitemap_lists_every_published_page(client: Client, content: LoadReport) -> None:
    xml = client.get("/sitemap.xml").content.decode()
    for url in ["/", "/relief/", "/relief/cold-therapy/", "/when-to-see-a-doctor/fever/"]:
        assert f"<loc>http://testserver{url}</loc>" in xml
    # Every published item, the home page and the five topic pages.
    assert xml.count("<loc>") == len(all_published_pages()) + 1 + 5


def test_robots_txt_points_to_the_sitemap(client: Client, db: None) -> None:
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_pages_refuse_methods_they_do_not_support(client: Client, content: LoadReport) -> None:
    assert client.post("/relief/").status_code == 405
    assert client.delete("/relief/cold-therapy/").status_code == 405


def test_markdown_cannot_inject_html(client: Client, content: LoadReport) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.body = (
        "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    massage.publish()
    massage.save()
    html = client.get("/relief/massage/").content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_privacy_page_says_how_long_answers_are_kept(
    client: Client, db: None, settings: object
) -> None:
    assert "deleted 1 hour after your last answer" in client.get("/privacy/").content.decode()
    settings.SESSION_COOKIE_AGE = 90 * 60  # type: ignore[attr-defined]
    caches["pages"].clear()  # settings do not change while the site runs
    assert "deleted 90 minutes after" in client.get("/privacy/").content.decode()


# The page cache ---------------------------------------------------------------------------


def test_a_public_page_is_served_from_the_cache_the_second_time(
    client: Client, content: LoadReport, django_assert_num_queries: Any
) -> None:
    first = client.get("/relief/cold-therapy/")
    with django_assert_num_queries(1):  # only: has the content changed?
        second = client.get("/relief/cold-therapy/")
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "nonce" not in second["Content-Security-Policy"]


def test_publishing_a_change_shows_at_once_on_a_cached_page(
    client: Client, content: LoadReport
) -> None:
    client.get("/relief/")
    massage = Remedy.objects.get(slug="massage")
    massage.title = "Gentle massage, revised"
    massage.publish()
    massage.save()
    assert "Gentle massage, revised" in client.get("/relief/").content.decode()


def test_htmx_and_whole_page_answers_are_cached_apart(client: Client, content: LoadReport) -> None:
    whole = client.get("/search/", {"q": "heat"}).content.decode()
    fragment = client.get("/search/", {"q": "heat"}, headers={"HX-Request": "true"})
    assert "<html" in whole and "<html" not in fragment.content.decode()
    assert "<html" in client.get("/search/", {"q": "heat"}).content.decode()


def test_symptom_checker_and_staff_pages_are_never_cached(
    client: Client, content: LoadReport, django_assert_max_num_queries: Any
) -> None:
    client.get("/check/")
    client.post("/check/")
    first = client.get("/check/numbness-or-weakness/").content
    client.post("/check/numbness-or-weakness/", {"answer": "no"})
    again = client.get("/check/numbness-or-weakness/").content.decode()
    assert first != again.encode() and 'value="no" checked' in again


def test_made_up_query_strings_are_not_cached(client: Client, content: LoadReport) -> None:
    for n in range(5):
        assert client.get("/", {"x": n}).status_code == 200
    assert len(caches["pages"]._cache) == 0  # type: ignore[attr-defined]
    client.get("/search/", {"q": "heat"})  # searches are not cached either
    client.get("/")
    assert len(caches["pages"]._cache) == 1  # type: ignore[attr-defined]


def test_the_sites_links_are_drawn_once_and_never_hold_what_a_visitor_typed(
    client: Client, content: LoadReport, settings: Any
) -> None:
    for query in ("heat", "<b>numb</b>", "paracetmol", ""):
        page = client.get("/search/", {"q": query}).content.decode()
        assert '<a href="/relief/">Relief</a>' in page and '<a href="/privacy/">Privacy</a>' in page
    kept = caches["fragments"]._cache  # type: ignore[attr-defined]
    assert len(kept) == 3  # the links at the top, the footer and the search page's sections
    assert not any(b"numb" in value or b"paracetmol" in value for value in kept.values())
    settings.BACKCARE_SITE_NAME = "Back help"  # a setting the footer shows draws it afresh
    page = client.get("/search/").content.decode()
    assert "<strong>Back help does not diagnose.</strong>" in page
    assert "backcare does not diagnose" not in page


@pytest.mark.django_db(transaction=True)
def test_the_published_pages_are_read_once_per_content_version(
    content_snapshot: Any, django_assert_num_queries: Any
) -> None:
    from backcare.articles.models import Remedy, all_published_pages

    content_snapshot.restore()
    first = all_published_pages()
    with django_assert_num_queries(1):  # only the content version
        again = all_published_pages()
    assert [page.slug for page in again] == [page.slug for page in first]
    again.clear()  # a caller's list is its own
    assert len(all_published_pages()) == len(first)
    remedy = Remedy.objects.published().get(slug="cold-therapy")
    remedy.title = "Cold packs, retitled"
    remedy.publish()
    remedy.save()
    titles = {page.title for page in all_published_pages([Remedy])}
    assert "Cold packs, retitled" in titles
