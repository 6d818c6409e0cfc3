"""The symptom checker on a phone screen: what stays in view, what one tap does, what asks
first, and where focus lands."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .test_symptom_checker import (
    OUTCOMES,
    SELF_CARE,
    answer,
    answer_all,
    button,
    see_outcome,
    start_check,
    step_heading,
)

pytestmark = pytest.mark.browser


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["y"] >= 0 and box["y"] + box["height"] <= 844


def test_progress_and_back_stay_in_view_after_each_swapped_step(page: Page, site: str) -> None:
    start_check(page, site)
    for _slug, labels in SELF_CARE[:9]:
        # A thumb scrolls down to reach Continue before answering.
        page.mouse.wheel(0, 2000)
        answer(page, labels)
        page.wait_for_timeout(100)
        assert in_view(page, ".progress-label"), page.url
        assert in_view(page, ".back-link"), page.url


def test_common_questions_fit_the_first_screen_with_their_answers_and_continue(
    page: Page, site: str
) -> None:
    start_check(page, site)
    checked = 0
    for _slug, labels in SELF_CARE:
        # The long tick-box lists (warning signs, risk factors, what you tried) may scroll;
        # every single-answer question must fit whole on the first screen.
        if not page.locator("input[type=checkbox]").count():
            assert in_view(page, "#step-heading"), page.url
            assert in_view(page, "form button[type=submit]"), page.url
            checked += 1
        answer(page, labels)
    assert checked >= 6


def test_the_header_calls_the_emergency_number(page: Page, site: str) -> None:
    page.goto(site + "/")
    link = page.locator(".emergency-bar a")
    expect(link).to_have_attribute("href", "tel:999")
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44
    page.wait_for_load_state("networkidle")


def test_the_urgent_outcome_calls_the_urgent_service_and_999(page: Page, site: str) -> None:
    start_check(page, site)
    see_outcome(page, site, OUTCOMES["urgent"][0])
    call = page.get_by_role("link", name="Call NHS 111")
    expect(call).to_have_attribute("href", "tel:111")
    assert in_view(page, ".care-big .button-call")
    expect(page.locator(".care-big a[href='tel:999']")).to_be_visible()


def test_the_emergency_outcome_calls_999_in_one_tap(page: Page, site: str) -> None:
    start_check(page, site)
    answer(page, ["Yes"])
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_have_attribute(
        "href", "tel:999"
    )


@pytest.mark.parametrize("disposition", OUTCOMES)
def test_the_outcome_heading_has_focus_when_the_outcome_opens(
    page: Page, site: str, disposition: str
) -> None:
    answers, title = OUTCOMES[disposition]
    start_check(page, site)
    see_outcome(page, site, answers)
    expect(step_heading(page)).to_have_text(title)
    expect(step_heading(page)).to_be_focused()
    page.wait_for_load_state("networkidle")


def test_start_again_asks_first_and_no_keeps_the_answers(page: Page, site: str) -> None:
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:3])
    page.get_by_role("link", name="Start again").click()
    expect(step_heading(page)).to_have_text("Start again?")
    page.get_by_role("link", name="No, go back to my check").click()
    expect(page).to_have_url(site + "/check/other-signs/")
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_label("No", exact=True)).to_be_checked()


def test_the_confirm_steps_work_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site + "/check/")
    button(page, "Start now").click()
    page.get_by_label("No", exact=True).check()
    button(page, "Continue").click()
    page.get_by_role("link", name="Clear my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clear your answers?")
    button(page, "Yes, clear my answers").click()
    expect(page).to_have_url(site + "/check/")
    expect(page.get_by_text("Your answers have been cleared.")).to_be_visible()
    context.close()


def test_none_of_these_clears_the_other_boxes_and_the_reverse(page: Page, site: str) -> None:
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:8])
    expect(page).to_have_url(site + "/check/tried/")
    page.get_by_label("Massage", exact=True).check()
    page.get_by_label("A cold pack or ice", exact=True).check()
    page.get_by_label("Nothing yet", exact=True).check()
    expect(page.get_by_label("Massage", exact=True)).not_to_be_checked()
    expect(page.get_by_label("A cold pack or ice", exact=True)).not_to_be_checked()
    page.get_by_label("Massage", exact=True).check()
    expect(page.get_by_label("Nothing yet", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Massage", exact=True)).to_be_checked()


def test_without_javascript_both_ticked_says_what_to_do(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/check/")
    button(page, "Start now").click()
    for _slug, labels in SELF_CARE[:8]:
        for label in labels:
            page.get_by_label(label, exact=True).check()
        button(page, "Continue").click()
    page.get_by_label("Massage", exact=True).check()
    page.get_by_label("Nothing yet", exact=True).check()
    button(page, "Continue").click()
    expect(page.locator(".error-message")).to_contain_text(
        re.compile("Untick “Nothing yet”, or untick the other answers")
    )
    context.close()


def test_why_we_ask_is_well_apart_from_continue(page: Page, site: str) -> None:
    start_check(page, site)
    continue_box = button(page, "Continue").bounding_box()
    why_box = page.get_by_role("link", name="Why we ask about this").bounding_box()
    assert continue_box and why_box
    assert why_box["y"] - (continue_box["y"] + continue_box["height"]) >= 32
    page.wait_for_load_state("networkidle")
