"""Every saved version of an item, what changed between them, and going back to one.

django-simple-history records the versions; this turns them into something an editor can
read (who, when, and a line-by-line difference) and restores one as a new save, so the
revert itself is in the history too and nothing is ever lost.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from simple_history.utils import get_m2m_reverse_field_name

# Never copied back by a revert: how the item is published and signed off is not part of
# its text, and the derived or bookkeeping fields look after themselves.
NOT_REVERTED = {"status", "last_reviewed", "next_review_due", "reviewed_by"}
NOT_SHOWN = {"version"}


@dataclass(frozen=True)
class Line:
    op: str  # "+", "-" or " "
    text: str


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str
    lines: list[Line] = field(default_factory=list)  # for text over several lines


@dataclass(frozen=True)
class Version:
    record: Any
    who: str
    changes: list[Change]
    is_current: bool

    @property
    def when(self) -> Any:
        return self.record.history_date

    @property
    def what(self) -> str:
        reason = self.record.history_change_reason
        kind = {"+": "Created", "~": "Changed", "-": "Deleted"}[self.record.history_type]
        return reason or kind


def _label(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _m2m_names(record: Any, name: str, model: type[models.Model]) -> list[str]:
    target_field = get_m2m_reverse_field_name(model._meta.get_field(name))
    rows = getattr(record, name).select_related(target_field)
    return sorted(str(getattr(row, target_field)) for row in rows)


def describe_changes(record: Any, previous: Any | None) -> list[Change]:
    model = record.instance_type
    if previous is None:
        return []
    delta = record.diff_against(previous, foreign_keys_are_objs=True)
    m2m = {f.name for f in record._history_m2m_fields}
    changes = []
    for change in delta.changes:
        if change.field in NOT_SHOWN:
            continue
        label = _label(model, change.field)
        if change.field in m2m:
            before = _m2m_names(previous, change.field, model)
            after = _m2m_names(record, change.field, model)
            lines = [Line("+", n) for n in after if n not in before]
            lines += [Line("-", n) for n in before if n not in after]
            changes.append(Change(label, ", ".join(before), ", ".join(after), lines))
            continue
        old, new = _show(change.old), _show(change.new)
        lines = []
        if "\n" in old or "\n" in new:
            for row in difflib.ndiff(old.splitlines(), new.splitlines()):
                if row[:1] in "+- ":
                    lines.append(Line(row[:1], row[2:]))
        changes.append(Change(label, old, new, lines))
    return changes


def versions(obj: models.Model) -> list[Version]:
    """Newest first, each with what changed since the one before it."""
    records = list(
        obj.history.select_related("history_user").order_by(  # type: ignore[attr-defined]
            "-history_date", "-history_id"
        )
    )
    result = []
    for i, record in enumerate(records):
        previous = records[i + 1] if i + 1 < len(records) else None
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user else "load_content"
        changes = describe_changes(record, previous)
        if previous is not None and not changes and record.history_type == "~":
            continue  # a save that changed nothing an editor can see
        result.append(Version(record, who, changes, is_current=i == 0))
    return result


def revert(obj: models.Model, record: Any, reason: str) -> models.Model:
    """Make `obj` what it was in `record`, as a new save that history records too."""
    old = record.instance
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or not model_field.editable:
            continue
        if model_field.name in NOT_REVERTED:
            continue
        setattr(obj, model_field.attname, getattr(old, model_field.attname))
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save()
    for m2m_field in record._history_m2m_fields:
        target_field = get_m2m_reverse_field_name(m2m_field)
        ids = [getattr(row, f"{target_field}_id") for row in getattr(record, m2m_field.name).all()]
        getattr(obj, m2m_field.name).set(ids)
    return obj


def last_saved_by(obj: models.Model) -> tuple[str, Any]:
    """Who saved the item last, and when, for a conflict message."""
    record = obj.history.select_related("history_user").first()  # type: ignore[attr-defined]
    if record is None:
        return "someone", None
    user = record.history_user
    who = (user.get_full_name() or user.get_username()) if user else "load_content"
    return who, record.history_date
