"""What a phone keeps for when there is no signal: one list, used by the service worker
(what it stores) and by the offline page (what it says is there)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django_htmx.jinja import htmx_script

from backcare.articles.models import ContentItem, Exercise, RedFlag, Remedy, all_published_pages
from backcare.articles.pages import TOPICS
from backcare.triage.care import care_for


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Section:
    """A page kept offline, with the pages listed under it."""

    title: str
    url: str
    items: list[Link] = field(default_factory=list)


# The topics a person needs most with no signal: how to ease the pain, gentle moves,
# and the warning signs. Other pages are kept once visited.
KEPT_TOPICS: dict[str, type[ContentItem]] = {
    "relief": Remedy,
    "exercises": Exercise,
    "when_to_see_a_doctor": RedFlag,
}


def sections() -> list[Section]:
    """The pages kept on the phone, in the order the offline page lists them."""
    pages = all_published_pages(KEPT_TOPICS.values())
    by_kind: dict[type[ContentItem], list[ContentItem]] = {}
    for page in sorted(pages, key=lambda p: (p.order, p.title)):
        by_kind.setdefault(type(page), []).append(page)
    result = [Section("Home page", reverse("home"))]
    for topic_name, model in KEPT_TOPICS.items():
        topic = TOPICS[topic_name]
        items = [Link(p.title, p.get_absolute_url()) for p in by_kind.get(model, [])]
        result.append(Section(topic.title, reverse(topic.url_name), items))
    result.append(Section("Your plan, if you kept one", reverse("my_plan")))
    result.append(Section("Privacy", reverse("privacy")))
    return result


def static_files() -> list[str]:
    """The stylesheet, scripts and icons every kept page uses."""
    # htmx as base.html loads it (with django-htmx's debug helper too, under DEBUG).
    htmx = re.findall(r'src="([^"]+)"', htmx_script(nonce=None))
    return [
        static("css/site.css"),
        static("js/site.js"),
        static("icons/icon.svg"),
        static("icons/icon-192.png"),
        *htmx,
    ]


def exercise_pictures() -> list[str]:
    """The drawings on the kept exercise pages: an exercise is no use offline without them."""
    exercises = all_published_pages([Exercise])
    files = {picture["file"] for page in exercises for picture in getattr(page, "pictures", [])}
    return [static(file) for file in sorted(files)]


def precache_urls() -> list[str]:
    urls = [reverse("offline"), reverse("manifest")]
    for section in sections():
        urls.append(section.url)
        urls.extend(item.url for item in section.items)
    return urls + static_files() + exercise_pictures()


def never_cached() -> list[str]:
    """Address prefixes the service worker must never store: the symptom checker (its
    questions, answers and outcomes), editors' previews, the admin, and itself."""
    return [
        reverse("checker:start"),
        "/preview/",
        "/" + settings.BACKCARE_ADMIN_PATH,
        reverse("healthz"),
        reverse("service_worker"),
    ]


def worker_config(content_version: int, code: str) -> dict[str, Any]:
    """What the service worker is told. `version` names its cache: it changes when
    anything is published (the content version) or when a deploy changes the list or the
    worker's code, and the browser then installs the new worker, which fetches every page
    afresh and deletes the old cache."""
    precache = precache_urls()
    digest = hashlib.sha256(json.dumps([precache, code]).encode()).hexdigest()[:12]
    return {
        "version": f"{content_version}-{digest}",
        "content": str(content_version),
        "offline": reverse("offline"),
        "plan": reverse("my_plan"),
        "emergency": settings.BACKCARE_EMERGENCY_NUMBER,
        # The emergency instruction as reviewed, for when not even the offline page is kept.
        "call": care_for("emergency").title,
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
        "never": never_cached(),
        "precache": precache,
    }
