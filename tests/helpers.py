"""Small helpers the content-file tests share."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command


def run_load(folder: Path, *args: str) -> str:
    """`manage.py load_content --dir folder`, returning what it printed."""
    out = StringIO()
    call_command("load_content", "--dir", str(folder), *args, stdout=out)
    return out.getvalue()


def edit(path: Path, old: str, new: str) -> None:
    """Change the first `old` in a file to `new` (and fail if it is not there)."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))
