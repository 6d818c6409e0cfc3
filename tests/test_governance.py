"""The clinical safety case and the outcome counts page, for clinical reviewers."""

import inspect
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backcare.contentfiles.loader import LoadReport
from backcare.governance import safety_case, stats
from backcare.triage import validation
from backcare.triage.flows import publish_working_flow, published_flow
from backcare.triage.models import FlowVersion, OutcomeCount, Rule, StopCount, TriageCase

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def current_markdown() -> str:
    case = safety_case.build()
    assert case is not None
    return safety_case.to_markdown(case)


# The safety case ----------------------------------------------------------------------


def test_the_safety_case_lists_every_rule_and_every_case_of_the_published_flow(
    content: LoadReport,
) -> None:
    text = current_markdown()
    flow = published_flow()
    assert flow is not None
    for rule in flow.rules:
        assert f"| `{rule.slug}` | {rule.level.value} |" in text
    for case in TriageCase.objects.all():
        assert f"| `{case.slug}` |" in text
        assert f"| `{case.slug}` | {case.description}" in text
    assert "FAILS" not in text
    assert "NONE: add a test case" not in text


def test_every_warning_sign_is_a_hazard_with_harm_rule_cases_and_sign_off(
    content: LoadReport,
) -> None:
    case = safety_case.build()
    assert case is not None
    flags = [q for q in case.flow.questions if q.red_flag]
    assert {"other-signs", "risk-factors"} <= {q.slug for q in flags}  # tick-box pages too
    text = safety_case.to_markdown(case)
    for question in flags:
        hazards = [h for h in case.hazards if h.question.slug == question.slug]
        assert hazards, question.slug
        for hazard in hazards:
            # From the red flag page's "Why it matters", or else the rules' signed-off reason.
            assert hazard.harm, (question.slug, hazard.name)
            assert hazard.rules and hazard.proofs, (question.slug, hazard.name)
            assert f"### H{case.hazards.index(hazard) + 1}. {hazard.name}" in text
        if question.info_url:
            (hazard,) = hazards
            assert hazard.page is not None and hazard.page.title in text
        else:
            # Each sign or risk factor on a tick-box page is a hazard of its own.
            raising = [c.value for c in question.choices if c.floor]
            assert [h.choice.value for h in hazards if h.choice] == raising
            assert all(h.question.multiple for h in hazards)
    fever = next(h for h in case.hazards if h.choice and h.choice.value == "fever")
    assert fever.page is not None and fever.page.slug == "fever"
    assert "Why it matters" not in fever.harm and fever.harm
    cancer = next(h for h in case.hazards if h.choice and h.choice.value == "cancer")
    assert cancer.page is None and "cancer" in cancer.harm
    assert "`cancer-is-urgent` (urgent, passes)" in text
    none = [h for h in case.hazards if h.choice and h.choice.value == "none"]
    assert not none  # "None of these" is no hazard
    assert text.count("- **Signed off:**") == len(case.hazards)
    assert "{emergency_number}" not in text  # local words filled in
    assert "{urgent_service}" not in text


def test_the_safety_case_states_what_the_validator_proves_for_every_check() -> None:
    called = set(re.findall(r"(_check_\w+)\(flow\)", inspect.getsource(validation.validate)))
    assert called == set(safety_case.PROVEN)


def test_the_safety_case_says_what_the_checker_does_not_cover(content: LoadReport) -> None:
    text = current_markdown()
    section = text.split("## What the checker does not cover")[1].split("##")[0]
    assert "does not diagnose" in section


def test_the_safety_case_changes_when_the_flow_does(content: LoadReport, reviewer: Any) -> None:
    before = current_markdown()
    rule = Rule.objects.get(slug="fever")
    rule.reason = "You told us you feel hot and shivery, so a doctor should see you today."
    rule.save()
    TriageCase.objects.create(
        slug="fever-again-is-urgent",
        description="Fever, checked once more",
        expected="urgent",
        answers=TriageCase.objects.get(slug="fever-is-urgent").answers,
    )
    version = publish_working_flow(user=reviewer)
    assert version is not None
    after = current_markdown()
    assert after != before
    assert f"flow version {version.pk}" in after
    assert "feel hot and shivery, so a doctor should see you today" in after
    assert "`fever-again-is-urgent` (urgent, passes)" in after
    assert "Changed rule fever." in after
    assert "Rita Tester" in after  # who published it


def test_manage_py_safety_case_writes_the_markdown(content: LoadReport, tmp_path: Path) -> None:
    target = tmp_path / "case.md"
    out = StringIO()
    call_command("safety_case", "--output", str(target), stdout=out)
    version = FlowVersion.objects.get()  # its number is not 1 on PostgreSQL after other tests
    assert f"Wrote the safety case of flow version {version.pk}" in out.getvalue()
    text = target.read_text()
    assert text.startswith("# Clinical safety case")

    def undated(markdown: str) -> str:
        return re.sub(r"Generated [^f]*from", "Generated from", markdown)

    assert undated(text) == undated(current_markdown())


def test_the_safety_case_page_shows_it_to_staff(content: LoadReport, editor: Any) -> None:
    page = logged_in(editor).get("/admin/governance/safetycase/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Clinical safety case" in html
    assert "<table>" in html
    download = logged_in(editor).get("/admin/governance/safetycase/safety-case.md")
    assert download["Content-Type"].startswith("text/markdown")
    assert download.content.decode().startswith("# Clinical safety case")


# The outcome counts page --------------------------------------------------------------


def add_counts(level: str, rule: str, count: int, days_ago: int = 0) -> None:
    version = FlowVersion.objects.first()
    assert version is not None
    OutcomeCount.objects.create(
        day=timezone.localdate() - timedelta(days=days_ago),
        flow_version=version,
        level=level,
        rule=rule,
        count=count,
    )


def test_a_count_under_five_is_shown_as_fewer_than_five() -> None:
    assert [stats.shown(n) for n in (0, 1, 4, 5, 12)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "12",
    ]
    assert stats.share(3, 100) == "fewer than 5"
    assert stats.share(25, 100) == "25%"


def test_the_outcomes_page_shows_a_chart_and_a_table_and_hides_small_numbers(
    content: LoadReport, reviewer: Any
) -> None:
    add_counts("emergency", "numbness-or-weakness", 3)
    add_counts("self_care", "", 37)
    add_counts("gp", "severe-pain", 8, days_ago=1)
    version = FlowVersion.objects.get()
    StopCount.objects.create(
        day=timezone.localdate(), flow_version=version, question="other-signs", count=6
    )
    page = logged_in(reviewer).get("/admin/governance/checkeroutcomes/")
    assert page.status_code == 200
    html = page.content.decode()
    svg = html.split('<svg class="outcome-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg
    assert "<script" not in html.split('id="content"', 1)[1]
    assert svg.count('class="seg seg-self_care"') == 1
    assert 'class="seg seg-emergency"' not in svg  # 3 is too small to draw
    table = html.split('class="outcome-table"', 1)[1].split("</table>", 1)[0]
    assert "fewer than 5" in table
    assert ">3<" not in table
    assert ">37<" in table and ">8<" in table
    assert "Do you have any of these as well as the back pain?" in html  # where checks stopped
    assert ">6<" in html
    assert f"Version {version.pk} published" in html  # PostgreSQL does not reuse ids


def test_only_clinical_reviewers_see_the_outcome_counts(content: LoadReport, editor: Any) -> None:
    assert logged_in(editor).get("/admin/governance/checkeroutcomes/").status_code == 403


def test_the_chart_has_a_bar_per_day_scaled_to_the_busiest(content: LoadReport) -> None:
    add_counts("self_care", "", 40)
    add_counts("self_care", "", 20, days_ago=2)
    rows = stats.days(stats.since_default(), timezone.localdate())
    bars, height = stats.chart(rows)
    assert [b.segments[0].width for b in bars] == [stats.BAR_WIDTH, stats.BAR_WIDTH / 2]
    assert height > bars[-1].y
