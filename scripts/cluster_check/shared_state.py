"""Checks that the instances share everything: sessions, CSRF tokens, published content."""

from __future__ import annotations

from itertools import chain, cycle, repeat

from .browser import Browser
from .config import (
    EMERGENCY_CASE,
    FIRST_QUESTION,
    REMEDY,
    RUN_TAG,
    SELF_CARE_CASE,
    A,
    B,
    CheckFailed,
)
from .journeys import (
    admin_change_url,
    expect_disposition,
    first_case,
    load_case,
    publish_flow,
    save_in_admin,
    start_check,
    walk_check,
)
from .pages import expect_text, form_fields, replace_field


def check_started_on_a_finishes_on_b() -> str:
    case = load_case(EMERGENCY_CASE)
    result = walk_check(Browser(), case, chain([A, A], repeat(B)))
    return (
        f"{case.slug}: started on A, answered on B, result on B: {expect_disposition(result, case)}"
    )


def check_alternating_instances() -> str:
    results = []
    for case in (load_case(SELF_CARE_CASE), first_case("gp")):
        result = walk_check(Browser(), case, cycle([A, B]))
        results.append(f"{case.slug}: {expect_disposition(result, case)}")
    return "every request to the other instance; " + ", ".join(results)


def check_content_edit_served_by_other_instance(admin: Browser) -> str:
    public = f"/relief/{REMEDY}/"
    Browser().get(B, public).expect(200)  # B has served the old version
    url = admin_change_url(admin, A, "articles/remedy", REMEDY)
    fields = form_fields(admin.get(A, url).expect(200), "remedy_form")
    old = dict(fields)["title"]
    _, new = replace_field(fields, "title", f"{old} (edited on A, {RUN_TAG})")
    save_in_admin(admin, A, url, [*fields, ("_publish", "Save and publish")])
    expect_text(Browser().get(B, public).expect(200), new, "B does not serve what A published")
    return f"title {old!r} -> {new!r}, published on A, shown by B at once"


def check_flow_publish_served_by_other_instance(admin: Browser) -> str:
    earlier = Browser()  # a visitor who starts before the publish, on B
    first = start_check(earlier, repeat(B))
    old_page = earlier.get(B, first).expect(200)

    url = admin_change_url(admin, A, "triage/question", FIRST_QUESTION)
    fields = form_fields(admin.get(A, url).expect(200), "question_form")
    old_text = dict(fields)["text"]
    expect_text(old_page, old_text, "B does not show the published question")
    _, new_text = replace_field(fields, "text", f"{old_text} (edited on A, {RUN_TAG})")
    save_in_admin(admin, A, url, [*fields, ("_save", "Save")])

    publish_flow(admin, A)

    fresh = Browser()
    expect_text(
        fresh.get(B, start_check(fresh, repeat(B))).expect(200),
        new_text,
        "B still serves the old symptom checker",
    )
    restarted = earlier.get(B, first)
    if restarted.status != 303 or restarted.where != "/check/":
        raise CheckFailed(f"a check begun before the publish got {restarted.status}, not a restart")
    expect_text(
        earlier.get(B, "/check/").expect(200),
        "We have updated the questions since you started",
        "the restarted visitor is not told why",
    )
    return "new question text on B at once; a check begun before it restarts with a message"
