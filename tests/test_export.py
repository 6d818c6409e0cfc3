"""export_content: the database written back to files that load into the same database."""

import os
import shutil
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from backcare.articles.models import ALL_CONTENT_MODELS, Remedy, Status
from backcare.contentfiles.files import ContentError, markdown_text, read_markdown, yaml_text
from backcare.contentfiles.kinds import fingerprint
from backcare.contentfiles.loader import LoadReport, load
from backcare.contentfiles.registry import all_kinds
from backcare.triage.models import Choice, Disposition, Question, Rule, TriageCase

from .helpers import run_load

pytestmark = pytest.mark.django_db

REAL_CONTENT = Path(settings.BACKCARE_CONTENT_DIR)


def run_export(folder: Path) -> str:
    out = StringIO()
    call_command("export_content", "--dir", str(folder), stdout=out)
    return out.getvalue()


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def database_state() -> dict[str, Any]:
    """Every item of every kind as its file describes it, and what the public sees."""
    state: dict[str, Any] = {}
    for kind in all_kinds():
        for obj in kind.queryset():
            name = f"{kind.folder}/{getattr(obj, kind.key_field)}"
            state[name] = kind.data_of(obj)
            if hasattr(obj, "published_data"):
                state[f"{name} (public)"] = obj.published_data
    return state


def delete_all_content() -> None:
    TriageCase.objects.all().delete()
    Rule.objects.all().delete()
    Choice.objects.update(goto=None)
    Question.objects.all().delete()
    Disposition.objects.all().delete()
    for model in reversed(ALL_CONTENT_MODELS):
        model.objects.all().delete()


# The real content ---------------------------------------------------------------------


def test_exporting_the_loaded_content_reproduces_every_file_byte_for_byte(
    content: LoadReport, tmp_path: Path
) -> None:
    output = run_export(tmp_path)

    exported, original = files_in(tmp_path), files_in(REAL_CONTENT)
    assert sorted(exported) == sorted(original)
    changed = [name for name in original if exported[name] != original[name]]
    assert changed == [], "not in the canonical layout (run export_content)"
    assert f"{len(original)} written, 0 unchanged" in output
    assert "check this file" not in output


def test_loading_the_export_into_an_empty_database_gives_the_same_database(
    content: LoadReport, tmp_path: Path
) -> None:
    before = database_state()
    run_export(tmp_path)
    delete_all_content()

    report = load(tmp_path, all_kinds())

    assert len(report.created) == len(content.created)
    assert database_state() == before


def test_a_second_export_writes_nothing_and_keeps_modification_times(
    content: LoadReport, tmp_path: Path
) -> None:
    run_export(tmp_path)
    times = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*") if path.is_file()}

    output = run_export(tmp_path)

    assert "0 written" in output
    assert "written: " not in output
    assert "unchanged: remedies/massage.md" in output
    assert {path: path.stat().st_mtime_ns for path in times} == times
    assert not list(tmp_path.rglob(".*.tmp"))


# Edits made in the database ------------------------------------------------------------


def test_an_item_edited_in_the_database_exports_and_then_counts_as_loaded(
    content: LoadReport, tmp_path: Path
) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.title = "Gentle massage for a sore back"
    massage.save()
    shutil.copytree(REAL_CONTENT, tmp_path / "content")

    output = run_export(tmp_path / "content")

    assert "written: remedies/massage.md" in output
    assert "1 written" in output
    text = (tmp_path / "content/remedies/massage.md").read_text()
    assert "\ntitle: Gentle massage for a sore back\n" in text
    load_output = run_load(tmp_path / "content")
    assert "0 created, 0 updated" in load_output
    assert "0 kept" in load_output
    assert "left alone" not in load_output


def test_export_marks_items_as_loaded_without_a_new_version(
    content: LoadReport, tmp_path: Path
) -> None:
    Remedy.objects.filter(slug="massage").update(title="Edited in the admin", loaded_fingerprint="")
    massage = Remedy.objects.get(slug="massage")
    history, version = massage.history.count(), massage.version

    run_export(tmp_path)

    massage.refresh_from_db()
    kind = next(k for k in all_kinds() if k.folder == "remedies")
    assert massage.loaded_fingerprint == fingerprint(kind.data_of(massage))
    assert massage.history.count() == history
    assert massage.version == version


def test_a_draft_keeps_its_published_version_through_export_and_load(
    content: LoadReport, tmp_path: Path, client: Client
) -> None:
    massage = Remedy.objects.get(slug="massage")
    old_title = massage.title
    public = massage.published_data
    assert public is not None
    massage.title = "Massage: a draft rewrite"
    massage.body += "\n\n## New section\n\n- A new point.\n\n---\n\nAfter a rule."
    massage.status = Status.DRAFT
    massage.save()

    run_export(tmp_path)
    meta, body = read_markdown(tmp_path / "remedies/massage.md")
    assert meta["status"] == "draft"
    assert meta["published"]["title"] == old_title
    assert meta["published"]["body"] == public["body"]
    assert "body_html" not in meta["published"]
    assert body.endswith("After a rule.")

    delete_all_content()
    report = load(tmp_path, all_kinds())

    assert "remedies/massage" in report.created
    massage = Remedy.objects.get(slug="massage")
    assert massage.status == Status.DRAFT
    assert massage.title == "Massage: a draft rewrite"
    assert massage.body.endswith("After a rule.")
    assert massage.published_data == public
    page = client.get("/relief/massage/").content.decode()
    assert old_title in page
    assert "a draft rewrite" not in page


def test_a_change_to_what_the_public_sees_counts_as_an_edit(
    content: LoadReport, tmp_path: Path
) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.status = Status.DRAFT
    massage.save()
    run_export(tmp_path)
    assert massage.published_data is not None
    public = {**massage.published_data, "title": "Changed behind the files' back"}
    Remedy.objects.filter(slug="massage").update(published_data=public)

    output = run_load(tmp_path)

    assert "left alone: remedies/massage" in output
    assert Remedy.objects.get(slug="massage").published_data == public


def test_a_draft_file_without_a_published_version_has_no_public_page(
    content: LoadReport, tmp_path: Path, client: Client
) -> None:
    run_export(tmp_path)
    path = tmp_path / "remedies/massage.md"
    path.write_text(path.read_text().replace("status: published", "status: draft"))

    run_load(tmp_path)

    assert Remedy.objects.get(slug="massage").published_data is None
    assert client.get("/relief/massage/").status_code == 404


# Files the database does not know --------------------------------------------------------


def test_export_leaves_files_of_items_not_in_the_database_and_reports_them(
    content: LoadReport, tmp_path: Path
) -> None:
    shutil.copytree(REAL_CONTENT, tmp_path / "content")
    Remedy.objects.filter(slug="massage").delete()
    stray = tmp_path / "content/remedies/massage.md"
    before = stray.read_bytes()

    output = run_export(tmp_path / "content")

    assert stray.read_bytes() == before
    assert f"not in the database (left alone): {stray}" in output
    assert "1 not in the database" in output
    assert "0 written" in output


# The published: block in files ------------------------------------------------------------


def test_a_published_block_with_a_bad_field_names_it(content: LoadReport, tmp_path: Path) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.status = Status.DRAFT
    massage.save()
    run_export(tmp_path)
    path = tmp_path / "remedies/massage.md"
    kind = next(k for k in all_kinds() if k.folder == "remedies")
    text = path.read_text()

    path.write_text(text.replace("  phase: any\n", "  phase: sometimes\n"))
    with pytest.raises(ContentError) as error:
        kind.read_file(path)
    assert error.value.field == "published.phase"

    path.write_text(text.replace("\n  title: ", "\n  heading: "))
    with pytest.raises(ContentError) as error:
        kind.read_file(path)
    assert error.value.field == "published.title"
    assert error.value.message == "is missing"


def test_a_published_item_may_not_have_a_published_block(
    content: LoadReport, tmp_path: Path
) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.status = Status.DRAFT
    massage.save()
    run_export(tmp_path)
    path = tmp_path / "remedies/massage.md"
    path.write_text(path.read_text().replace("status: draft", "status: published", 1))
    kind = next(k for k in all_kinds() if k.folder == "remedies")

    with pytest.raises(ContentError) as error:
        kind.read_file(path)

    assert error.value.field == "published"


@pytest.mark.parametrize(
    "text",
    [
        "one\ntwo",
        "one\ntwo\n",
        "one\n\ntwo\n\n\n",
        "## Heading\n\n---\n\n- a\n  - nested\n\n    code",
        "  starts indented\nthen not",
        "trailing spaces  \nhard break",
        "a # not a comment\nkey: not a key\n'quoted'",
        "carriage\r\nreturn",
    ],
)
def test_multi_line_text_in_a_nested_mapping_reads_back_identically(
    text: str, tmp_path: Path
) -> None:
    data = {"title": "x", "published": {"title": "y", "body": text}}
    assert yaml.safe_load(yaml_text(data)) == data

    path = tmp_path / "item.md"
    path.write_text(markdown_text(data, "The working body."), newline="")
    meta, body = read_markdown(path)
    assert meta == data
    assert body == "The working body."


def test_a_value_two_fields_share_is_written_in_full_each_time() -> None:
    # PyYAML would otherwise write an anchor and an alias (&id001, *id001) for a shared
    # object, which no editor should have to read.
    day = date(2026, 1, 2)
    slugs = ["a, b", "c"]
    data = {"last_reviewed": day, "tags": slugs, "published": {"last_reviewed": day, "tags": slugs}}
    text = yaml_text(data)
    assert "&" not in text
    assert "*" not in text
    assert "tags: ['a, b', c]" in text
    assert yaml.safe_load(text) == data


def test_export_writes_new_files_readable_by_others(content: LoadReport, tmp_path: Path) -> None:
    run_export(tmp_path)
    assert os.stat(tmp_path / "remedies/massage.md").st_mode & 0o777 == 0o644
