"""Load the files in content/ into the database, all or nothing.

Every file is read and checked before anything is written, and the writing
happens in one transaction, so a bad file changes nothing. An item that was
changed in the database since it was last loaded is left alone unless `force`.
Once every kind is saved, the apps' after-load steps run in the same transaction (the
symptom checker publishes its flow there), so a step that fails undoes the load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction

from .files import ContentError
from .kinds import Kind, Record, fingerprint
from .registry import AfterLoadStep, after_load_steps


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # edited in the database: left alone
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept)} kept (edited in the database)"
        )


def read_all(content_dir: Path, kinds: Sequence[Kind]) -> dict[Kind, list[Record]]:
    """Read and check every file. Raises ContentError for the first bad one."""
    if not content_dir.is_dir():
        raise ContentError(content_dir, None, "content folder not found")
    records: dict[Kind, list[Record]] = {}
    for kind in kinds:
        folder = content_dir / kind.folder
        paths = sorted(folder.glob(f"*{kind.suffix}")) if folder.is_dir() else []
        seen: dict[str, Path] = {}
        records[kind] = []
        for path in paths:
            record = kind.read_file(path)
            if record.key in seen:
                raise ContentError(
                    path, kind.key_field, f"{record.key!r} is also used by {seen[record.key].name}"
                )
            if record.key != path.stem:
                raise ContentError(
                    path, kind.key_field, f"{record.key!r} must match the file name ({path.stem!r})"
                )
            seen[record.key] = path
            records[kind].append(record)
    for kind in kinds:
        for record in records[kind]:
            kind.check_references(record, records)
    return records


def load(
    content_dir: Path,
    kinds: Sequence[Kind],
    *,
    force: bool = False,
    after_load: Sequence[AfterLoadStep] | None = None,
) -> LoadReport:
    """Load `kinds` from `content_dir`, then take each after-load step (by default the
    steps the apps registered, see registry.py)."""
    records = read_all(content_dir, kinds)
    report = LoadReport()
    steps = after_load_steps() if after_load is None else after_load
    with transaction.atomic():
        for kind in kinds:
            _load_kind(kind, records[kind], report, force=force)
        for kind in kinds:
            kind.finish_saving()
        for step in steps:
            step(report)
    return report


def _load_kind(kind: Kind, records: Iterable[Record], report: LoadReport, *, force: bool) -> None:
    existing: dict[str, models.Model] = {
        getattr(obj, kind.key_field): obj for obj in kind.queryset()
    }
    for record in records:
        name = f"{kind.folder}/{record.key}"
        obj = existing.get(record.key)
        wanted = fingerprint(record.data)
        if obj is None:
            kind.save_to_db(None, record.data, wanted)
            report.created.append(name)
            continue
        current = fingerprint(kind.data_of(obj))
        loaded: str = getattr(obj, "loaded_fingerprint", "")
        if current == wanted:
            if loaded != wanted:
                # Same content, e.g. an editor typed what the file says: adopt it quietly.
                type(obj)._default_manager.filter(pk=obj.pk).update(loaded_fingerprint=wanted)
            report.unchanged.append(name)
        elif current != loaded and not force:
            report.kept.append(name)
        else:
            kind.save_to_db(obj, record.data, wanted)
            report.updated.append(name)
