"""The public pages in a real browser: links, accessibility, search, CSP, print and keyboard."""

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    BrowserContext,
    Locator,
    Page,
    Request,
    expect,
)

pytestmark = pytest.mark.browser

# One page of each type, with its h1.
PAGE_TYPES = {
    "/": "Back muscle spasm: what to do now",
    "/relief/": "Easing a back spasm",
    "/causes/": "What causes back spasms",
    "/prevention/": "Stopping spasms coming back",
    "/exercises/": "Exercises",
    "/when-to-see-a-doctor/": "When to see a doctor",
    "/about/back-muscle-spasm/": "Back muscle spasm",
    "/relief/cold-therapy/": "Cold packs for the first few days",
    "/exercises/pelvic-tilt/": "Pelvic tilt",
    "/causes/poor-posture/": "Poor posture",
    "/prevention/core-strength/": "Build a strong core",
    "/when-to-see-a-doctor/fever/": "Fever with a back spasm",
    "/search/?q=ice+pack": "Search",  # with results
    "/search/?q=zebra": "Search",  # with none
    "/privacy/": "Privacy",
    "/relief/nope/": "We cannot find that page",
}

SEARCH_HEADINGS = {
    "/search/?q=ice+pack": re.compile(r"^[1-9]\d* results? for “ice pack”$"),
    "/search/?q=zebra": re.compile(r"^No results for “zebra”$"),
}

# From the home page: (topic link, the topic's h1, an item linked from the topic page).
# An item's h1 is the text of the link to it.
JOURNEYS = [
    ("Easing a back spasm", "Easing a back spasm", "Cold packs for the first few days"),
    ("What causes back spasms", "What causes back spasms", "Poor posture"),
    ("Stopping spasms coming back", "Stopping spasms coming back", "Build a strong core"),
    ("Exercises", "Exercises", "Pelvic tilt"),
    ("When to see a doctor", "When to see a doctor", "Fever with a back spasm"),
]


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def main_link(page: Page, name: str) -> Locator:
    return page.get_by_role("main").get_by_role("link", name=name, exact=True)


def visit_every_page_type(page: Page, site: str, check: Callable[[str], None]) -> None:
    """Open each page type, wait for its h1, then run `check` with its path."""
    for path, h1 in PAGE_TYPES.items():
        page.goto(site + path)
        expect(heading(page)).to_have_text(h1)
        if path in SEARCH_HEADINGS:
            expect(page.locator("#results-heading")).to_have_text(SEARCH_HEADINGS[path])
        check(path)


def search_as_you_type(page: Page, words: str) -> None:
    """Type into the search box of the current page and wait for htmx to swap the results."""
    page.get_by_label("Search backcare").press_sequentially(words)
    expect(page.locator("#results-heading")).to_contain_text(f"for “{words}”")
    page.wait_for_load_state("networkidle")


def test_every_page_type_is_reached_by_following_links_from_home(page: Page, site: str) -> None:
    page.goto(site + "/")
    main_link(page, "More about back spasms").click()
    expect(heading(page)).to_have_text("Back muscle spasm")
    assert page.url == site + "/about/back-muscle-spasm/"
    for topic, topic_h1, item in JOURNEYS:
        page.goto(site + "/")
        main_link(page, topic).click()
        expect(heading(page)).to_have_text(topic_h1)
        main_link(page, item).click()
        expect(heading(page)).to_have_text(item)
        # The breadcrumb leads back to the topic the item came from.
        expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(topic_h1)


def test_axe_finds_no_accessibility_violation_on_any_page_type(page: Page, site: str) -> None:
    axe = Axe()
    reports: list[str] = []

    def check(path: str) -> None:
        results = axe.run(page)
        if results.violations_count:
            reports.append(f"{path}\n{results.generate_report()}")

    visit_every_page_type(page, site, check)
    assert not reports, "\n\n".join(reports)


def test_search_works_without_javascript(
    new_context: Callable[..., BrowserContext], site: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site + "/search/")
    page.get_by_label("Search backcare").fill("ice pack")
    page.get_by_role("button", name="Search").click()
    expect(heading(page)).to_have_text("Search")
    expect(page.locator("#results-heading")).to_contain_text("for “ice pack”")
    expect(page.locator("#search-results").get_by_role("link").first).to_be_visible()
    assert page.url == site + "/search/?q=ice+pack"
    # No script ran: this was the plain form, sent as a normal page load.
    assert page.evaluate("typeof window.htmx") == "undefined"


def test_search_as_you_type_swaps_results_announces_them_and_updates_the_url(
    page: Page, site: str
) -> None:
    page.goto(site + "/search/")
    expect(page.locator("#results-heading")).to_have_count(0)
    page.evaluate("window.stillTheSamePage = true")
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))

    search_as_you_type(page, "posture")

    results = page.locator("#search-results")
    count = results.locator(".search-result-list > li").count()
    assert count > 0
    expect(results.get_by_role("link", name="Poor posture", exact=True)).to_be_visible()
    plural = "" if count == 1 else "s"
    expect(page.locator("#announcer")).to_have_text(f"{count} result{plural} for “posture”")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(site + "/search/?q=posture")
    # Only htmx requests for results went out: no page load, no stylesheet fetched again.
    assert requests
    for request in requests:
        assert request.url.startswith(site + "/search/?q="), request.url
        assert request.headers.get("hx-request") == "true", request.url


def test_no_request_goes_to_another_host(page: Page, site: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    visit_every_page_type(page, site, lambda path: None)
    page.goto(site + "/search/")
    search_as_you_type(page, "stretch")
    assert len(requests) > len(PAGE_TYPES)
    elsewhere = [u for u in requests if not (u.startswith(site + "/") or u.startswith("data:"))]
    assert not elsewhere


def test_the_browser_reports_no_csp_violation_or_script_error(
    page: Page, site: str, console_errors: list[str]
) -> None:
    errors = console_errors
    visit_every_page_type(page, site, lambda path: None)
    page.goto(site + "/search/")
    search_as_you_type(page, "heat")
    assert not [text for text in errors if "Content Security Policy" in text], errors
    # The only error allowed is the 404 page's own status.
    assert all("status of 404" in text for text in errors), errors

    # The listener does hear a violation when there is one: a style attribute is refused.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")


def test_the_print_stylesheet_hides_the_navigation_but_not_the_words(page: Page, site: str) -> None:
    page.goto(site + "/relief/cold-therapy/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_visible()
    page.emulate_media(media="print")
    expect(nav).to_be_hidden()
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_hidden()
    expect(page.get_by_text("Emergency? Call")).to_be_hidden()
    expect(heading(page)).to_be_visible()
    expect(page.locator(".prose")).to_be_visible()


def test_the_first_tab_reaches_the_skip_link_and_enter_moves_focus_to_main(
    page: Page, site: str
) -> None:
    page.goto(site + "/")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    # The next Tab goes on from main, not back to the top of the page.
    page.keyboard.press("Tab")
    expect(main_link(page, "More about back spasms")).to_be_focused()
