"""What the public pages are made of, shared by the views and by other modules (the
sitemap, the staff preview, feedback and offline pages): the topic indexes, the links
between items, and one item's page. Kept out of views.py so that nothing imports a view
module."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import (
    CareLevel,
    Cause,
    ContentItem,
    Exercise,
    Prevention,
    RedFlag,
    Remedy,
    all_published_pages,
)


@dataclass(frozen=True)
class Topic:
    """An index page listing one kind of item."""

    model: type[ContentItem]
    url_name: str
    title: str
    description: str


TOPICS = {
    "relief": Topic(
        Remedy,
        "articles:relief",
        "Easing a back spasm",
        "Simple things you can do at home to ease a back muscle spasm right now.",
    ),
    "exercises": Topic(
        Exercise,
        "articles:exercises",
        "Exercises",
        "Gentle moves to ease a spasm, and exercises to make your back stronger.",
    ),
    "causes": Topic(
        Cause,
        "articles:causes",
        "What causes back spasms",
        "The common reasons a back muscle goes into spasm.",
    ),
    "prevention": Topic(
        Prevention,
        "articles:prevention_index",
        "Stopping spasms coming back",
        "Everyday habits that make another back spasm less likely.",
    ),
    "when_to_see_a_doctor": Topic(
        RedFlag,
        "articles:when_to_see_a_doctor",
        "When to see a doctor",
        "Warning signs that mean a back spasm needs a doctor, and how fast.",
    ),
}

TOPIC_BY_MODEL = {topic.model: topic for topic in TOPICS.values()}

# Links between kinds shown on an item page, as (field, heading).
FORWARD: dict[type[ContentItem], list[tuple[str, type[ContentItem], str]]] = {
    Remedy: [("exercises", Exercise, "Exercises that help")],
    Cause: [("prevention", Prevention, "How to make it less likely")],
    Prevention: [("exercises", Exercise, "Exercises for this")],
}
# The same links seen from the other end, as (kind that links here, its field, heading).
BACKWARD: dict[type[ContentItem], list[tuple[type[ContentItem], str, str]]] = {
    Exercise: [
        (Remedy, "exercises", "Part of easing a spasm"),
        (Prevention, "exercises", "Part of preventing spasms"),
    ],
    Prevention: [(Cause, "prevention", "Causes this helps with")],
}


@dataclass(frozen=True)
class RelatedGroup:
    heading: str
    items: list[ContentItem]


def published_pages[T: ContentItem](model: type[T]) -> list[T]:
    pages = [cast(T, item.published_version()) for item in model.objects.published()]
    return sorted(pages, key=lambda page: (page.order, page.title))


def by_order(pages: Iterable[ContentItem]) -> list[Any]:
    return sorted(pages, key=lambda page: (page.order, page.title))


def related_groups(page: ContentItem, others: list[ContentItem]) -> list[RelatedGroup]:
    """The pages linked from this one, and those linking to it, among `others`."""
    groups = []
    for name, target, heading in FORWARD.get(type(page), []):
        slugs = set(page.related_slugs.get(name, []))
        items = [p for p in others if isinstance(p, target) and p.slug in slugs]
        groups.append(RelatedGroup(heading, by_order(items)))
    for source, name, heading in BACKWARD.get(type(page), []):
        items = [p for p in others if isinstance(p, source) and page.slug in p.related_slugs[name]]
        groups.append(RelatedGroup(heading, by_order(items)))
    return [group for group in groups if group.items]


def help_now_flags(others: list[ContentItem]) -> list[RedFlag]:
    """Red flags for the "get help now if" box on every item page."""
    levels = {CareLevel.EMERGENCY, CareLevel.URGENT}
    return by_order(p for p in others if isinstance(p, RedFlag) and p.care_level in levels)


def render_item(request: HttpRequest, page: ContentItem, *, preview: bool = False) -> HttpResponse:
    # Everything the page links to, and the red flags for its help box, in one query.
    kinds: set[type[ContentItem]] = {RedFlag}
    kinds.update(target for _name, target, _heading in FORWARD.get(type(page), []))
    kinds.update(source for source, _name, _heading in BACKWARD.get(type(page), []))
    others = all_published_pages(kinds)
    context = {
        "page": page,
        "topic": TOPIC_BY_MODEL.get(type(page)),
        "related": related_groups(page, others),
        "help_now": help_now_flags(others),
        "preview": preview,
    }
    templates = [f"articles/{type(page).__name__.lower()}.html", "articles/item.html"]
    return render(request, templates, context)
