"""Small helpers tests share."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import BaseCache
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


def cache_keys_written(cache: BaseCache, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every key `cache` is asked to store or count from now on, watched through its
    public API (add, set, incr), so it works on any backend."""
    keys: list[str] = []
    for method in ("add", "set", "incr"):
        real = getattr(cache, method)

        def spy(key: str, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            keys.append(key)
            return _real(key, *args, **kwargs)

        monkeypatch.setattr(cache, method, spy)
    return keys
