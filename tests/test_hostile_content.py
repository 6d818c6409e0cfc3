"""Hostile text in every field an editor controls, published, never becomes markup.

Editors are trusted to write health content, not to run code in visitors' browsers: a
title, a question or a reason is text wherever it is shown, and Markdown bodies keep
only the sanitised tags. This fills every editor-written field of every content and
symptom checker model with markup, publishes it, and reads every public page, every step
and one outcome of each level of care, as whole pages and as htmx fragments."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.db import models
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from backcare.articles.models import CONTENT_MODELS
from backcare.contentfiles.loader import LoadReport
from backcare.triage.flows import publish_working_flow
from backcare.triage.models import Choice, Disposition, Question, Rule, TriageCase

pytestmark = pytest.mark.django_db

TRIAGE_MODELS = (Disposition, Question, Choice, Rule, TriageCase)

# Each fits the shortest field it goes into (120 characters), so none is cut short.
PAYLOADS = [
    '</textarea><meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<script>alert(1)</script>{{ request }}{% debug %}</title></a>",
    "\"'><img src=x onerror=alert(1)><i-x hx-get=//evil.example/>`${1}` --></p>",
]
# Links a Markdown field may hold: none of these may become a link off the site's control.
BAD_LINKS = (
    "\n\n[a](//evil.example/a) [b](javascript:alert(1)) [c](/\\evil.example/c) "
    "[d](\\\\evil.example/d) <//evil.example/e>\n"
)
MARKDOWN_FIELDS = {"body", "instruction", "meanwhile"}

LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "data-copy"}
NEVER_TAGS = {"iframe", "object", "embed", "base", "svg", "math", "style", "i-x"}
# Exercise drawings: checked files under static/exercises/; only their alt is editor text.
PICTURES = "/static/exercises/"


class MarkupFinder(HTMLParser):
    """Every tag and attribute in a page that could only have come from the payload."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.json_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in NEVER_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "img" and not values.get("src", "").startswith(PICTURES):
            self.found.append(f"<img {values}>")
        if tag == "meta" and "http-equiv" in values:
            self.found.append(f"<meta http-equiv={values['http-equiv']}>")
        if tag == "script":
            if set(values) == {"id", "type"} and values["type"] == "application/json":
                # json_script's data, never run; it must end where the JSON does.
                self.json_script = ""
            elif not values.get("src", "").startswith("/static/"):
                self.found.append(f"<script {values}>")
        for name, value in values.items():
            if name.startswith("on") or name in {"style", "srcdoc"}:
                self.found.append(f"<{tag} {name}=…>")
            if name in LINK_ATTRIBUTES:
                plain = re.sub(r"[\t\n\r ]", "", value).replace("\\", "/").lower()
                if plain.startswith(("//", "javascript:")) or "evil.example" in plain:
                    self.found.append(f"<{tag} {name}={value!r}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self.json_script is not None:
            self.json_script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.json_script is not None:
            try:
                json.loads(self.json_script)
            except ValueError:
                self.found.append(f"<script> cut short: {self.json_script[:80]!r}")
            self.json_script = None


def markup_in(page: str) -> list[str]:
    finder = MarkupFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def editor_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """Free text an editor types: every editable text field that is not a slug or a choice."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and field.editable
        and not field.choices
        and not isinstance(field, models.SlugField)
    ]


def poison(obj: models.Model, payload: str) -> list[str]:
    names = []
    for field in editor_fields(type(obj)):
        value = payload + " " + (getattr(obj, field.name) or "")
        if field.name in MARKDOWN_FIELDS:
            value = payload + BAD_LINKS + value
            # Search's warning banner quotes the paragraph under this heading.
            value = value.replace("## What to do\n\n", f"## What to do\n\n{payload} ", 1)
        if field.max_length:
            value = value[: field.max_length]
        setattr(obj, field.name, value)
        names.append(field.name)
    if getattr(obj, "pictures", None):
        # The file must be a drawing that exists (the loader and admin check it); the
        # words that describe it are the editor's.
        obj.pictures = [  # type: ignore[attr-defined]
            {**picture, "alt": f"{payload} {picture['alt']}"}
            for picture in obj.pictures  # type: ignore[attr-defined]
        ]
        names.append("pictures")
    obj.save()
    return names


def walk(client: Client, answers: dict[str, list[str]]) -> list[str]:
    """Answer a check from the start; the addresses it went through, outcome last."""
    location = client.post("/check/")["Location"]
    seen = []
    while location.startswith("/check/") and location not in ("/check/result/",):
        seen.append(location)
        if location == "/check/answers/":
            location = client.post(location)["Location"]
            continue
        slug = location.strip("/").split("/")[-1]
        response = client.post(location, {"answer": answers[slug]})
        assert response.status_code == 303, response.content.decode()[:300]
        location = response["Location"]
    assert location == "/check/result/"
    return [*seen, location]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_editor_text_never_becomes_markup_on_any_public_page(
    client: Client, content: LoadReport, django_user_model: Any, payload: str
) -> None:
    reviewer = django_user_model.objects.create_user(
        username="reviewer", first_name=payload, is_staff=True
    )
    poisoned = 0
    models_: list[type[models.Model]] = [*CONTENT_MODELS, *TRIAGE_MODELS]
    for model in models_:
        for obj in model._default_manager.all():
            assert poison(obj, payload), f"{model.__name__} has no editor fields?"
            poisoned += 1
            if model in CONTENT_MODELS:
                obj.sign_off(  # type: ignore[attr-defined]
                    reviewer.get_full_name(), timezone.localdate(), 365
                )
                obj.save()
    assert poisoned > 100
    assert publish_working_flow(user=reviewer) is not None

    sitemap = client.get("/sitemap.xml").content.decode()
    urls = [re.sub(r"^https?://[^/]+", "", u) for u in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    urls += ["/", "/relief/", "/exercises/", "/causes/", "/prevention/"]
    urls += ["/when-to-see-a-doctor/", "/privacy/", "/search/?q=alert", "/search/?q=evil"]
    urls += ["/search/?q=breathlessness"]  # a warning sign's name: the banner
    urls += ["/check/", "/no-such-page/"]
    assert len(urls) > 30

    pages: dict[str, str] = {}
    for url in urls:
        pages[url] = client.get(url).content.decode()
        pages[f"{url} (htmx)"] = client.get(url, headers={"HX-Request": "true"}).content.decode()

    levels = set()
    for case in TriageCase.objects.order_by("slug"):
        if case.expected in levels:
            continue
        levels.add(case.expected)
        visitor = Client()
        for url in walk(visitor, case.answers):
            pages[f"{url} ({case.expected})"] = visitor.get(url).content.decode()
            htmx = visitor.get(url, headers={"HX-Request": "true"}).content.decode()
            pages[f"{url} ({case.expected}, htmx)"] = htmx
        text = visitor.get("/check/result/plan.txt")
        if text.status_code == 200:
            assert text["Content-Type"].startswith("text/plain")
            assert text["X-Content-Type-Options"] == "nosniff"
    assert levels == {"emergency", "urgent", "gp", "self_care"}

    found = {url: markup_in(page) for url, page in pages.items()}
    bad = {url: tags for url, tags in found.items() if tags}
    assert not bad, "\n".join(f"{url}: {sorted(set(tags))}" for url, tags in bad.items())
    # The text is there, shown as text: the test would prove nothing if it were not.
    shown = [url for url, page in pages.items() if "evil.example" in page or "alert(1)" in page]
    assert len(shown) > len(pages) // 2
    banner = pages["/search/?q=breathlessness"].split('class="search-warning', 1)[1]
    assert "If you have this now: <strong>" + escape(payload) in banner
    drawings = pages["/exercises/bridge/"]
    assert f'<img src="{PICTURES}' in drawings
    assert f'alt="{escape(payload)} ' in drawings
    self_care = pages["/check/result/ (self_care)"]
    assert '<textarea id="plan-text"' in self_care
    assert self_care.count("</textarea>") == 1
    assert settings.BACKCARE_SITE_NAME in self_care


def test_scheme_relative_markdown_links_are_dropped() -> None:
    from backcare.articles.markdown import render_markdown

    html = render_markdown(
        "[a](//evil.example/a) [b](/\\evil.example/b) [c](\\\\evil.example/c) "
        "[ok](/relief/) [also ok](https://www.nhs.uk/)"
    )
    assert markup_in(html) == []
    assert 'href="/relief/"' in html
    assert 'href="https://www.nhs.uk/"' in html
    assert ">a</a>" in html  # the words stay, without the link
