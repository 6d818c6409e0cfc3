"""How content/ files for the health content map onto the article models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from backcare.contentfiles.files import ContentError, markdown_text, read_markdown
from backcare.contentfiles.kinds import Kind, Record, check_keys, clean_field, slug_list

from .markdown import render_markdown
from .models import ALL_CONTENT_MODELS, ContentItem, Status

# Fields a file may leave out, with the value that means.
OPTIONAL: dict[str, Any] = {"reviewed_by": "", "also_known_as": "", "pictures": []}

# The front matter key for what the public sees of an item that is not published now.
PUBLISHED = "published"


class ItemKind(Kind):
    """A Markdown file with front matter for one ContentItem.

    The file is the working copy. An item that was published and has been edited since
    (its status is no longer "published", but the public still sees the old version)
    also has a `published:` mapping in its front matter: the fields of that public
    version, body included. Without it, an item that is not published has no public
    version; a published item's public version is its working copy.
    """

    model: type[ContentItem]

    def __init__(self, model: type[ContentItem]) -> None:
        super().__init__()
        self.model = model
        self.folder = model.folder

    # Reading --------------------------------------------------------------------
    def read_file(self, path: Path) -> Record:
        raw, body = read_markdown(path)
        data = self.read_fields(path, raw, body, extra=frozenset({"slug", PUBLISHED}))
        if PUBLISHED in raw:
            if data["status"] == Status.PUBLISHED:
                raise ContentError(
                    path,
                    PUBLISHED,
                    "is only for an item that is not published now (the public version of "
                    "a published item is the file itself): remove it, or change the status",
                )
            data[PUBLISHED] = self.read_published(path, raw[PUBLISHED])
        return Record(path=path, key=data["slug"], data=data)

    def read_fields(
        self, path: Path, raw: dict[str, Any], body: Any, extra: frozenset[str]
    ) -> dict[str, Any]:
        """The slug (if `extra` names it), content fields and related slugs, checked.

        `extra`: more keys the mapping may have; "slug" and "body" are required there.
        """
        plain = set(self.model.content_fields()) - {"body", *OPTIONAL}
        required = {*plain, *(extra & {"slug", "body"})}
        check_keys(
            path, raw, required=required, optional={*self.model.relation_fields, *OPTIONAL, *extra}
        )
        data: dict[str, Any] = {}
        if "slug" in extra:
            data["slug"] = clean_field(self.model, path, "slug", raw["slug"])
        for name in self.model.content_fields():
            value = body if name == "body" else raw.get(name, OPTIONAL.get(name))
            data[name] = clean_field(self.model, path, name, normalise(name, value))
        for name in self.model.relation_fields:
            data[name] = slug_list(path, name, raw.get(name))
        problem = self.model.body_problem(data["body"])
        if problem:
            raise ContentError(path, "body", problem)
        if data["next_review_due"] < data["last_reviewed"]:
            raise ContentError(path, "next_review_due", "is before last_reviewed")
        return data

    def read_published(self, path: Path, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ContentError(
                path, PUBLISHED, "must be a mapping of the public version's fields and body"
            )
        try:
            return self.read_fields(path, raw, raw.get("body"), extra=frozenset({"body"}))
        except ContentError as exc:
            field = f"{PUBLISHED}.{exc.field}" if exc.field else PUBLISHED
            raise ContentError(path, field, exc.message) from None

    # The database -----------------------------------------------------------------
    def data_of(self, obj: ContentItem) -> dict[str, Any]:
        data = {name: normalise(name, value) for name, value in obj.content_data().items()}
        if obj.status != Status.PUBLISHED and obj.published_data is not None:
            data[PUBLISHED] = self.published_fields(obj)
        return data

    def published_fields(self, obj: ContentItem) -> dict[str, Any]:
        """The public version's fields, as `read_published` returns them."""
        stored = obj.published_data or {}
        data: dict[str, Any] = {}
        for name in self.model.content_fields():
            field = self.model._meta.get_field(name)
            assert isinstance(field, models.Field)  # noqa: S101 (content fields are plain)
            # A field added since it was published: the page shows the working copy's.
            data[name] = normalise(name, field.to_python(stored.get(name, getattr(obj, name))))
        for name in self.model.relation_fields:
            data[name] = sorted(stored.get(name, []))
        return data

    def save_to_db(
        self, obj: ContentItem | None, data: dict[str, Any], loaded_fingerprint: str
    ) -> Any:
        item = obj or self.model(slug=data["slug"])
        for name in self.model.content_fields():
            setattr(item, name, data[name])
        if item.status != Status.PUBLISHED:
            published = data.get(PUBLISHED)
            item.published_data = None if published is None else self.snapshot(item, published)
        item.loaded_fingerprint = loaded_fingerprint
        item._change_reason = "Loaded from content/ by load_content"  # type: ignore[attr-defined]
        item.save()
        for name, target in self.references.items():
            related = target.model._default_manager.filter(slug__in=data[name])
            getattr(item, name).set(related)
        if item.status == Status.PUBLISHED:
            item.publish()
            item.save(update_fields=["status", "published_data", "updated_at"])
        return item

    def snapshot(self, item: ContentItem, fields: dict[str, Any]) -> dict[str, Any]:
        """A public version as ContentItem.snapshot() would have stored it."""
        data: dict[str, Any] = {"slug": item.slug}
        for name in (*self.model.content_fields(), *self.model.relation_fields):
            data[name] = fields[name]
        data["body_html"] = render_markdown(fields["body"])
        stored: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        return stored

    # Writing ----------------------------------------------------------------------
    def to_file_text(self, data: dict[str, Any]) -> str:
        meta = dict(data)
        body = meta.pop("body")
        published = meta.pop(PUBLISHED, None)
        leave_out_defaults(meta)
        if published is not None:
            public = dict(published)
            public_body = public.pop("body")
            leave_out_defaults(public)
            meta[PUBLISHED] = {**public, "body": public_body}
        return markdown_text(meta, body)


def normalise(name: str, value: Any) -> Any:
    """Text as ContentItem.save() stores it, so what was read compares with the row."""
    if isinstance(value, str) and name == "body":
        return value.replace("\r\n", "\n").strip("\n")
    if isinstance(value, str) and name == "summary":
        return value.replace("\r\n", "\n").strip()
    if name == "pictures" and isinstance(value, list):
        # PostgreSQL's jsonb stores keys in its own order: files keep file before alt.
        return [
            {"file": p["file"], "alt": p["alt"], **p}
            if isinstance(p, dict) and {"file", "alt"} <= set(p)
            else p
            for p in value
        ]
    return value


def leave_out_defaults(data: dict[str, Any]) -> None:
    for name, default in OPTIONAL.items():
        if data.get(name) == default:
            del data[name]


def article_kinds() -> list[Kind]:
    kinds = {model: ItemKind(model) for model in ALL_CONTENT_MODELS}
    for model, kind in kinds.items():
        for name in model.relation_fields:
            target = model._meta.get_field(name).related_model
            kind.references[name] = kinds[target]  # type: ignore[index]
    return list(kinds.values())
