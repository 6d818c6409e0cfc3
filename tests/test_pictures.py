"""Pictures of the exercises: line drawings named in each exercise's front matter, served
from static/, each with words that say what it shows."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from backcare.articles.models import Exercise
from backcare.contentfiles.files import ContentError
from backcare.contentfiles.loader import LoadReport, load
from backcare.contentfiles.registry import all_kinds

from .helpers import edit

pytestmark = pytest.mark.django_db


def test_every_exercise_names_a_small_line_drawing_that_exists(content: LoadReport) -> None:
    for exercise in Exercise.objects.published():
        pictures = exercise.published_version().pictures
        assert pictures, exercise
        for picture in pictures:
            path = finders.find(picture["file"])
            assert path, picture
            svg = Path(str(path)).read_text()
            assert svg.startswith("<svg") and "<script" not in svg and "href" not in svg
            assert len(svg.encode()) < 2048  # light enough for the page-weight budget
            assert "Start" in svg and "End" in svg  # both positions


def test_an_exercise_page_shows_its_pictures_with_a_text_alternative(
    client: Client, content: LoadReport
) -> None:
    bridge = Exercise.objects.get(slug="bridge").published_version()
    page = client.get("/exercises/bridge/").content.decode()
    alt = bridge.pictures[0]["alt"]
    assert f'<img src="/static/exercises/bridge.svg" alt="{alt}" width="320" height="250">' in page
    # The words say the same as the steps: where it starts and ends.
    assert "lying on your back with your knees bent" in alt
    assert "straight line from your shoulders to your knees" in alt
    assert "straight line from your shoulders to your knees" in page[page.index("Steps") :]


def test_a_missing_picture_file_stops_the_load(content_dir: Path) -> None:
    edit(content_dir / "exercises/bridge.md", "exercises/bridge.svg", "exercises/brige.svg")
    with pytest.raises(ContentError) as error:
        load(content_dir, all_kinds())
    assert error.value.field == "pictures"
    assert "there is no static/exercises/brige.svg" in error.value.message
    assert not Exercise.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("exercises/bridge.svg", "../settings.py", "file must look like exercises/name.svg"),
        ("  alt: '1. Start", "  words: '1. Start", "must have exactly: file, alt"),
    ],
)
def test_a_badly_named_picture_stops_the_load(
    content_dir: Path, old: str, new: str, message: str
) -> None:
    edit(content_dir / "exercises/bridge.md", old, new)
    with pytest.raises(ContentError) as error:
        load(content_dir, all_kinds())
    assert message in error.value.message


def test_an_exercise_without_pictures_still_loads(content_dir: Path) -> None:
    path = content_dir / "exercises/plank.md"
    text = path.read_text()
    start = text.index("pictures:")
    end = text.index("---", start)
    path.write_text(text[:start] + text[end:])
    load(content_dir, all_kinds())
    assert Exercise.objects.get(slug="plank").pictures == []


def test_editors_change_pictures_in_the_admin_and_a_bad_one_is_refused(
    content: LoadReport, editor: Any
) -> None:
    from .test_admin import form_data, logged_in

    bridge = Exercise.objects.get(slug="bridge")
    client = logged_in(editor)
    page = client.get(f"/admin/articles/exercise/{bridge.pk}/change/").content.decode()
    assert 'name="pictures"' in page
    data = form_data(bridge, pictures='[{"file": "exercises/nope.svg", "alt": "a b c"}]')
    data["_continue"] = "1"
    response = client.post(f"/admin/articles/exercise/{bridge.pk}/change/", data)
    assert response.status_code == 200
    assert "there is no static/exercises/nope.svg" in response.content.decode()
    good = '[{"file": "exercises/plank.svg", "alt": "A plank, from the side."}]'
    data = form_data(bridge, pictures=good)
    data["_continue"] = "1"
    response = client.post(f"/admin/articles/exercise/{bridge.pk}/change/", data)
    assert response.status_code == 302
    bridge.refresh_from_db()
    assert bridge.pictures == [{"file": "exercises/plank.svg", "alt": "A plank, from the side."}]


def test_the_static_folder_holds_only_pictures_the_content_uses(content: LoadReport) -> None:
    used = {p["file"] for e in Exercise.objects.all() for p in e.pictures}
    on_disk = {
        f"exercises/{path.name}"
        for path in (Path(settings.BASE_DIR) / "static/exercises").iterdir()
    }
    assert on_disk == used
