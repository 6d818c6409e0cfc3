"""Write the database back to content/ files, so that files and database agree.

Each item is written with its kind's `to_file_text`, in the one canonical layout, and only if
the file's bytes change (an unchanged file keeps its modification time). A file is
replaced atomically: written to a temporary file in the same folder, then renamed over
the old one. Files of items that are not in the database are reported, never deleted.

Exported items then count as loaded (their `loaded_fingerprint` is what the file says),
so a `load_content` of the exported folder reports 0 created and 0 updated.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .files import ContentError
from .kinds import Kind, fingerprint

NEW_FILE_MODE = 0o644


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_database: list[str] = field(default_factory=list)  # files left alone
    # Files that do not read back as the item they were written from.
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.written)} written, {len(self.unchanged)} unchanged"
        if self.not_in_database:
            text += f", {len(self.not_in_database)} not in the database (left alone)"
        return text


def export(content_dir: Path, kinds: Sequence[Kind]) -> ExportReport:
    report = ExportReport()
    with transaction.atomic():
        for kind in kinds:
            _export_kind(content_dir, kind, report)
    return report


def _export_kind(content_dir: Path, kind: Kind, report: ExportReport) -> None:
    folder = content_dir / kind.folder
    folder.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    for obj in kind.queryset():
        data = kind.data_of(obj)
        name, text = kind.file_name(data), kind.to_file_text(data)
        names.add(name)
        path = folder / name
        label = f"{kind.folder}/{name}"
        if write_if_changed(path, text.encode("utf-8")):
            report.written.append(label)
        else:
            report.unchanged.append(label)
        wanted = fingerprint(data)
        problem = _read_back_problem(kind, path, wanted)
        if problem:
            report.problems.append(f"{label}: {problem}")
        if getattr(obj, "loaded_fingerprint", None) != wanted:
            # An update, not save(): no new version or history entry for an unchanged item.
            kind.model._default_manager.filter(pk=obj.pk).update(loaded_fingerprint=wanted)
    for path in sorted(folder.glob(f"*{kind.suffix}")):
        if path.name not in names:
            report.not_in_database.append(f"{kind.folder}/{path.name}")


def _read_back_problem(kind: Kind, path: Path, wanted: str) -> str | None:
    """Why the file just written would not load as the item it came from, if it would not."""
    try:
        record = kind.read_file(path)
    except ContentError as exc:
        return f"will not load as it is: {exc}"
    if fingerprint(record.data) != wanted:
        return "does not read back the same: loading it would change the item"
    return None


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` unless it already holds exactly that. True if written."""
    try:
        if path.read_bytes() == data:
            return False
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return True
