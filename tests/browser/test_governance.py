"""Page feedback and the governance pages in a real browser, with and without JavaScript."""

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from backcare.governance.models import Feedback

from .test_admin import log_in

pytestmark = pytest.mark.browser

PAGE = "/relief/heat-therapy/"


def test_feedback_with_htmx_swaps_in_place_and_keeps_the_words(
    page: Page, site: str, console_errors: list[str]
) -> None:
    page.goto(site + PAGE)
    box = page.locator(".feedback")
    box.get_by_role("button", name="No").click()
    comment = page.get_by_role("textbox", name="What was missing or unclear? (optional)")
    expect(comment).to_be_visible()
    expect(box).to_contain_text("Do not write any personal or health details")
    assert page.url == site + PAGE  # swapped in place
    comment.fill("Say how long to use heat.")
    page.locator(".feedback").get_by_role("button", name="Send").click()
    expect(page.locator(".feedback")).to_contain_text("Thank you for your feedback")
    page.wait_for_load_state("networkidle")
    assert console_errors == []
    assert sorted(str(r.useful) for r in Feedback.objects.all()) == ["False", "None"]
    assert Feedback.objects.get(useful=None).comment == "Say how long to use heat."


def test_feedback_works_without_javascript(
    new_context: Callable[..., BrowserContext], site: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto(site + PAGE)
    page.locator(".feedback").get_by_role("button", name="Yes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    page.get_by_role("link", name="Go back to the page").click()
    assert page.url == site + PAGE
    page.locator(".feedback").get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    page.get_by_role("textbox", name="What was missing or unclear? (optional)").fill(
        "More pictures."
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert Feedback.objects.filter(useful=True).count() == 1
    assert Feedback.objects.filter(useful=False).count() == 1
    assert Feedback.objects.get(useful=None).comment == "More pictures."


def test_the_feedback_box_and_its_follow_up_pass_axe(page: Page, site: str) -> None:
    page.goto(site + PAGE)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.goto(site + f"/feedback/more/?page={PAGE}")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_outcomes_and_safety_case_pages_pass_axe(
    page: Page, site: str, reviewer: Any, console_errors: list[str]
) -> None:
    log_in(page, site, "rita")
    for path in ("/admin/governance/checkeroutcomes/", "/admin/governance/safetycase/"):
        page.goto(site + path)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
    assert console_errors == []
