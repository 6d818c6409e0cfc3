"""What the server gives the phone for offline use: the service worker, the manifest, the
offline page, "My plan", and which responses the worker may keep."""

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client

from backcare.articles.models import Exercise, RedFlag, Remedy
from backcare.contentfiles.loader import LoadReport
from backcare.offline import pages

from .test_triage_views import SELF_CARE, result_page, with_answers

pytestmark = pytest.mark.django_db

GP = with_answers(when_started=["4-to-7-days"], getting_better=["same"])
URGENT = [*SELF_CARE[:3], ("other-signs", ["fever"])]  # the fever rule ends the check


def worker_config(client: Client) -> dict[str, Any]:
    source = client.get("/sw.js").content.decode()
    match = re.search(r"^const CONFIG = (\{.*?\n\});$", source, re.S | re.M)
    assert match, source[:400]
    return dict(json.loads(match.group(1)))


# The service worker ----------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_as_javascript(
    client: Client, content: LoadReport
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    # Under the site's strict CSP, and needing nothing it forbids.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    source = response.content.decode()
    assert "eval(" not in source and "new Function" not in source
    assert "importScripts" not in source


def test_the_worker_keeps_the_pages_a_person_needs_most(
    client: Client, content: LoadReport
) -> None:
    precache = worker_config(client)["precache"]
    for url in ["/", "/relief/", "/exercises/", "/when-to-see-a-doctor/", "/privacy/"]:
        assert url in precache
    assert {"/offline/", "/my-plan/", "/static/css/site.css", "/static/js/site.js"} <= set(precache)
    for remedy in Remedy.objects.published():
        assert remedy.get_absolute_url() in precache
    for flag in RedFlag.objects.published():
        assert flag.get_absolute_url() in precache
    assert any(url.startswith("/static/django_htmx/htmx") for url in precache)


def test_the_worker_keeps_each_exercise_with_its_pictures(
    client: Client, content: LoadReport
) -> None:
    precache = worker_config(client)["precache"]
    exercises = list(Exercise.objects.published())
    assert exercises
    for exercise in exercises:
        assert exercise.get_absolute_url() in precache
        for picture in exercise.published_version().pictures:
            assert static(picture["file"]) in precache
    # Every drawing kept is one an exercise page shows: nothing extra to download.
    shown = {static(p["file"]) for e in exercises for p in e.published_version().pictures}
    assert {url for url in precache if url.startswith("/static/exercises/")} == shown


def test_the_worker_never_keeps_the_checker_the_admin_or_previews(
    client: Client, content: LoadReport
) -> None:
    config = worker_config(client)
    assert {"/check/", "/preview/", "/" + settings.BACKCARE_ADMIN_PATH} <= set(config["never"])
    assert not [url for url in config["precache"] if url.startswith(tuple(config["never"]))]


def test_a_withdrawn_page_leaves_the_list(client: Client, content: LoadReport) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.withdraw()
    massage.save()
    assert "/relief/massage/" not in worker_config(client)["precache"]


def test_publishing_changes_the_worker_and_names_a_new_cache(
    client: Client, content: LoadReport
) -> None:
    before = worker_config(client)
    remedy = Remedy.objects.get(slug="cold-therapy")
    remedy.title = "Cold packs, re-published"
    remedy.publish()
    remedy.save()
    after = worker_config(client)
    assert after["version"] != before["version"]
    assert int(after["content"]) > int(before["content"])


def test_the_cache_name_follows_the_code_and_the_list_too() -> None:
    one = pages.worker_config(5, "code one")
    assert pages.worker_config(5, "code two")["version"] != one["version"]
    assert pages.worker_config(5, "code one")["version"] == one["version"]


# Which responses may be kept ---------------------------------------------------------------


def test_a_public_page_without_a_session_says_it_may_be_kept(
    client: Client, content: LoadReport
) -> None:
    first = client.get("/relief/")
    again = client.get("/relief/")  # from the page cache this time
    assert first["X-Content-Version"] == again["X-Content-Version"]
    assert int(first["X-Content-Version"]) > 0


def test_a_public_page_asked_for_with_a_session_may_not_be_kept(
    client: Client, content: LoadReport
) -> None:
    client.get("/relief/")  # cached whole, with the header
    client.post("/check/")  # a symptom check starts: now there is a session
    assert settings.SESSION_COOKIE_NAME in client.cookies
    response = client.get("/relief/")
    assert response.status_code == 200
    assert "X-Content-Version" not in response


def test_no_checker_page_says_it_may_be_kept(client: Client, content: LoadReport) -> None:
    for url in ["/check/", "/check/numbness-or-weakness/", "/check/result/"]:
        assert "X-Content-Version" not in client.get(url)
    page = client.get("/check/")
    assert "no-store" in page["Cache-Control"]


def test_search_results_are_never_in_the_list(client: Client, content: LoadReport) -> None:
    assert not [url for url in worker_config(client)["precache"] if "?" in url]


# Installable ------------------------------------------------------------------------------


def test_the_manifest_names_the_site_with_our_icons(client: Client, db: None) -> None:
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["short_name"] == settings.BACKCARE_SITE_NAME
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#005a70" and manifest["background_color"] == "#ffffff"
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/icons/")
        image = client.get(icon["src"])
        assert image.status_code == 200
        image.close()  # a file response, from whitenoise


def test_every_page_links_the_manifest_and_theme_colours(
    client: Client, content: LoadReport
) -> None:
    page = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'name="theme-color" content="#005a70" media="(prefers-color-scheme: light)"' in page
    assert 'name="theme-color" content="#003d4d" media="(prefers-color-scheme: dark)"' in page
    assert '<a href="/my-plan/">My plan</a>' in page


# The offline page and My plan ----------------------------------------------------------------


def test_the_offline_page_gives_the_emergency_number_and_what_is_kept(
    client: Client, content: LoadReport
) -> None:
    page = client.get("/offline/").content.decode()
    assert "<h1>You are offline</h1>" in page
    assert '<a class="button button-call" href="tel:999">Call 999</a>' in page
    for section in pages.sections():
        assert f'href="{section.url}"' in page
        for item in section.items:
            assert f'<a href="{item.url}">{item.title}</a>' in page
    assert "/check/" not in page.split("<main")[1].split("</main>")[0]


def test_my_plan_is_the_same_for_everyone_and_holds_no_plan(
    client: Client, content: LoadReport
) -> None:
    before = client.get("/my-plan/").content.decode()
    result_page(client, GP)
    after = client.get("/my-plan/").content.decode()
    assert before == after
    assert "See a doctor in the next few days" not in after
    assert "your browser is not running scripts" in after


# The outcome page's "Keep this plan on this phone" ------------------------------------------


def kept_text(page: str) -> str:
    match = re.search(r'<script id="kept-plan-source" type="application/json">(.*?)</script>', page)
    assert match
    return str(json.loads(match.group(1)))


def test_the_kept_plan_is_the_plan_without_the_answers(client: Client, content: LoadReport) -> None:
    client.post("/check/")
    page = result_page(client, URGENT)
    assert "What to tell the doctor" in page  # on the page, and in the download
    download = client.get("/check/result/plan.txt").content.decode()
    assert "What to tell the doctor:" in download
    kept = kept_text(page)
    assert "What to tell the doctor" not in kept
    assert (
        kept
        == download.split("\nWhat to tell the doctor:")[0]
        + download[download.index("\nGet help if things change:") :]
    )
    assert 'class="button-secondary keep-plan-button"' in page
    assert re.search(r"<button[^>]*keep-plan-button[^>]*hidden>", page)  # until the script runs


def test_clearing_answers_offers_to_delete_a_kept_plan_only_then(
    client: Client, content: LoadReport
) -> None:
    client.post("/check/")
    assert "data-kept-plan-offer" not in client.get("/check/").content.decode()
    response = client.post("/check/clear/", follow=True)
    page = response.content.decode()
    assert "Your answers have been cleared" in page
    assert "data-kept-plan-offer hidden" in page  # the script shows it if a plan is kept
    assert "data-kept-plan-offer" not in client.get("/check/").content.decode()


def test_the_privacy_page_says_what_is_kept_on_the_phone(
    client: Client, content: LoadReport
) -> None:
    page = client.get("/privacy/").content.decode()
    assert "What is kept on your phone" in page
    assert "Keep this plan on this phone" in page
    assert 'href="/my-plan/"' in page
    assert "Nothing from the symptom checker is kept" in page


@pytest.mark.parametrize("url", ["/sw.js", "/manifest.webmanifest", "/offline/", "/my-plan/"])
def test_the_new_addresses_answer_only_get(client: Client, content: LoadReport, url: str) -> None:
    assert client.get(url).status_code == 200
    assert client.get(url, {"x": "<script>"}).status_code == 200
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)(url).status_code == 405
