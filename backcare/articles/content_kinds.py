"""How content/ files for the health content map onto the article models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backcare.contentfiles.files import ContentError, markdown_text, read_markdown
from backcare.contentfiles.kinds import Kind, Record, check_keys, clean_field, slug_list

from .models import CONTENT_MODELS, ContentItem, Status


class ItemKind(Kind):
    """A Markdown file with front matter for one ContentItem."""

    model: type[ContentItem]

    def __init__(self, model: type[ContentItem]) -> None:
        super().__init__()
        self.model = model
        self.folder = model.folder

    def read(self, path: Path) -> Record:
        raw, body = read_markdown(path)
        plain = set(self.model.content_fields()) - {"body"}
        relations = set(self.model.relation_fields)
        check_keys(path, raw, required={"slug", *plain}, optional=relations)
        slug = clean_field(self.model, path, "slug", raw["slug"])
        data: dict[str, Any] = {"slug": slug}
        for name in self.model.content_fields():
            value = body if name == "body" else raw[name]
            data[name] = clean_field(self.model, path, name, value)
        for name in self.model.relation_fields:
            data[name] = slug_list(path, name, raw.get(name))
        if data["next_review_due"] < data["last_reviewed"]:
            raise ContentError(path, "next_review_due", "is before last_reviewed")
        return Record(path=path, key=slug, data=data)

    def data_of(self, obj: ContentItem) -> dict[str, Any]:
        return obj.content_data()

    def write(self, obj: ContentItem | None, data: dict[str, Any], loaded_fingerprint: str) -> Any:
        item = obj or self.model(slug=data["slug"])
        for name in self.model.content_fields():
            setattr(item, name, data[name])
        item.loaded_fingerprint = loaded_fingerprint
        item.save()
        for name, target in self.references.items():
            related = target.model._default_manager.filter(slug__in=data[name])
            getattr(item, name).set(related)
        if item.status == Status.PUBLISHED:
            item.publish()
            item.save(update_fields=["status", "published_data", "updated_at"])
        return item

    def dump(self, obj: ContentItem) -> tuple[str, str]:
        data = obj.content_data()
        body = data.pop("body")
        return f"{obj.slug}{self.suffix}", markdown_text(data, body)


def article_kinds() -> list[ItemKind]:
    kinds = {model: ItemKind(model) for model in CONTENT_MODELS}
    for model, kind in kinds.items():
        for name in model.relation_fields:
            target = model._meta.get_field(name).related_model
            kind.references[name] = kinds[target]  # type: ignore[index]
    return list(kinds.values())
