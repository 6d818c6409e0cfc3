"""load_content: all or nothing, idempotent, and it never overwrites an editor's work."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError

from backcare.articles.models import Cause, Prevention, Remedy, Status
from backcare.contentfiles.files import ContentError
from backcare.contentfiles.loader import load
from backcare.contentfiles.registry import all_kinds
from backcare.triage.models import FlowVersion

from .helpers import edit, run_load

pytestmark = pytest.mark.django_db

REAL_CONTENT = Path(settings.BACKCARE_CONTENT_DIR)


def test_first_load_creates_every_item_and_reports_each(content_dir: Path) -> None:
    files = [*content_dir.glob("*/*.md"), *content_dir.glob("triage/*/*.yaml")]
    output = run_load(content_dir)
    assert f"{len(files)} created, 0 updated" in output
    assert "created: remedies/cold-therapy" in output
    assert Remedy.objects.published().filter(slug="cold-therapy").exists()


def test_second_load_changes_nothing(content_dir: Path) -> None:
    run_load(content_dir)
    output = run_load(content_dir)
    assert "0 created, 0 updated" in output
    assert "0 kept" in output


def test_a_changed_file_updates_its_item_only(content_dir: Path) -> None:
    run_load(content_dir)
    edit(content_dir / "remedies/massage.md", "title: ", "title: Gentle ")
    output = run_load(content_dir)
    assert "0 created, 1 updated" in output
    assert "updated: remedies/massage" in output
    massage = Remedy.objects.get(slug="massage")
    assert massage.title.startswith("Gentle ")
    assert massage.published_version().title.startswith("Gentle ")


def test_relations_are_loaded_by_slug(content_dir: Path) -> None:
    run_load(content_dir)
    posture = Cause.objects.get(slug="poor-posture")
    slugs = set(posture.prevention.values_list("slug", flat=True))
    assert {"posture-and-desk-set-up", "core-strength"} <= slugs


def test_an_item_edited_in_the_database_is_left_alone(content_dir: Path) -> None:
    run_load(content_dir)
    massage = Remedy.objects.get(slug="massage")
    massage.summary = "An editor's careful rewording."
    massage.save()
    edit(content_dir / "remedies/massage.md", "title: ", "title: Changed ")

    output = run_load(content_dir)

    assert "left alone: remedies/massage was edited in the database" in output
    assert "--force" in output
    massage.refresh_from_db()
    assert massage.summary == "An editor's careful rewording."
    assert not massage.title.startswith("Changed ")


def test_an_edited_item_is_left_alone_even_when_its_file_is_unchanged(content_dir: Path) -> None:
    run_load(content_dir)
    Remedy.objects.filter(slug="massage").update(title="Edited in the admin")
    output = run_load(content_dir)
    assert "left alone: remedies/massage" in output
    assert Remedy.objects.get(slug="massage").title == "Edited in the admin"


def test_force_overwrites_an_edited_item(content_dir: Path) -> None:
    run_load(content_dir)
    Remedy.objects.filter(slug="massage").update(title="Edited in the admin")
    output = run_load(content_dir, "--force")
    assert "updated: remedies/massage" in output
    assert Remedy.objects.get(slug="massage").title != "Edited in the admin"


def test_an_item_made_in_the_admin_is_not_overwritten_by_a_new_file(content_dir: Path) -> None:
    run_load(content_dir)
    Remedy.objects.filter(slug="massage").update(loaded_fingerprint="")
    Remedy.objects.filter(slug="massage").update(title="Made by hand")
    output = run_load(content_dir)
    assert "left alone: remedies/massage" in output


def test_a_draft_file_is_loaded_but_not_published(content_dir: Path) -> None:
    edit(content_dir / "remedies/massage.md", "status: published", "status: draft")
    run_load(content_dir)
    massage = Remedy.objects.get(slug="massage")
    assert massage.status == Status.DRAFT
    assert not Remedy.objects.published().filter(slug="massage").exists()


BAD_FILES = [
    pytest.param(
        "remedies/massage.md", "title: ", "titel: ", "massage.md: title: is missing",
        id="missing-field",
    ),
    pytest.param(
        "causes/poor-posture.md", "prevention: [", "prevention: [no-such-advice, ",
        "poor-posture.md: prevention: no prevention item is called 'no-such-advice'",
        id="unknown-relation",
    ),
    pytest.param(
        "remedies/massage.md", "slug: massage", "slug: massage-therapy",
        "massage.md: slug: 'massage-therapy' must match the file name",
        id="slug-not-file-name",
    ),
    pytest.param(
        "remedies/massage.md", "order: ", "order: [", "massage.md: bad YAML",
        id="bad-yaml",
    ),
    pytest.param(
        "remedies/massage.md", "last_reviewed: 2026-11-20", "last_reviewed: someday",
        "massage.md: last_reviewed:", id="bad-date",
    ),
    pytest.param(
        "remedies/massage.md", "phase: ", "phase: whenever\nold_phase: ",
        "massage.md: old_phase: is not a known field", id="unknown-field",
    ),
    pytest.param(
        "remedies/massage.md", "status: published", "status: live",
        "massage.md: status: Value 'live' is not a valid choice", id="bad-choice",
    ),
    pytest.param(
        "remedies/massage.md", "---\nslug", "slug",
        "massage.md: must start with a line of three dashes",
        id="no-front-matter",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "message"), BAD_FILES)
def test_a_bad_file_stops_the_load_naming_file_and_field(
    content_dir: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(content_dir / file, old, new)
    with pytest.raises(CommandError) as error:
        run_load(content_dir)
    assert message in str(error.value)
    assert "Nothing was changed." in str(error.value)
    assert Remedy.objects.count() == 0


def test_a_duplicate_slug_stops_the_load(content_dir: Path) -> None:
    # The usual way to get one: copy a file to start a new item and forget the slug.
    shutil.copy(content_dir / "remedies/massage.md", content_dir / "remedies/self-massage.md")
    with pytest.raises(ContentError) as error:
        load(content_dir, all_kinds())
    assert error.value.path.endswith("self-massage.md")
    assert error.value.field == "slug"
    assert error.value.message == "'massage' is also used by massage.md"
    assert Remedy.objects.count() == 0


def test_a_bad_file_changes_nothing_already_loaded(content_dir: Path) -> None:
    run_load(content_dir)
    before = {r.slug: r.title for r in Remedy.objects.all()}
    edit(content_dir / "remedies/heat-therapy.md", "title: ", "title: Renamed ")
    edit(content_dir / "causes/poor-posture.md", "prevention: [", "prevention: [missing, ")
    with pytest.raises(CommandError):
        run_load(content_dir)
    assert {r.slug: r.title for r in Remedy.objects.all()} == before


def test_a_removed_file_leaves_its_item_in_place(content_dir: Path) -> None:
    run_load(content_dir)
    (content_dir / "prevention/stress-management.md").unlink()
    edit(content_dir / "causes/stress-and-tension.md", "stress-management", "core-strength")
    run_load(content_dir)
    assert Prevention.objects.filter(slug="stress-management").exists()


def test_every_registered_kind_is_a_folder_of_files_in_load_order() -> None:
    kinds = all_kinds()
    for kind in kinds:
        assert sorted((REAL_CONTENT / kind.folder).glob(f"*{kind.suffix}")), kind
    # The health content first: the symptom checker's files name its red flags and advice.
    folders = [kind.folder for kind in kinds]
    first_triage = next(i for i, f in enumerate(folders) if f.startswith("triage/"))
    assert all(f.startswith("triage/") for f in folders[first_triage:])
    assert folders.index("red-flags") < first_triage
    assert folders.index("prevention") < first_triage


def test_the_flow_is_published_by_the_step_after_loading_and_not_by_loading(
    content_dir: Path,
) -> None:
    report = load(content_dir, all_kinds(), after_load=[])
    assert report.created
    assert not FlowVersion.objects.exists()
    assert not any("symptom checker" in note for note in report.notes)
    # Files unchanged since: only the step's own rule (nothing published yet) publishes.
    report = load(content_dir, all_kinds())
    assert not report.created
    assert not report.updated
    assert FlowVersion.objects.count() == 1
    assert any("published flow version" in note for note in report.notes)
