"""Which pages may be given feedback, and what they are called."""

from __future__ import annotations

from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from backcare.articles.models import ContentItem
from backcare.articles.pages import TOPICS
from backcare.triage.care import care_for
from backcare.triage.engine import Level


def keep_days() -> int:
    return int(settings.BACKCARE_FEEDBACK_DAYS)


def outcome_path() -> str:
    return reverse("checker:result")


def valid(page: str, outcome: str) -> bool:
    """A published content page, a topic's index, or the checker's outcome page."""
    if len(page) > 200 or not page.startswith("/"):
        return False
    if page == outcome_path():
        return outcome in {lv.value for lv in Level}
    return not outcome and item_title(page) is not None


def item_title(page: str) -> str | None:
    try:
        match = resolve(page)
    except Resolver404:
        return None
    model = match.kwargs.get("model")
    if match.url_name and match.namespace == "articles" and "topic" in match.kwargs:
        return TOPICS[match.kwargs["topic"]].title
    if isinstance(model, type) and issubclass(model, ContentItem):
        item = model.objects.published().filter(slug=match.kwargs.get("slug")).first()
        return item.published_version().title if item else None
    return None


def title(page: str, outcome: str) -> str:
    if outcome:
        # The level's short name, as a clinical reviewer signed it off.
        return f"Outcome ({care_for(outcome).label})" if outcome in Level else outcome
    return item_title(page) or f"{page} (no longer published)"
