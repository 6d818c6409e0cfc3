"""Search in a real browser: warning signs first, "Did you mean", with and without JavaScript."""

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.browser

INSTRUCTION = "Call 999 now and ask for an ambulance."  # chest pain or breathlessness
SPINAL_INSTRUCTION = "Call 999 now or go to the nearest emergency department."


def type_query(page: Page, words: str) -> None:
    page.get_by_label("Search backcare").press_sequentially(words)
    expect(page.locator("#results-heading")).to_contain_text(f"for “{words}”")
    page.wait_for_load_state("networkidle")


def test_without_javascript_a_warning_sign_comes_first_with_what_to_do(
    new_context: Callable[..., BrowserContext], site: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site + "/search/")
    page.get_by_label("Search backcare").fill("numb bum")
    page.get_by_role("button", name="Search").click()
    banner = page.locator(".search-warning")
    expect(banner).to_contain_text("Warning sign: Bladder, bowel or bottom numbness")
    expect(banner).to_contain_text(f"If you have this now: {SPINAL_INSTRUCTION}")
    first = page.locator(".search-result-list li").first
    expect(first).to_contain_text("Warning sign")
    expect(first.get_by_role("link")).to_have_text("Bladder, bowel or bottom numbness")
    banner.get_by_role("link", name="Not sure? Check your symptoms").click()
    assert page.url == site + "/check/"


def test_without_javascript_did_you_mean_leads_to_the_corrected_search(
    new_context: Callable[..., BrowserContext], site: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site + "/search/?q=paracetmol")
    expect(page.locator(".search-result-list a").first).to_have_text("Pain relief medicines")
    page.get_by_role("link", name="paracetamol", exact=True).click()
    assert page.url == site + "/search/?q=paracetamol"
    expect(page.locator("#results-heading")).to_contain_text("for “paracetamol”")
    expect(page.get_by_text("Did you mean")).to_have_count(0)


def test_live_results_announce_the_warning_sign_before_the_results(page: Page, site: str) -> None:
    page.goto(site + "/search/")
    type_query(page, "chest pain")
    expect(page.locator(".search-warning")).to_be_visible()
    expect(page.locator("#announcer")).to_have_text(
        re.compile(
            r"^Warning sign: Chest pain or trouble breathing "
            rf"If you have this now: {re.escape(INSTRUCTION)} "
            r"\d+ results? for “chest pain”$"
        )
    )
    # Typing on to an everyday query takes the banner away again.
    search = page.get_by_label("Search backcare")
    search.fill("")
    type_query(page, "ice pack")
    expect(page.locator(".search-warning")).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^\d+ results? for “ice pack”$"))


def test_live_results_offer_did_you_mean(page: Page, site: str) -> None:
    page.goto(site + "/search/")
    type_query(page, "excercise")
    expect(page.locator(".did-you-mean")).to_have_text("Did you mean exercise?")
    expect(page.locator("#announcer")).to_contain_text("Did you mean exercise?")
    page.locator(".did-you-mean a").click()
    expect(page).to_have_url(site + "/search/?q=exercise")


def test_axe_finds_no_violation_on_search_pages(page: Page, site: str) -> None:
    # Each page loaded whole, as it is without JavaScript too (axe itself needs scripts:
    # Playwright cannot run it in a page with JavaScript switched off).
    reports = []
    for query in ("numb+bum", "paracetmol", "zebra", "put+my+back+out"):
        page.goto(f"{site}/search/?q={query}")
        expect(page.locator("#results-heading")).to_be_visible()
        results = Axe().run(page)
        if results.violations_count:
            reports.append(f"{query}\n{results.generate_report()}")
    assert not reports, "\n\n".join(reports)
