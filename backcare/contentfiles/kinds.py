"""What a kind of content file is: where its files live, how to read, check and write one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .files import ContentError

if TYPE_CHECKING:
    from .loader import LoadReport


@dataclass(frozen=True)
class Record:
    path: Path
    key: str
    data: dict[str, Any]


def fingerprint(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Kind:
    """One kind of item: a model and the content/ folder its files live in."""

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

    # Reading --------------------------------------------------------------------
    def read(self, path: Path) -> Record:
        raise NotImplementedError

    def check_references(self, record: Record, records: dict[Kind, list[Record]]) -> None:
        for name, target in self.references.items():
            known = {r.key for r in records.get(target, [])}
            known.update(target.queryset().values_list(target.key_field, flat=True))
            for key in self.referenced_keys(record.data, name):
                if key not in known:
                    raise ContentError(
                        record.path, name, f"no {target.folder} item is called {key!r}"
                    )

    def referenced_keys(self, data: dict[str, Any], name: str) -> list[str]:
        return list(data.get(name, []))

    # The database -----------------------------------------------------------------
    def queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def data_of(self, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def fingerprint(self, data: dict[str, Any]) -> str:
        return fingerprint(data)

    def write(self, obj: Any, data: dict[str, Any], loaded_fingerprint: str) -> Any:
        raise NotImplementedError

    def after_load(self, report: LoadReport) -> None:
        """Work to do once every kind is loaded, inside the same transaction."""

    # Writing ----------------------------------------------------------------------
    def dump(self, obj: Any) -> tuple[str, str]:
        """One item as (file name, file text) in the canonical layout: the file that
        `read` turns back into `data_of(obj)`. Kinds without files do not override it."""
        raise NotImplementedError

    @property
    def has_files(self) -> bool:
        return type(self).dump is not Kind.dump


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
