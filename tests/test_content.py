"""The content in content/: complete, in our own words, and safe to show."""

import csv
from pathlib import Path

import pytest
from django.conf import settings

from backcare.articles.models import CareLevel, RedFlag
from backcare.contentfiles.loader import LoadReport

CONTENT = Path(settings.BACKCARE_CONTENT_DIR)
FACTS_FILE = Path(__file__).parent / "article_facts.tsv"
FACTS = list(csv.reader(FACTS_FILE.read_text(encoding="utf-8").splitlines(), delimiter="\t"))


@pytest.mark.parametrize(("fact", "file", "phrase"), FACTS, ids=[row[0] for row in FACTS])
def test_every_fact_of_the_article_is_in_our_content(fact: str, file: str, phrase: str) -> None:
    text = " ".join((CONTENT / file).read_text(encoding="utf-8").lower().split())
    assert phrase.lower() in text, f"{fact}: expected {phrase!r} in {file}"


def test_local_numbers_are_placeholders_never_written_out() -> None:
    for path in CONTENT.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        for literal in ("999", "911", "NHS 111"):
            assert literal not in text, f"{path}: write {{emergency_number}} or {{urgent_service}}"


def test_every_red_flag_the_checker_needs_is_published(content: LoadReport) -> None:
    levels = {flag.slug: flag.care_level for flag in RedFlag.objects.published()}
    assert levels["numbness-tingling-or-weakness"] == CareLevel.EMERGENCY
    assert levels["bladder-bowel-or-saddle-numbness"] == CareLevel.EMERGENCY
    assert levels["chest-pain-or-breathlessness"] == CareLevel.EMERGENCY
    assert levels["after-a-fall-or-injury"] == CareLevel.URGENT
    assert levels["fever"] == CareLevel.URGENT
    assert levels["unexplained-weight-loss"] == CareLevel.URGENT
    assert levels["night-pain"] == CareLevel.URGENT


def test_the_whole_content_folder_loads_and_publishes(content: LoadReport) -> None:
    files = [*CONTENT.glob("*/*.md"), *CONTENT.glob("triage/*/*.yaml")]
    assert len(content.created) == len(files)
    assert not content.kept and not content.updated
