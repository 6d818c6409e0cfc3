"""Editors and clinical reviewers in a real browser: the workflow, conflicts, accessibility."""

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from backcare.articles.models import Remedy

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Keep the content right")).to_be_visible()


def open_remedy(page: Page, site: str, slug: str) -> None:
    remedy = Remedy.objects.get(slug=slug)
    page.goto(f"{site}/admin/articles/remedy/{remedy.pk}/change/")
    expect(page.get_by_label("Title:")).to_be_visible()


def test_an_editor_drafts_previews_and_sends_for_review_and_a_reviewer_publishes(
    site: str, browser: Browser, editor: Any, reviewer: Any
) -> None:
    editing = browser.new_context()
    page = editing.new_page()
    log_in(page, site, "edna")
    open_remedy(page, site, "massage")
    page.get_by_label("Title:").fill("Gentle massage for a tight back")
    body = page.get_by_label("Body:")
    body.fill(body.input_value() + "\n\nA **new line** from the editor.")
    # The Markdown preview follows the typing.
    expect(page.locator("#markdown-preview strong", has_text="new line")).to_be_visible()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft.")).to_be_visible()

    with page.expect_popup() if False else page.expect_navigation():
        page.get_by_role("link", name="Preview as the public would see it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gentle massage for a tight back")
    expect(page.get_by_text("Staff only")).to_be_visible()
    page.go_back()

    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_text("Sent for review.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="In review.")).to_be_visible()
    expect(page.get_by_role("button", name="Save and publish")).to_have_count(0)

    public = browser.new_page()
    public.goto(f"{site}/relief/massage/")
    expect(public.get_by_role("heading", level=1)).not_to_have_text(
        "Gentle massage for a tight back"
    )

    reviewing = browser.new_context().new_page()
    log_in(reviewing, site, "rita")
    open_remedy(reviewing, site, "massage")
    reviewing.get_by_role("button", name="Save and publish (sign off as Rita Tester)").click()
    expect(reviewing.get_by_text("Published: the public now sees this version.")).to_be_visible()

    public.reload()
    expect(public.get_by_role("heading", level=1)).to_have_text("Gentle massage for a tight back")
    expect(public.locator("strong", has_text="new line")).to_be_visible()
    for p in (page, reviewing, public):
        p.wait_for_load_state("networkidle")


def test_two_pages_editing_one_item_end_with_the_second_refused_and_nothing_lost(
    site: str, browser: Browser, editor: Any, reviewer: Any
) -> None:
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    log_in(first, site, "rita")
    log_in(second, site, "edna")
    open_remedy(first, site, "heat-therapy")
    open_remedy(second, site, "heat-therapy")

    first.get_by_role("textbox", name="Summary:").fill("Rita's summary of heat.")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_role("status").filter(has_text="Draft.")).to_be_visible()

    second.get_by_role("textbox", name="Summary:").fill("Edna's summary of heat.")
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_text("Rita Tester saved this item")).to_be_visible()
    expect(second.get_by_role("textbox", name="Summary:")).to_have_value("Edna's summary of heat.")
    expect(
        second.get_by_text("The version Rita Tester saved now says: Rita's summary")
    ).to_be_visible()
    assert Remedy.objects.get(slug="heat-therapy").summary == "Rita's summary of heat."

    # Edna merges the two and saves: this time it goes through.
    second.get_by_role("textbox", name="Summary:").fill("Rita's and Edna's summary of heat.")
    # A field that differed must be marked as merged before the save goes through.
    second.get_by_role("checkbox", name="Summary: the box now holds").check()
    second.get_by_role("button", name="Save draft").click()
    expect(second.get_by_role("status").filter(has_text="Draft.")).to_be_visible()
    assert Remedy.objects.get(slug="heat-therapy").summary == "Rita's and Edna's summary of heat."
    # Close both contexts: their kept-alive connections would otherwise outlive the test
    # and close the shared test database connection from a server thread at session end.
    for p in (first, second):
        p.wait_for_load_state("networkidle")
        p.context.close()


def test_a_reviewer_reverts_from_the_history_page(site: str, page: Page, reviewer: Any) -> None:
    log_in(page, site, "rita")
    open_remedy(page, site, "massage")
    original = page.get_by_label("Title:").input_value()
    page.get_by_label("Title:").fill("A title to undo")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="History").click()
    expect(page.locator("ins", has_text="A title to undo")).to_be_visible()
    page.get_by_role("button", name="Revert to this version").first.click()
    expect(page.get_by_text("is back to the version of")).to_be_visible()
    assert Remedy.objects.get(slug="massage").title == original
    page.wait_for_load_state("networkidle")


ADMIN_PAGES = {
    "index": "/admin/",
    "remedy list": "/admin/articles/remedy/",
    "remedy form": "remedy",
    "remedy history": "history",
    "symptom checker": "/admin/triage/flowversion/",
    "question form": "/admin/triage/question/{question}/change/",
}


def admin_url(site: str, key: str) -> str:
    from backcare.triage.models import Question

    remedy = Remedy.objects.get(slug="massage")
    path = ADMIN_PAGES[key]
    if path == "remedy":
        path = f"/admin/articles/remedy/{remedy.pk}/change/"
    elif path == "history":
        path = f"/admin/articles/remedy/{remedy.pk}/history/"
    return site + path.format(question=Question.objects.get(slug="other-signs").pk)


# Our own parts of the admin pages: the banners, buttons, history and checks we add.
OUR_PARTS = [
    ".workflow-status", ".submit-row", ".markdown-preview", ".history", ".flow-state",
    ".dashboard-notes", "#content-main table",
]  # fmt: skip


@pytest.mark.parametrize("key", ADMIN_PAGES)
def test_admin_pages_we_add_or_change_have_no_accessibility_violations(
    site: str, page: Page, reviewer: Any, key: str
) -> None:
    log_in(page, site, "rita")
    page.goto(admin_url(site, key))
    present = [s for s in OUR_PARTS if page.locator(s).count()]
    assert present, "none of our parts on this page"
    results = Axe().run(page, context={"include": [[s] for s in present]})
    assert results.violations_count == 0, results.generate_report()


def test_the_admin_makes_no_request_elsewhere_and_no_csp_violation(
    site: str, page: Page, reviewer: Any, console_errors: list[str]
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, site, "rita")
    for key in ADMIN_PAGES:
        page.goto(admin_url(site, key))
        page.wait_for_load_state("networkidle")
    page.goto(admin_url(site, "remedy form"))
    page.get_by_label("Body:").press_sequentially(" typed", delay=20)
    expect(page.locator("#markdown-preview")).to_contain_text("typed")
    page.wait_for_load_state("networkidle")
    assert [u for u in requests if not u.startswith((site, "data:"))] == []
    assert console_errors == []
