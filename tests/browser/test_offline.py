"""Offline use in a real browser: the manifest and service worker, every kept page with no
signal, the offline page, re-published pages, a plan kept on the phone, and that nothing
from the symptom checker is stored unless the person chose to keep their plan."""

import json
import re
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, BrowserType, Page, ViewportSize, expect

from backcare.articles.models import Exercise, Remedy
from backcare.offline import pages
from tests.chromium import CHROMIUM, CHROMIUM_ARGS

from .test_symptom_checker import OUTCOMES, button, see_outcome, start_check

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}

# Everything the page can reach of the browser's own storage, as JSON: every Cache Storage
# entry (its address and text), localStorage, sessionStorage and IndexedDB's databases.
READ_STORAGE = """async () => {
  const caches_ = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      caches_[request.url] = await response.text();
    }
  }
  const local = {};
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    local[key] = localStorage.getItem(key);
  }
  const databases = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
  const session = {};
  for (let i = 0; i < sessionStorage.length; i++) {
    const key = sessionStorage.key(i);
    session[key] = sessionStorage.getItem(key);
  }
  return {caches: caches_, local, session, databases};
}"""


@pytest.fixture
def phone(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser that lets the site install its service worker."""
    context = browser.new_context(**{**browser_context_args, "service_workers": "allow"})
    yield context
    context.close()


@pytest.fixture
def errors(phone: BrowserContext) -> list[str]:
    """Console errors and script errors from every page of the phone's browser."""
    found: list[str] = []

    def watch(page: Page) -> None:
        page.on("console", lambda m: found.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: found.append(f"{e.name}: {e.message}"))

    phone.on("page", watch)
    return found


def install(page: Page, site: str) -> str:
    """A first visit: open the home page and wait until the service worker is active and
    in control, with every page stored. Returns the name of its cache."""
    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    names = page.evaluate("caches.keys()")
    assert len(names) == 1, names
    return str(names[0])


def wait_for_caches(page: Page, done: Callable[[list[str]], bool], seconds: float = 20) -> None:
    """Wait until the names of the caches satisfy `done` (wait_for_function does not wait
    for a promise, and Cache Storage only answers with one)."""
    deadline = time.monotonic() + seconds
    names: list[str] = page.evaluate("caches.keys()")
    while not done(names):
        assert time.monotonic() < deadline, f"caches still {names}"
        page.wait_for_timeout(200)
        names = page.evaluate("caches.keys()")


def kept_pages() -> list[str]:
    return [url for url in pages.precache_urls() if url.endswith("/")]


def storage(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(READ_STORAGE))


def assert_no_history_copies(session: dict[str, str]) -> None:
    """htmx keeps the address it is on in sessionStorage (as the browser's own history
    does); the checker's pages are marked hx-history="false", so no copy of them is kept."""
    assert set(session) <= {"htmx-current-path-for-history"}, session
    for path in session.values():
        assert re.fullmatch(r"/[\w/-]*", path), path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# Installable -----------------------------------------------------------------------------


def test_the_manifest_is_valid_with_our_own_icons(phone: BrowserContext, site: str) -> None:
    page = phone.new_page()
    page.goto(site + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/manifest.webmanifest"
    response = page.request.get(site + href)
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] == "backcare"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/icons/"), icon
        image = page.request.get(site + icon["src"])
        assert image.ok, icon
        assert image.headers["content-type"] == icon["type"]
        if icon["type"] == "image/png":
            width, height = png_size(image.body())
            assert f"{width}x{height}" == icon["sizes"]
            sizes.add((width, icon.get("purpose", "any")))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes
    # Theme colours for light and dark mode.
    media = page.locator("meta[name=theme-color]").evaluate_all("metas => metas.map(m => m.media)")
    assert sorted(media) == ["(prefers-color-scheme: dark)", "(prefers-color-scheme: light)"]


def test_chromium_finds_the_site_installable_once_the_service_worker_is_active(
    browser_type: BrowserType, site: str, tmp_path: Path
) -> None:
    # A profile on disk: Chromium never offers to install from an incognito window.
    context = browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        service_workers="allow",
        viewport=PHONE,
    )
    try:
        page = context.new_page()
        install(page, site)
        state = page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)")
        assert state in {"activating", "activated"}
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == site + "/sw.js"
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == site + "/manifest.webmanifest"
        assert manifest["errors"] == []
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    finally:
        context.close()


# Offline -------------------------------------------------------------------------------


def test_every_kept_page_renders_offline_with_no_console_or_csp_error(
    phone: BrowserContext, site: str, errors: list[str]
) -> None:
    page = phone.new_page()
    install(page, site)
    phone.set_offline(True)
    for path in kept_pages():
        response = page.goto(site + path)
        assert response is not None and response.ok, path
        assert response.from_service_worker, path
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_be_visible()
        assert heading.inner_text() != "You are offline" or path == "/offline/", path
        # Styled and scripted from the phone's copy: the stylesheet and htmx loaded.
        assert page.evaluate("document.styleSheets[0].cssRules.length") > 10, path
        assert page.evaluate("typeof window.htmx") == "object", path
    assert errors == []


def test_the_pages_a_person_needs_most_are_all_kept(phone: BrowserContext, site: str) -> None:
    page = phone.new_page()
    install(page, site)
    kept = {url.removeprefix(site) for url in storage(page)["caches"]}
    expected = {"/", "/relief/", "/exercises/", "/when-to-see-a-doctor/", "/privacy/"}
    expected |= {"/offline/", "/my-plan/", "/static/css/site.css", "/static/js/site.js"}
    expected |= {remedy.get_absolute_url() for remedy in Remedy.objects.published()}
    expected |= {exercise.get_absolute_url() for exercise in Exercise.objects.published()}
    expected |= {f"/when-to-see-a-doctor/{slug}/" for slug in ("fever", "night-pain")}
    assert expected <= kept
    assert len([url for url in kept if url.startswith("/when-to-see-a-doctor/")]) == 9


def test_a_page_not_kept_gives_the_offline_page_with_the_emergency_number(
    phone: BrowserContext, site: str, errors: list[str]
) -> None:
    page = phone.new_page()
    install(page, site)
    phone.set_offline(True)
    for path in ("/causes/poor-posture/", "/check/", "/search/?q=ice", "/admin/"):
        page.goto(site + path)
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
        call = page.get_by_role("link", name="Call 999", exact=True)
        expect(call).to_have_attribute("href", "tel:999")
        # It lists what can be read, and each of those links works with no signal.
        expect(
            page.get_by_role("main").get_by_role("link", name="Easing a back spasm")
        ).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Fever with a back spasm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fever with a back spasm")
    assert errors == []


def test_a_page_visited_online_is_kept_once_visited(phone: BrowserContext, site: str) -> None:
    page = phone.new_page()
    install(page, site)
    page.goto(site + "/causes/poor-posture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Poor posture")
    phone.set_offline(True)
    page.goto(site + "/causes/poor-posture/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Poor posture")


def republish(model: Any, slug: str, title: str) -> None:
    item = model.objects.get(slug=slug)
    item.title = title
    item.publish()
    item.save()


def test_a_republished_page_is_updated_after_going_back_online(
    phone: BrowserContext, site: str
) -> None:
    page = phone.new_page()
    first_cache = install(page, site)
    phone.set_offline(True)
    page.goto(site + "/relief/cold-therapy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold packs for the first few days")

    republish(Remedy, "cold-therapy", "Cold packs, freshly reviewed")
    republish(Remedy, "heat-therapy", "Heat, freshly reviewed")
    phone.set_offline(False)
    # Back online: the page read is fresh, and it tells the worker content has changed.
    page.goto(site + "/relief/cold-therapy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold packs, freshly reviewed")
    # The new worker stores every page afresh and deletes the old copies.
    wait_for_caches(page, lambda names: len(names) == 1 and names[0] != first_cache)

    phone.set_offline(True)
    page.goto(site + "/relief/cold-therapy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cold packs, freshly reviewed")
    # A re-published page not visited again is replaced too.
    page.goto(site + "/relief/heat-therapy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Heat, freshly reviewed")
    page.goto(site + "/relief/")
    expect(page.get_by_role("main")).to_contain_text("Heat, freshly reviewed")
    expect(page.get_by_role("main")).not_to_contain_text("Heat after the first few days")


# Privacy -------------------------------------------------------------------------------


@pytest.fixture
def at_outcome(phone: BrowserContext, site: str) -> Iterator[Page]:
    """A person who visited, then did the whole check to the "see a doctor" outcome."""
    page = phone.new_page()
    install(page, site)
    start_check(page, site)
    answers, title = OUTCOMES["gp"]
    see_outcome(page, site, answers)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    yield page
    page.wait_for_load_state("networkidle")


def words_of_the_check(page: Page) -> list[str]:
    """Words found only on the checker's pages: the reasons the outcome gives, its own
    sentences, the answers and the questions' addresses."""
    reasons = page.locator("section[aria-labelledby=why-heading] li").all_inner_texts()
    assert reasons
    return [
        *reasons,
        "Why we say this",
        "This advice is based only on your answers",
        "What to tell the doctor",
        "About the same",
        "4 to 7 days ago",
        "/check/numbness-or-weakness/",
    ]


def test_nothing_from_the_symptom_checker_is_stored_in_the_browser(
    at_outcome: Page, site: str
) -> None:
    page = at_outcome
    stored = storage(page)
    assert stored["local"] == {}
    assert_no_history_copies(stored["session"])
    assert stored["databases"] == []
    assert not [url for url in stored["caches"] if "/check/" in url]
    for url, text in stored["caches"].items():
        for words in words_of_the_check(page):
            assert words not in text, (url, words)


def test_a_kept_plan_is_only_the_plan_text_and_is_read_offline_then_deleted(
    at_outcome: Page, site: str, phone: BrowserContext, errors: list[str]
) -> None:
    page = at_outcome
    keep = button(page, "Keep this plan on this phone")
    expect(keep).to_be_visible()
    keep.click()
    expect(page.locator("#kept-plan-done")).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("Kept on this phone.")

    stored = storage(page)
    assert list(stored["local"]) == ["backcare-plan"]
    text = stored["local"]["backcare-plan"]
    source = page.locator("#kept-plan-source").text_content()
    assert source is not None and text == json.loads(source)
    assert text.startswith("BACKCARE: YOUR BACK PAIN PLAN")
    assert "See a doctor in the next few days" in text
    # The plan, not the answers: the doctor's summary of them stays out.
    assert "What to tell the doctor" not in text
    assert "About the same" not in text
    assert_no_history_copies(stored["session"])
    assert stored["databases"] == []
    assert not [url for url in stored["caches"] if "/check/" in url]

    phone.set_offline(True)
    page.goto(site + "/my-plan/")
    plan = page.locator("#kept-plan-text")
    expect(plan.get_by_role("heading", name="See a doctor in the next few days")).to_be_visible()
    expect(plan.get_by_role("heading", name="Get help if things change")).to_be_visible()
    expect(plan.get_by_role("listitem").first).to_be_visible()

    button(page, "Delete this plan from this phone").click()
    expect(page.locator("#kept-plan-deleted")).to_be_focused()
    expect(page.locator("#kept-plan-deleted")).to_have_text(
        "The plan has been deleted from this phone."
    )
    expect(plan).to_be_hidden()
    assert storage(page)["local"] == {}
    page.reload()
    expect(page.get_by_text("There is no plan kept on this phone.")).to_be_visible()
    assert errors == []


def test_clear_my_answers_offers_to_delete_a_kept_plan(at_outcome: Page, site: str) -> None:
    page = at_outcome
    button(page, "Keep this plan on this phone").click()
    page.get_by_role("link", name="Clear my answers", exact=True).click()
    button(page, "Yes, clear my answers").click()
    expect(page.get_by_text("Your answers have been cleared.")).to_be_visible()
    offer = page.get_by_text("You also kept a plan on this phone.")
    expect(offer).to_be_visible()
    button(page, "Delete the kept plan too").click()
    expect(page.locator("[data-kept-plan-offer]")).to_have_text(
        "The plan kept on this phone has been deleted."
    )
    assert storage(page)["local"] == {}


def test_clearing_answers_with_no_plan_kept_offers_nothing(at_outcome: Page, site: str) -> None:
    page = at_outcome
    page.get_by_role("link", name="Clear my answers", exact=True).click()
    button(page, "Yes, clear my answers").click()
    expect(page.get_by_text("Your answers have been cleared.")).to_be_visible()
    expect(page.get_by_text("You also kept a plan on this phone.")).to_be_hidden()


def test_without_javascript_there_is_no_keep_button_and_the_download_remains(
    browser: Browser, site: str
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        start_check(page, site)
        for _slug, labels in OUTCOMES["gp"][0]:
            for label in labels:
                page.get_by_label(label, exact=True).check()
            button(page, "Continue").click()
        button(page, "See my advice").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(OUTCOMES["gp"][1])
        expect(page.get_by_role("button", name="Keep this plan on this phone")).to_be_hidden()
        expect(page.get_by_role("link", name="Download it as a text file")).to_be_visible()
        page.goto(site + "/my-plan/")
        expect(page.get_by_text("your browser is not running scripts")).to_be_visible()
    finally:
        context.close()


# Accessibility -------------------------------------------------------------------------


def test_axe_finds_no_violation_on_the_offline_page_or_my_plan(
    at_outcome: Page, site: str, phone: BrowserContext
) -> None:
    page = at_outcome
    axe = Axe()
    reports = []

    def check(name: str) -> None:
        results = axe.run(page)
        if results.violations_count:
            reports.append(f"{name}\n{results.generate_report()}")

    button(page, "Keep this plan on this phone").click()
    expect(page.locator("#kept-plan-done")).to_be_visible()
    check("outcome, plan kept")
    phone.set_offline(True)
    page.goto(site + "/causes/stress-and-tension/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    check("offline page")
    page.goto(site + "/my-plan/")
    expect(page.locator("#kept-plan-text")).to_be_visible()
    check("my plan, with a plan")
    button(page, "Delete this plan from this phone").click()
    check("my plan, deleted")
    page.reload()
    expect(page.get_by_text("There is no plan kept on this phone.")).to_be_visible()
    check("my plan, none")
    assert not reports, "\n\n".join(reports)


def test_searching_as_you_type_with_no_signal_shows_the_offline_page(
    phone: BrowserContext, site: str
) -> None:
    page = phone.new_page()
    install(page, site)
    page.goto(site + "/search/")
    phone.set_offline(True)
    page.get_by_label("Search backcare").press_sequentially("ice")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_be_visible()


def test_answering_a_question_with_no_signal_shows_the_offline_page(
    phone: BrowserContext, site: str
) -> None:
    page = phone.new_page()
    install(page, site)
    start_check(page, site)
    phone.set_offline(True)
    page.get_by_label("No", exact=True).check()
    button(page, "Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_be_visible()
