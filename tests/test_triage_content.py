"""content/triage/: loading the symptom checker, publishing it, and validate_flow."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from backcare.contentfiles.loader import LoadReport
from backcare.triage.models import FlowVersion, Question

from .helpers import edit, run_load

pytestmark = pytest.mark.django_db


def test_loading_publishes_the_flow_once(content_dir: Path) -> None:
    assert "published flow version" in run_load(content_dir)
    assert FlowVersion.objects.count() == 1
    assert "published flow version" not in run_load(content_dir)
    assert FlowVersion.objects.count() == 1


def test_a_changed_question_publishes_a_new_version(content_dir: Path) -> None:
    run_load(content_dir)
    edit(content_dir / "triage/questions/other-signs.yaml", "feel hot and shivery", "feel ill")
    output = run_load(content_dir)
    assert "updated: triage/questions/other-signs" in output
    assert FlowVersion.objects.count() == 2


def test_a_flow_that_fails_a_case_is_not_loaded(content_dir: Path) -> None:
    edit(content_dir / "triage/rules/fever.yaml", "level: urgent", "level: gp")
    with pytest.raises(CommandError) as error:
        run_load(content_dir)
    message = str(error.value)
    assert "the symptom checker failed its checks" in message
    assert "other-signs:fever must lead to at least 'urgent'" in message
    assert "Nothing was changed." in message
    assert not Question.objects.exists() and not FlowVersion.objects.exists()


def test_a_rule_naming_an_unknown_answer_stops_the_load(content_dir: Path) -> None:
    edit(content_dir / "triage/rules/fever.yaml", "other-signs: [fever]", "other-signs: [very]")
    with pytest.raises(CommandError) as error:
        run_load(content_dir)
    assert "rules/fever.yaml: when.other-signs: no answer 'very'" in str(error.value)


def test_a_question_without_choices_stops_the_load(content_dir: Path) -> None:
    path = content_dir / "triage/questions/how-bad.yaml"
    path.write_text(path.read_text().split("choices:")[0] + "choices: []\n")
    with pytest.raises(CommandError) as error:
        run_load(content_dir)
    assert "how-bad.yaml: choices: must be a list of choices" in str(error.value)


def test_an_edited_question_is_kept_and_the_flow_left_for_review(content_dir: Path) -> None:
    run_load(content_dir)
    Question.objects.filter(slug="other-signs").update(text="Edited by a clinician")
    edit(content_dir / "triage/questions/how-bad.yaml", "How bad", "How strong")
    output = run_load(content_dir)
    assert "left alone: triage/questions/other-signs" in output
    assert "symptom checker: not published" in output
    assert FlowVersion.objects.count() == 1


def test_validate_flow_reports_every_case(content: LoadReport) -> None:
    out = StringIO()
    call_command("validate_flow", stdout=out)
    output = out.getvalue()
    cases = len(list((Path(settings.BACKCARE_CONTENT_DIR) / "triage/cases").glob("*.yaml")))
    assert f"0 problems, {cases}/{cases} cases passed" in output
    assert "fever-is-urgent: expected urgent, got urgent (ok)" in output


def test_validate_flow_fails_on_a_broken_flow(content: LoadReport) -> None:
    Question.objects.get(slug="other-signs").choices.filter(value="fever").update(floor="emergency")
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("validate_flow", stdout=out)
    assert "problem: Answer other-signs:fever must lead to at least 'emergency'" in out.getvalue()
    assert "0/0 cases passed" in str(error.value)


def test_validate_flow_can_check_the_published_flow(content: LoadReport) -> None:
    out = StringIO()
    call_command("validate_flow", "--published", stdout=out)
    assert "published flow version" in out.getvalue()


def test_a_reload_never_publishes_admin_edits_to_the_checker(content_dir: Path) -> None:
    from backcare.triage.models import Disposition, Rule

    run_load(content_dir)
    # Made in the admin, so it has no file, and not yet reviewed.
    Rule.objects.create(
        slug="admin-made", order=200, disposition=Disposition.objects.get(level="gp"),
        reason="Made in the admin.",
    )  # fmt: skip
    edit(content_dir / "triage/questions/how-bad.yaml", "How bad", "How strong")
    output = run_load(content_dir)
    assert "symptom checker: not published" in output and "triage/rules/admin-made" in output
    assert FlowVersion.objects.count() == 1


def test_an_unchanged_reload_publishes_nothing_even_after_admin_edits(content_dir: Path) -> None:
    run_load(content_dir)
    Question.objects.filter(slug="other-signs").update(text="Edited, not reviewed")
    Question.objects.filter(slug="other-signs").update(loaded_fingerprint="")
    run_load(content_dir)
    assert FlowVersion.objects.count() == 1
