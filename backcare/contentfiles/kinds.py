"""What a kind of content file is: where its files live, how to read, check, save and write one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .files import ContentError


@dataclass(frozen=True)
class Record:
    path: Path
    key: str
    data: dict[str, Any]


def fingerprint(data: dict[str, Any]) -> str:
    """What an item's data says, in 64 characters: equal data, equal fingerprint."""
    canonical = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Kind:
    """One kind of item: a model, and the content/ folder its files live in.

    A kind reads a file into plain data (`read_file`), saves that data to the database
    (`save_to_db`), gets it back from a saved item (`data_of`) and turns it into a file's
    text again (`to_file_text`). Loading and exporting compare the data's fingerprints.
    """

    model: type[models.Model]
    folder: str
    suffix: str = ".md"
    key_field: str = "slug"
    # Relations a file names by key: file field -> the Kind of the items it names.
    references: dict[str, Kind]

    def __init__(self) -> None:
        self.references = {}

    def __repr__(self) -> str:
        return f"<Kind {self.folder}>"

    # Files -> data ------------------------------------------------------------------
    def read_file(self, path: Path) -> Record:
        """One file, read and checked on its own."""
        raise NotImplementedError

    def check_references(self, record: Record, records: dict[Kind, list[Record]]) -> None:
        """Every item the file names exists, in the files being loaded or in the database."""
        for name, target in self.references.items():
            known = {r.key for r in records.get(target, [])}
            known.update(target.queryset().values_list(target.key_field, flat=True))
            for key in record.data.get(name, []):
                if key not in known:
                    raise ContentError(
                        record.path, name, f"no {target.folder} item is called {key!r}"
                    )

    # The database ---------------------------------------------------------------------
    def queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def save_to_db(self, obj: Any, data: dict[str, Any], loaded_fingerprint: str) -> Any:
        """Create (`obj` is None) or update the item from a file's data; returns it."""
        raise NotImplementedError

    def finish_saving(self) -> None:
        """Work left once every kind's items are saved (in the same transaction): links
        to items that may have been saved after this one."""

    def data_of(self, obj: Any) -> dict[str, Any]:
        """A saved item's data, as `read_file` would read it from the item's file."""
        raise NotImplementedError

    # Data -> files --------------------------------------------------------------------
    def file_name(self, data: dict[str, Any]) -> str:
        return f"{data[self.key_field]}{self.suffix}"

    def to_file_text(self, data: dict[str, Any]) -> str:
        """The file, in the one canonical layout, that `read_file` turns back into `data`."""
        raise NotImplementedError


def clean_field(model: type[models.Model], path: Path, name: str, value: Any) -> Any:
    """Convert and check one file value with the model field's own rules."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation, not a plain field")
    if value is None and not field.null:
        value = ""
    try:
        return field.clean(value, None)
    except ValidationError as exc:
        raise ContentError(path, name, " ".join(exc.messages)) from None


def check_keys(path: Path, raw: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = sorted(required - raw.keys())
    if missing:
        raise ContentError(path, missing[0], "is missing")
    unknown = sorted(raw.keys() - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise ContentError(path, unknown[0], f"is not a known field (known: {allowed})")


def slug_list(path: Path, name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(path, name, "must be a list of slugs, like [one, two]")
    return sorted(value)
