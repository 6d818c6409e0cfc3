"""Phone-sized screenshots (390x844) of every page type and symptom checker state, light and
dark, to look at before saying a visible change is done. Not a test file (its name does not
start with test_, so `make test` never collects it): run it with `make screenshots`.

Pictures go to $SCREENSHOTS_DIR (default: screenshots/ in the repository, ignored by git).
"""

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser import test_symptom_checker as browser_checker
from .conftest import make_staff

pytestmark = pytest.mark.browser

OUT = Path(os.environ.get("SCREENSHOTS_DIR", Path(__file__).parent.parent / "screenshots"))
SCHEMES: tuple[Literal["light"], Literal["dark"]] = ("light", "dark")

# The same journeys as the browser tests, so the pictures follow the flow as it changes.
SELF_CARE = browser_checker.SELF_CARE
RED_FLAGS = browser_checker.RED_FLAGS
OUTCOMES = {level: answers for level, (answers, _heading) in browser_checker.OUTCOMES.items()}
PUBLIC = {
    "home": "/",
    "condition": "/about/back-muscle-spasm/",
    "relief": "/relief/",
    "remedy": "/relief/cold-therapy/",
    "remedy-medicines": "/relief/pain-relief-medicines/",
    "exercises": "/exercises/",
    "exercise": "/exercises/bridge/",
    "causes": "/causes/",
    "cause": "/causes/poor-posture/",
    "prevention": "/prevention/",
    "prevention-item": "/prevention/core-strength/",
    "when-to-see-a-doctor": "/when-to-see-a-doctor/",
    "red-flag": "/when-to-see-a-doctor/bladder-bowel-or-saddle-numbness/",
    "search-results": "/search/?q=ice+pack",
    "search-none": "/search/?q=zzzzqqq",
    "search-empty": "/search/",
    "privacy": "/privacy/",
    "about": "/about-this-site/",
    "not-found": "/no-such-page/",
}


def shoot(page: Page, name: str, *, full: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"{name}.png", full_page=full)


def each_scheme(browser: Browser, run: Callable[[Page, str], None], **options: Any) -> None:
    for scheme in SCHEMES:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, color_scheme=scheme, **options
        )
        try:
            run(context.new_page(), scheme)
        finally:
            context.close()


def answer(page: Page, labels: list[str]) -> None:
    before = page.locator("#step-heading").inner_text()
    for label in labels:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.locator("#step-heading")).not_to_have_text(before)


def test_public_pages(browser: Browser, site: str) -> None:
    def run(page: Page, scheme: str) -> None:
        for name, path in PUBLIC.items():
            page.goto(site + path)
            shoot(page, f"public-{name}-{scheme}")
            shoot(page, f"public-{name}-{scheme}-full", full=True)

    each_scheme(browser, run)


def test_symptom_checker_states(browser: Browser, site: str) -> None:
    def run(page: Page, scheme: str) -> None:
        page.goto(site + "/check/")
        shoot(page, f"check-start-{scheme}")
        shoot(page, f"check-start-{scheme}-full", full=True)
        page.get_by_role("button", name="Start now").click()
        expect(page).to_have_url(site + f"/check/{RED_FLAGS[0]}/")
        for number, (slug, labels) in enumerate(SELF_CARE, start=1):
            expect(page).to_have_url(site + f"/check/{slug}/")
            shoot(page, f"check-q{number:02d}-{slug}-{scheme}")
            if number in (1, len(RED_FLAGS) + 1):
                page.get_by_role("button", name="Continue", exact=True).click()
                expect(page.locator(".error-summary")).to_be_visible()
                shoot(page, f"check-q{number:02d}-error-{scheme}")
            if slug == "tried":
                page.get_by_label("Nothing yet", exact=True).check()
                shoot(page, f"check-q{number:02d}-none-ticked-{scheme}")
                page.get_by_label("Nothing yet", exact=True).uncheck()
            answer(page, labels)
        shoot(page, f"check-answers-{scheme}")
        shoot(page, f"check-answers-{scheme}-full", full=True)
        page.goto(site + "/check/restart/")
        shoot(page, f"check-confirm-start-again-{scheme}")
        page.goto(site + "/check/clear/")
        shoot(page, f"check-confirm-clear-{scheme}")
        page.get_by_role("button", name="Clear my answers").click()
        shoot(page, f"check-cleared-{scheme}")

    each_scheme(browser, run)


@pytest.mark.parametrize("level", OUTCOMES)
def test_outcomes(browser: Browser, site: str, level: str) -> None:
    def run(page: Page, scheme: str) -> None:
        page.goto(site + "/check/")
        page.get_by_role("button", name="Start now").click()
        for slug, labels in OUTCOMES[level]:
            expect(page).to_have_url(site + f"/check/{slug}/")
            answer(page, labels)
        expect(page).to_have_url(re.compile(r"/check/(answers|result)/$"))
        if page.url.endswith("/answers/"):
            page.get_by_role("button", name="See my advice").click()
        expect(page).to_have_url(site + "/check/result/")
        shoot(page, f"outcome-{level}-{scheme}")
        shoot(page, f"outcome-{level}-{scheme}-full", full=True)
        if scheme == "light":
            page.emulate_media(media="print")
            shoot(page, f"outcome-{level}-print", full=True)

    each_scheme(browser, run)


def test_without_javascript(browser: Browser, site: str) -> None:
    def run(page: Page, scheme: str) -> None:
        page.goto(site + "/check/")
        page.get_by_role("button", name="Start now").click()
        for slug, labels in SELF_CARE:
            if slug == "tried":
                page.get_by_label("Nothing yet", exact=True).check()
                page.get_by_label("Massage", exact=True).check()
                page.get_by_role("button", name="Continue", exact=True).click()
                shoot(page, f"nojs-tried-both-ticked-error-{scheme}")
                page.get_by_label("Nothing yet", exact=True).uncheck()
                page.get_by_label("Massage", exact=True).uncheck()
            for label in labels:
                page.get_by_label(label, exact=True).check()
            page.get_by_role("button", name="Continue", exact=True).click()
        page.get_by_role("button", name="See my advice").click()
        shoot(page, f"nojs-outcome-self_care-{scheme}-full", full=True)

    each_scheme(browser, run, java_script_enabled=False)


def test_admin_pages(browser: Browser, site: str, django_user_model: Any) -> None:
    from backcare.articles.models import Exercise, Remedy

    make_staff(django_user_model, "rita", "Clinical reviewers")
    remedy = Remedy.objects.get(slug="massage")
    exercise = Exercise.objects.get(slug="bridge")

    def run(page: Page, scheme: str) -> None:
        page.goto(site + "/admin/login/")
        shoot(page, f"admin-login-{scheme}")
        page.get_by_label("Username").fill("rita")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Log in").click()
        for name, path in {
            "index": "/admin/",
            "remedies": "/admin/articles/remedy/",
            "remedy": f"/admin/articles/remedy/{remedy.pk}/change/",
            "exercise": f"/admin/articles/exercise/{exercise.pk}/change/",
            "flow": "/admin/triage/flowversion/",
        }.items():
            page.goto(site + path)
            shoot(page, f"admin-{name}-{scheme}")

    each_scheme(browser, run)
