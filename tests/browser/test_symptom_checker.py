"""The symptom checker in a real browser: with and without JavaScript, by keyboard, with
the Back button, every outcome, errors, accessibility, clearing answers and the console."""

import re
import statistics
import time
from collections.abc import Callable, Sequence

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Locator, Page, expect

pytestmark = pytest.mark.browser

Answers = list[tuple[str, list[str]]]

RED_FLAGS = [
    "numbness-or-weakness",
    "bladder-bowel-or-saddle",
    "chest-pain-or-breathlessness",
]
# (question slug, labels to choose) for a whole check that ends in looking after it at home.
SELF_CARE: Answers = [(slug, ["No"]) for slug in RED_FLAGS] + [
    ("other-signs", ["None of these"]),
    ("risk-factors", ["None of these"]),
    ("where-it-hurts", ["Lower back, below the ribs"]),
    ("when-started", ["Today"]),
    ("getting-better", ["Getting better"]),
    ("tried", ["A cold pack or ice", "Resting in a comfortable position"]),
    ("what-happened", ["Lifting something heavy, bending or twisting"]),
    ("how-bad", ["Moderate: it slows me down"]),
    ("medicine-cautions", ["None of these"]),
]


def with_answers(**changes: list[str]) -> Answers:
    changed = {key.replace("_", "-"): labels for key, labels in changes.items()}
    return [(slug, changed.get(slug, labels)) for slug, labels in SELF_CARE]


# Each outcome, the answers that lead to it and the heading it shows.
OUTCOMES: dict[str, tuple[Answers, str]] = {
    "emergency": ([("numbness-or-weakness", ["Yes"])], "Call 999 now"),
    "urgent": (
        [*SELF_CARE[:3], ("other-signs", ["A fever (38°C or more), or you feel hot and shivery"])],
        "Get medical help today",
    ),
    "gp": (
        with_answers(when_started=["4 to 7 days ago"], getting_better=["About the same"]),
        "See a doctor in the next few days",
    ),
    "self_care": (SELF_CARE, "You can look after this at home"),
}

QUESTION_TITLE = re.compile(r"^Question (\d+): .+ \| backcare$")


# Helpers -------------------------------------------------------------------------------


def step_heading(page: Page) -> Locator:
    return page.locator("#step-heading")


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def start_check(page: Page, site: str) -> None:
    """Open the start page and press "Start now"; wait for the first question."""
    page.goto(site + "/check/")
    expect(step_heading(page)).to_have_text("Check your back pain")
    button(page, "Start now").click()
    expect(page).to_have_url(site + "/check/numbness-or-weakness/")
    expect(page.get_by_label("Yes", exact=True)).to_be_visible()


def answer(page: Page, labels: Sequence[str]) -> None:
    """Choose the labels on the current question, press Continue, wait for the next step."""
    before = step_heading(page).inner_text()
    for label in labels:
        page.get_by_label(label, exact=True).check()
    button(page, "Continue").click()
    expect(step_heading(page)).not_to_have_text(before)


def answer_all(page: Page, site: str, answers: Answers) -> None:
    for slug, labels in answers:
        expect(page).to_have_url(site + f"/check/{slug}/")
        answer(page, labels)


def see_outcome(page: Page, site: str, answers: Answers) -> None:
    """From the first question: answer, confirm the answers if asked, wait for the outcome."""
    answer_all(page, site, answers)
    expect(page).to_have_url(re.compile(r"/check/(answers|result)/$"))
    if page.url == site + "/check/answers/":
        button(page, "See my advice").click()
    expect(page).to_have_url(site + "/check/result/")
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", re.compile(r"\w+"))


def assert_step_swapped_in(page: Page, site: str, path: str, previous_title: str) -> str:
    """The step at `path` came in by an htmx swap: URL, title, focus and announcement
    all moved on, and the page itself was never reloaded. Returns the new title."""
    expect(page).to_have_url(site + path)
    expect(page).not_to_have_title(previous_title)
    heading = step_heading(page)
    expect(heading).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "step-heading"
    expect(heading).to_be_in_viewport()
    # One step in place of the last, not one inside the other; one <title>, in the head.
    expect(page.locator("#check")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("title")).to_have_count(1)
    # Focus on the heading reads it out; the live region stays quiet, so it is heard once.
    expect(page.locator("#announcer")).to_have_text("")
    assert page.evaluate("window.stillTheSamePage") is True
    return page.title()


# Timed in the browser, so the figures do not depend on how often `expect` polls: from
# htmx sending the request to the new step settled, or from a form being sent to the
# next page's DOMContentLoaded.
TIME_SWAPS = """() => {
    window.swapTimes = [];
    document.addEventListener("htmx:beforeRequest", () => {
        window.swapStart = performance.now();
    });
    document.addEventListener("htmx:afterSettle", () => {
        if (window.swapStart === undefined) return;
        window.swapTimes.push(performance.now() - window.swapStart);
        window.swapStart = undefined;
    });
}"""


def page_load_ms(page: Page) -> float:
    page.wait_for_load_state("domcontentloaded")
    ms: float = page.evaluate(
        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
    )
    assert ms > 0
    return ms


def report_timing(how: str, elapsed: float, steps: list[float]) -> None:
    """Print (not assert) how long a journey took; shown with `pytest -s`."""
    ms = sorted(steps)
    print(
        f"\nJourney {how}: home page to outcome in {elapsed:.2f} s (with the test's checks); "
        f"each of {len(ms)} steps in the browser: median {statistics.median(ms):.0f} ms, "
        f"max {ms[-1]:.0f} ms"
    )


def axe_report(page: Page, what: str) -> str:
    results = Axe().run(page)
    return f"{what}\n{results.generate_report()}" if results.violations_count else ""


# 1, 2, 3: a whole check with JavaScript, without it, and by keyboard -------------------


def test_the_whole_check_with_javascript_swaps_each_step_in_place_moving_focus_and_announcing_it(
    page: Page, site: str
) -> None:
    page.goto(site + "/")
    began = time.perf_counter()
    page.get_by_role("main").get_by_role("link", name="Check your symptoms", exact=True).click()
    expect(step_heading(page)).to_have_text("Check your back pain")
    assert page.url == site + "/check/"
    page.evaluate("window.stillTheSamePage = true")
    page.evaluate(TIME_SWAPS)
    title = page.title()

    button(page, "Start now").click()
    paths = [f"/check/{slug}/" for slug, _ in SELF_CARE] + ["/check/answers/"]
    title = assert_step_swapped_in(page, site, paths[0], title)
    for number, ((_, labels), path) in enumerate(zip(SELF_CARE, paths[1:], strict=True), 1):
        match = QUESTION_TITLE.match(title)
        assert match and int(match.group(1)) == number, title
        answer(page, labels)
        title = assert_step_swapped_in(page, site, path, title)
    swaps: list[float] = page.evaluate("window.swapTimes")
    assert len(swaps) == len(SELF_CARE) + 1
    assert title == "Check your answers | backcare"
    expect(page.get_by_role("main").locator("dd").first).to_have_text("No")

    # "See my advice" loads the outcome as a page of its own, from the top.
    button(page, "See my advice").click()
    expect(page).to_have_url(site + "/check/result/")
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", "self_care")
    expect(step_heading(page)).to_have_text("You can look after this at home")
    elapsed = time.perf_counter() - began
    assert page.evaluate("window.stillTheSamePage") is None
    page.wait_for_load_state("networkidle")
    report_timing("with JavaScript", elapsed, swaps)


def test_the_whole_check_works_without_javascript(
    new_context: Callable[..., BrowserContext], site: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(site + "/")
    began = time.perf_counter()
    page.get_by_role("main").get_by_role("link", name="Check your symptoms", exact=True).click()
    button(page, "Start now").click()
    loads: list[float] = []
    for slug, labels in SELF_CARE:
        expect(page).to_have_url(site + f"/check/{slug}/")
        # Each step is a whole page with its own title.
        assert QUESTION_TITLE.match(page.title()), page.title()
        expect(page.get_by_role("banner")).to_be_visible()
        loads.append(page_load_ms(page))
        answer(page, labels)
    loads.append(page_load_ms(page))
    expect(page).to_have_url(site + "/check/answers/")
    expect(page).to_have_title("Check your answers | backcare")
    button(page, "See my advice").click()
    expect(page).to_have_url(site + "/check/result/")
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", "self_care")
    elapsed = time.perf_counter() - began
    # No script ran: these were plain forms, Post/Redirect/Get.
    assert page.evaluate("typeof window.htmx") == "undefined"
    page.wait_for_load_state("networkidle")
    report_timing("without JavaScript", elapsed, loads)


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until `target` has focus (as a keyboard user would), at most `limit` times."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_the_whole_check_can_be_done_with_the_keyboard_alone(page: Page, site: str) -> None:
    page.goto(site + "/check/")
    tab_to(page, button(page, "Start now"))
    page.keyboard.press("Enter")
    for slug, labels in SELF_CARE:
        expect(page).to_have_url(site + f"/check/{slug}/")
        heading = step_heading(page)
        expect(heading).to_be_focused()
        before = heading.inner_text()
        # Wait for the swap to settle, as a person would: focus is set on the first frame
        # and again when htmx settles 20 ms later.
        page.wait_for_timeout(60)
        choices = page.locator("input[name=answer]")
        if choices.first.get_attribute("type") == "radio":
            # Tab into the group lands on the first choice; the arrow keys move and choose.
            page.keyboard.press("Tab")
            expect(choices.first).to_be_focused()
            wanted = [text.strip() for text in page.locator(".choice label").all_inner_texts()]
            steps = wanted.index(labels[0])
            if steps == 0:
                page.keyboard.press("Space")
            for _ in range(steps):
                page.keyboard.press("ArrowDown")
        else:
            # Tick boxes: Tab to each one wanted and press Space.
            for label in labels:
                tab_to(page, page.get_by_label(label, exact=True))
                page.keyboard.press("Space")
        for label in labels:
            expect(page.get_by_label(label, exact=True)).to_be_checked()
        tab_to(page, button(page, "Continue"))
        page.keyboard.press("Enter")
        expect(heading).not_to_have_text(before)
    expect(page).to_have_url(site + "/check/answers/")
    expect(step_heading(page)).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("")
    tab_to(page, button(page, "See my advice"), limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", "self_care")
    page.wait_for_load_state("networkidle")


# 4: the Back button ----------------------------------------------------------------------


def test_back_after_swaps_shows_the_whole_previous_question_with_its_answer_and_it_still_works(
    page: Page, site: str
) -> None:
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:3])
    expect(page).to_have_url(site + "/check/other-signs/")

    page.go_back()
    expect(page).to_have_url(site + "/check/chest-pain-or-breathlessness/")
    expect(step_heading(page)).to_contain_text("chest pain")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    # A whole page, not the bare fragment an htmx history request would get.
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.locator("#check")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^Question 3: .+ \| backcare$"))
    page.wait_for_load_state("networkidle")

    # The form still works, swapped in place again.
    page.evaluate("window.stillTheSamePage = true")
    answer(page, ["No"])
    expect(page).to_have_url(site + "/check/other-signs/")
    expect(step_heading(page)).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True
    page.wait_for_load_state("networkidle")


# 5, 6: outcomes --------------------------------------------------------------------------


def test_an_emergency_answer_goes_straight_to_call_999(page: Page, site: str) -> None:
    start_check(page, site)
    page.get_by_label("Yes", exact=True).check()
    button(page, "Continue").click()
    expect(page).to_have_url(site + "/check/result/")
    main = page.get_by_role("main")
    expect(main).to_have_attribute("data-disposition", "emergency")
    expect(page.get_by_role("heading", name="Call 999 now", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What to do now")).to_have_count(0)
    expect(main.get_by_text("Check your answers")).to_have_count(0)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("disposition", OUTCOMES)
def test_each_outcome_can_be_reached(page: Page, site: str, disposition: str) -> None:
    answers, heading = OUTCOMES[disposition]
    start_check(page, site)
    see_outcome(page, site, answers)
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", disposition)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"{heading} | backcare")
    page.wait_for_load_state("networkidle")


# 7: errors -------------------------------------------------------------------------------


def test_continue_with_nothing_chosen_shows_a_focused_error_that_links_to_the_first_choice(
    page: Page, site: str
) -> None:
    start_check(page, site)
    button(page, "Continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    # Sighted users can see where focus went, too.
    assert summary.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    expect(page).to_have_title(re.compile(r"^Error: Question 1: "))
    # An error keeps the URL where it is.
    expect(page).to_have_url(site + "/check/numbness-or-weakness/")
    summary.get_by_role("link", name="Choose one answer.").click()
    expect(page.get_by_label("Yes", exact=True)).to_be_focused()
    # The error is fixed by answering: the check moves on.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    button(page, "Continue").click()
    expect(page).to_have_url(site + "/check/bladder-bowel-or-saddle/")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.wait_for_load_state("networkidle")


def assert_choices_are_thumb_sized(page: Page) -> None:
    """Every choice on this question is big enough to tap with a thumb; a tap near the
    bottom edge of the last choice's words chooses it."""
    choices = page.locator(".choice")
    assert choices.count() >= 3
    for row in choices.all():
        box = row.locator("input").bounding_box()
        label = row.locator("label")
        label_box = label.bounding_box()
        assert box and label_box
        # WCAG 2.2's minimum for the control itself; the site's 44px for the words beside it.
        assert box["width"] >= 24 and box["height"] >= 24, (label.inner_text(), box)
        assert label_box["height"] >= 44, (label.inner_text(), label_box)
    last = choices.last.locator("label")
    height = (last.bounding_box() or {"height": 0.0})["height"]
    last.click(position={"x": 4, "y": height - 3})
    expect(choices.last.locator("input")).to_be_checked()
    assert page.evaluate("innerWidth >= document.documentElement.scrollWidth")


def test_each_answer_is_a_thumb_sized_target_on_a_phone(page: Page, site: str) -> None:
    start_check(page, site)
    assert_choices_are_thumb_sized(page)  # radio buttons; the last is "No"
    answer(page, [])
    answer_all(page, site, SELF_CARE[1:8])
    expect(page).to_have_url(site + "/check/tried/")
    assert_choices_are_thumb_sized(page)  # tick boxes
    page.wait_for_load_state("networkidle")


# 8: accessibility ------------------------------------------------------------------------


def test_axe_finds_no_violation_on_the_start_questions_error_and_answers(
    page: Page, site: str
) -> None:
    reports: list[str] = []
    page.goto(site + "/check/")
    reports.append(axe_report(page, "start page"))
    start_check(page, site)
    reports.append(axe_report(page, "a question"))
    button(page, "Continue").click()
    expect(page.get_by_role("alert")).to_be_focused()
    reports.append(axe_report(page, "an error"))
    answer_all(page, site, SELF_CARE[:8])
    expect(page).to_have_url(site + "/check/tried/")
    expect(page.get_by_role("checkbox")).to_have_count(7)
    reports.append(axe_report(page, "a tick-box question"))
    # "Nothing yet" with another tick is refused. (With JavaScript ticking one unticks the
    # other, so both are ticked here without the change events, as without JavaScript.)
    page.evaluate(
        """() => ['nothing', 'massage'].forEach(value =>
            document.querySelector(`input[value="${value}"]`).checked = true)"""
    )
    button(page, "Continue").click()
    expect(page.get_by_role("alert")).to_be_focused()
    reports.append(axe_report(page, "a tick-box error"))
    page.get_by_label("Massage", exact=True).uncheck()
    page.get_by_label("Nothing yet", exact=True).check()
    answer(page, [])
    answer_all(page, site, SELF_CARE[9:])
    expect(page).to_have_url(site + "/check/answers/")
    reports.append(axe_report(page, "check your answers"))
    page.wait_for_load_state("networkidle")
    assert not [r for r in reports if r], "\n\n".join(r for r in reports if r)


@pytest.mark.parametrize("disposition", OUTCOMES)
def test_axe_finds_no_violation_on_the_outcome(page: Page, site: str, disposition: str) -> None:
    start_check(page, site)
    see_outcome(page, site, OUTCOMES[disposition][0])
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", disposition)
    report = axe_report(page, disposition)
    page.wait_for_load_state("networkidle")
    assert not report, report


# 9: clearing -----------------------------------------------------------------------------


def test_clear_my_answers_goes_to_the_start_and_forgets_the_check(page: Page, site: str) -> None:
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:2])
    page.get_by_role("link", name="Clear my answers").click()
    button(page, "Yes, clear my answers").click()
    expect(page).to_have_url(site + "/check/")
    expect(page.get_by_role("status").filter(has_text="cleared")).to_have_text(
        "Your answers have been cleared. Nothing about them is kept."
    )
    expect(button(page, "Start now")).to_be_visible()
    page.goto(site + "/check/chest-pain-or-breathlessness/")
    expect(page).to_have_url(site + "/check/")
    expect(page.get_by_text("Your answers have expired or were cleared")).to_be_visible()
    page.wait_for_load_state("networkidle")


def test_start_again_works_from_swapped_in_steps_and_from_the_outcome(
    page: Page, site: str
) -> None:
    # Steps swapped in by htmx carry no CSRF token of their own: htmx sends it in a header.
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:2])
    page.get_by_role("link", name="Start again").click()
    button(page, "Yes, start again").click()
    expect(page).to_have_url(site + "/check/numbness-or-weakness/")
    expect(page.get_by_label("No", exact=True)).not_to_be_checked()
    see_outcome(page, site, OUTCOMES["urgent"][0])
    page.get_by_role("link", name="Start again").click()
    button(page, "Yes, start again").click()
    expect(page).to_have_url(site + "/check/numbness-or-weakness/")
    # The whole page was replaced, so nothing of the outcome is left on <main>.
    expect(page.get_by_role("main")).not_to_have_attribute("data-disposition", re.compile(".*"))
    answer(page, ["No"])
    expect(page).to_have_url(site + "/check/bladder-bowel-or-saddle/")
    page.wait_for_load_state("networkidle")


def test_an_expired_form_reloads_the_page_it_was_on_and_the_next_try_works(
    page: Page, site: str
) -> None:
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:2])
    page.context.clear_cookies(name=re.compile("csrftoken"))  # as after a token rotation
    # Refused with 403. The page it was on reloads with a new token.
    page.get_by_label("No", exact=True).check()
    with page.expect_navigation():
        button(page, "Continue").click()
    expect(page).to_have_url(site + "/check/chest-pain-or-breathlessness/")
    expect(step_heading(page)).to_contain_text("chest")
    answer(page, ["No"])
    expect(page).to_have_url(site + "/check/other-signs/")
    page.wait_for_load_state("networkidle")


# 10: a clean console ---------------------------------------------------------------------


def test_a_whole_check_logs_no_script_error_or_csp_violation(
    page: Page, site: str, console_errors: list[str]
) -> None:
    errors = console_errors
    page.goto(site + "/")
    page.get_by_role("main").get_by_role("link", name="Check your symptoms", exact=True).click()
    button(page, "Start now").click()
    see_outcome(page, site, SELF_CARE)
    expect(page.get_by_role("main")).to_have_attribute("data-disposition", "self_care")
    # The outcome's own script-driven parts are there: the print button was revealed.
    expect(button(page, "Print this plan")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not errors, errors

    # The listener does hear a violation on these pages: a style attribute is refused.
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")


# The warning-sign tick-box pages and where it hurts ----------------------------------------


def tick_by_keyboard(page: Page, labels: Sequence[str]) -> None:
    for label in labels:
        box = page.get_by_label(label, exact=True)
        tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    tab_to(page, button(page, "Continue"))
    before = step_heading(page).inner_text()
    page.keyboard.press("Enter")
    expect(step_heading(page)).not_to_have_text(before)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_risk_factor_ticked_by_keyboard_leads_to_same_day_care_and_says_why(
    new_context: Callable[..., BrowserContext], site: str, javascript: bool
) -> None:
    page = new_context(java_script_enabled=javascript).new_page()
    start_check(page, site)
    answer_all(page, site, SELF_CARE[:3])
    reports: list[str] = []

    def check_axe(what: str) -> None:
        # axe runs as a script in the page, so it can only look with JavaScript on.
        if javascript:
            reports.append(axe_report(page, what))

    expect(page).to_have_url(site + "/check/other-signs/")
    check_axe("other signs")
    tick_by_keyboard(page, ["Pain that wakes you at night"])
    expect(page).to_have_url(site + "/check/risk-factors/")
    check_axe("risk factors")
    tick_by_keyboard(page, ["I have thin, weak bones (osteoporosis)"])
    expect(page).to_have_url(site + "/check/where-it-hurts/")
    check_axe("where it hurts")
    tick_by_keyboard(page, ["Lower back, below the ribs", "Neck and shoulders"])
    see_outcome(page, site, SELF_CARE[6:])  # lifting: a strain with thin bones
    main = page.get_by_role("main")
    expect(main).to_have_attribute("data-disposition", "urgent")
    expect(main).to_contain_text("You told us you have thin bones (osteoporosis)")
    tell = page.locator("#tell-heading + dl")
    expect(tell).to_contain_text("I have thin, weak bones (osteoporosis)")
    expect(tell).to_contain_text("Pain that wakes you at night")
    expect(tell).not_to_contain_text("None of these")
    check_axe("urgent outcome")
    page.wait_for_load_state("networkidle")
    assert not [r for r in reports if r], "\n\n".join(r for r in reports if r)


def test_chest_pain_says_call_an_ambulance_and_not_to_go_by_car(page: Page, site: str) -> None:
    start_check(page, site)
    see_outcome(page, site, [*SELF_CARE[:2], ("chest-pain-or-breathlessness", ["Yes"])])
    main = page.get_by_role("main")
    expect(main).to_have_attribute("data-disposition", "emergency")
    expect(main).to_contain_text("ask for an ambulance")
    expect(main).to_contain_text("Do not go to hospital by car")
    expect(main).not_to_contain_text("go straight to the nearest emergency department")
    page.wait_for_load_state("networkidle")
