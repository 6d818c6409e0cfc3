"""The plan kept by share, copy and print; dark mode; exercise pictures; and the weight of a
first visit."""

import gzip
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Request, expect

from .test_symptom_checker import OUTCOMES, SELF_CARE, see_outcome, start_check

pytestmark = pytest.mark.browser


def self_care_plan(page: Page, site: str) -> None:
    start_check(page, site)
    see_outcome(page, site, SELF_CARE)


def test_without_web_share_the_share_button_copies_the_plan(browser: Browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.add_init_script("delete Navigator.prototype.share;")
    self_care_plan(page, site)
    share = page.locator(".share-button")
    expect(share).to_have_text("Copy this plan")
    share.click()
    expect(share).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("BACKCARE: YOUR BACK PAIN PLAN")
    assert "When to stop:" in copied
    context.close()


def test_with_web_share_the_share_button_opens_the_share_sheet(page: Page, site: str) -> None:
    page.add_init_script(
        "navigator.share = (data) => { window.shared = data; return Promise.resolve(); };"
    )
    self_care_plan(page, site)
    share = page.locator(".share-button")
    expect(share).to_have_text("Share this plan")
    share.click()
    page.wait_for_function("window.shared !== undefined")
    shared: dict[str, Any] = page.evaluate("window.shared")
    assert shared["title"] == "Your back pain plan from backcare"
    assert "Pelvic tilt" in shared["text"]
    page.wait_for_load_state("networkidle")


def test_without_javascript_the_plan_downloads_as_text(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/check/")
    page.get_by_role("button", name="Start now").click()
    for _slug, labels in SELF_CARE:
        for label in labels:
            page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_role("button", name="See my advice").click()
    expect(page.locator(".share-button")).to_be_hidden()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a text file").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert "Made on " in text and "When to stop:" in text
    context.close()


def test_the_printed_plan_stands_on_its_own(page: Page, site: str) -> None:
    self_care_plan(page, site)
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".keep-plan")).to_be_hidden()
    expect(page.locator(".check-actions")).to_be_hidden()
    expect(page.locator(".plan-meta")).to_be_visible()
    expect(page.locator(".plan-meta")).to_contain_text(re.compile(r"made on \d+ \w+ \d{4}"))
    expect(page.locator(".plan-steps").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    after = page.evaluate(
        """() => getComputedStyle(
            document.querySelector('.outcome .cards a'), '::after').content"""
    )
    assert after.startswith('" (http') and "/relief/" in after, after


def below_aaa(page: Page) -> set[str]:
    """What axe finds under 7:1 (AAA) contrast on this page, by element."""
    results = Axe().run(page, options={"runOnly": ["color-contrast-enhanced"]})
    return {
        " ".join(node["target"])
        for violation in results.response["violations"]
        for node in violation["nodes"]
    }


def test_dark_mode_is_dark_with_strong_contrast_and_red_emergencies(
    browser: Browser, site: str
) -> None:
    light = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="light")
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page, light_page = context.new_page(), light.new_page()
    for path in ("/", "/exercises/bridge/", "/check/", "/when-to-see-a-doctor/"):
        page.goto(site + path)
        light_page.goto(site + path)
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background == "rgb(18, 18, 18)", (path, background)
        # AAA in dark wherever it is AAA in light (the green buttons are AA in both).
        assert below_aaa(page) <= below_aaa(light_page), path
    light.close()
    emergency = page.evaluate(
        "getComputedStyle(document.querySelector('.care-emergency')).backgroundColor"
    )
    assert emergency == "rgb(177, 14, 30)"
    start_check(page, site)
    see_outcome(page, site, OUTCOMES["emergency"][0])
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


def test_an_exercise_page_shows_its_picture_with_words(page: Page, site: str) -> None:
    page.goto(site + "/exercises/bridge/")
    picture = page.get_by_role("img", name=re.compile("^1. Start: lying on your back"))
    expect(picture).to_be_visible()
    assert page.evaluate("document.querySelector('.exercise-picture img').naturalWidth") > 0
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("path", ["/", "/exercises/bridge/", "/check/"])
def test_a_first_visit_stays_under_60_kb_and_5_requests(
    browser: Browser, site: str, path: str
) -> None:
    """Compressed as whitenoise or nginx would send it (gzip here; Brotli is smaller)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sizes: dict[str, int] = {}

    def finished(request: Request) -> None:
        response = request.response()
        sizes[request.url] = len(gzip.compress(response.body())) if response else 0

    page.on("requestfinished", finished)
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    assert len(sizes) <= 5, sizes
    assert total < 60 * 1024, sizes
    print(f"{path}: {len(sizes)} requests, {total / 1024:.1f} KB gzipped")
    context.close()
