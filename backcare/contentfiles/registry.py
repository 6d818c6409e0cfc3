"""Every kind of content file, in load order (a kind comes after the kinds it names)."""

from __future__ import annotations

from .kinds import Kind


def all_kinds() -> list[Kind]:
    from backcare.articles.content_kinds import article_kinds
    from backcare.triage.content_kinds import triage_kinds

    return [*article_kinds(), *triage_kinds()]
