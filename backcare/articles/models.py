"""The health content: the condition, its causes, remedies, exercises, prevention and red flags.

Each row is the working copy that editors change. What the public sees is the
published snapshot in `published_data`, written only when the item is published,
so an edit is never public before it has been reviewed. Public code reaches items
through `.published()` and reads them with `published_version()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Self

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from backcare.core.models import Versioned, current_content_version
from backcare.core.placeholders import fill

from . import synonyms
from .markdown import render_markdown


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class CareLevel(models.TextChoices):
    """Levels of care a red flag can need, most urgent first. Only their names: what each
    tells a person to do is worded once, in the symptom checker's dispositions."""

    EMERGENCY = "emergency", "Emergency"
    URGENT = "urgent", "Urgent (same day)"
    GP = "gp", "GP (within days)"


class Phase(models.TextChoices):
    ANY = "any", "Any time"
    EARLY = "early", "First 24 to 72 hours"
    LATER = "later", "After the first 24 to 72 hours"


NUMBERED = re.compile(r"^\d+\.\s+(.+)$")
PICTURE_FILE = re.compile(r"exercises/[a-z0-9-]+\.svg")
REFERENCE = re.compile(r"(?P<title>[^<>]+?)\s*<(?P<url>https://[^<>\s]+)>")


@dataclass(frozen=True)
class Reference:
    title: str
    url: str  # empty when the source names no public address


# Fields read from the row even for the public copy: they are not what the page says.
LIVE_FIELDS = ("order", "last_reviewed", "next_review_due", "reviewed_by")


class ContentQuerySet[M: ContentItem](models.QuerySet[M]):
    def published(self) -> Self:
        """Items the public may see: those with a published snapshot."""
        return self.filter(published_data__isnull=False)

    def due_for_review(self, today: date | None = None) -> Self:
        return self.filter(next_review_due__lte=today or timezone.localdate())


class ContentItem(Versioned):
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The last part of the page address. Changing it breaks links to the page.",
    )
    title = models.CharField(max_length=120)
    summary = models.TextField(max_length=300, help_text="One or two plain sentences, shown first.")
    also_known_as = models.CharField(
        max_length=300,
        blank=True,
        help_text=(
            "Other names people use for this, separated by commas (for search). "
            "On a warning sign, each name also makes search show this sign first."
        ),
    )
    body = models.TextField(help_text="Markdown. Start each section with ## and a heading.")
    body_html = models.TextField(editable=False, default="")
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers are listed first.")
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT)
    last_reviewed = models.DateField()
    next_review_due = models.DateField()
    source = models.CharField(
        max_length=300,
        help_text=(
            "The guidance the facts on this page are based on, for the public to follow: "
            "“Title <https://address>”, several separated by “;”."
        ),
    )
    reviewed_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="The clinical reviewer who signed off the published version.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # What the public sees: a copy of the fields taken when the item was last published.
    published_data = models.JSONField(
        null=True, blank=True, editable=False, encoder=DjangoJSONEncoder
    )
    # Fingerprint of the item as load_content last wrote it, so a reload can tell
    # whether someone has edited it in the database since (and then leave it alone).
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = ContentQuerySet.as_manager()
    history = HistoricalRecords(
        inherit=True,
        excluded_fields=["body_html", "published_data", "loaded_fingerprint", "updated_at"],
    )

    # The content/ folder this kind is loaded from, and its URL name.
    folder: ClassVar[str]
    url_name: ClassVar[str]
    # Fields beyond the common ones, and many-to-many fields (stored as slugs in files).
    extra_fields: ClassVar[tuple[str, ...]] = ()
    relation_fields: ClassVar[tuple[str, ...]] = ()

    # Slugs of related items, set on copies made by published_version()/working_version().
    related_slugs: dict[str, list[str]]

    class Meta:
        abstract = True
        ordering = ["order", "title"]
        default_permissions = ("add", "change", "delete", "view", "publish")

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Browsers send \r\n from text areas; files use \n. Keep one form so they compare.
        self.body = self.body.replace("\r\n", "\n").strip("\n")
        self.summary = self.summary.replace("\r\n", "\n").strip()
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"articles:{self.url_name}", kwargs={"slug": self.slug})

    @property
    def references(self) -> list[Reference]:
        """The sources named in `source`, split on ";": "Title <https://…>" becomes a link
        a member of the public can follow; anything else is shown as written."""
        refs = []
        for part in self.source.split(";"):
            part = part.strip()
            match = REFERENCE.fullmatch(part)
            if match:
                refs.append(Reference(match.group("title").strip(), match.group("url")))
            elif part:
                refs.append(Reference(part, ""))
        return refs

    def review_overdue(self, today: date | None = None) -> bool:
        """Its clinical review date has come (or gone): the same rule as due_for_review()."""
        return self.next_review_due <= (today or timezone.localdate())

    @classmethod
    def body_problem(cls, body: str) -> str | None:
        """Why a body cannot be used for this kind, if it cannot (most kinds take any)."""
        return None

    def clean(self) -> None:
        super().clean()
        problem = self.body_problem(self.body)
        if problem:
            raise ValidationError({"body": problem})

    def other_names(self) -> list[str]:
        return [name.strip() for name in self.also_known_as.split(",") if name.strip()]

    @classmethod
    def content_fields(cls) -> tuple[str, ...]:
        """Plain fields a content file sets, in file order."""
        return (
            "title",
            "summary",
            "order",
            "status",
            "last_reviewed",
            "next_review_due",
            "source",
            "reviewed_by",
            "also_known_as",
            *cls.extra_fields,
            "body",
        )

    def content_data(self) -> dict[str, Any]:
        """The working copy as a content file describes it: plain fields and related slugs."""
        data: dict[str, Any] = {"slug": self.slug}
        for name in self.content_fields():
            data[name] = getattr(self, name)
        for name in self.relation_fields:
            data[name] = sorted(getattr(self, name).values_list("slug", flat=True))
        return data

    # Publishing -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The working copy in the form stored in published_data."""
        data = self.content_data()
        data["body_html"] = render_markdown(self.body)
        snapshot: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
        return snapshot

    def publish(self) -> None:
        """Make the working copy what the public sees. The caller saves."""
        self.status = Status.PUBLISHED
        self.published_data = self.snapshot()

    def sign_off(self, reviewer: str, today: date, review_every_days: int) -> None:
        """Publish with a clinical reviewer's name, dated today. The caller saves."""
        self.reviewed_by = reviewer
        self.last_reviewed = today
        self.next_review_due = today + timedelta(days=review_every_days)
        self.publish()

    def withdraw(self) -> None:
        """Take the item off the public site; the working copy stays. The caller saves."""
        self.status = Status.DRAFT
        self.published_data = None

    def published_version(self) -> Self:
        """An unsaved copy of this item holding what the public sees."""
        if self.published_data is None:
            raise ValueError(f"{self!r} has never been published")
        return self._copy_from(self.published_data)

    def working_version(self) -> Self:
        """The working copy with its related slugs, for staff previews."""
        return self._copy_from(self.snapshot())

    def _copy_from(self, data: dict[str, Any]) -> Self:
        values: dict[str, Any] = {}
        for name in (*self.content_fields(), "body_html"):
            field = self._meta.get_field(name)
            assert isinstance(field, models.Field)  # noqa: S101 (content fields are plain)
            value = field.to_python(data.get(name, getattr(self, name)))
            values[name] = (
                fill(value, html=name == "body_html") if isinstance(value, str) else value
            )
        # Display order and the review dates are not the page's text: they apply at once.
        for name in LIVE_FIELDS:
            values[name] = getattr(self, name)
        copy = type(self)(pk=self.pk, slug=self.slug, **values)
        copy.related_slugs = {name: list(data.get(name, [])) for name in self.relation_fields}
        return copy


class Condition(ContentItem):
    folder = "condition"
    url_name = "condition"

    class Meta(ContentItem.Meta):
        pass


def validate_pictures(value: Any) -> None:
    """A list of {file, alt}: an SVG under static/exercises/ and words that say what it shows."""
    from django.contrib.staticfiles import finders

    if not isinstance(value, list):
        raise ValidationError("must be a list of pictures, each with a file and an alt")
    for number, picture in enumerate(value, start=1):
        if not isinstance(picture, dict) or set(picture) != {"file", "alt"}:
            raise ValidationError(f"picture {number} must have exactly: file, alt")
        file, alt = picture["file"], picture["alt"]
        if not isinstance(file, str) or not PICTURE_FILE.fullmatch(file):
            raise ValidationError(
                f"picture {number}: file must look like exercises/name.svg, not {file!r}"
            )
        if not finders.find(file):
            raise ValidationError(f"picture {number}: there is no static/{file}")
        if not isinstance(alt, str) or len(alt.split()) < 3:
            raise ValidationError(f"picture {number}: alt must say in words what it shows")


class Exercise(ContentItem):
    repetitions = models.CharField(max_length=200, help_text="How many, how long, how often.")
    stop_if = models.CharField(max_length=300, help_text="When to stop.")
    pictures = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_pictures],
        help_text=(
            'Line drawings of the positions: [{"file": "exercises/name.svg", "alt": "what it '
            'shows, in words that match the steps"}]. Files live in static/exercises/.'
        ),
    )

    folder = "exercises"
    url_name = "exercise"
    extra_fields = ("repetitions", "stop_if", "pictures")

    @property
    def steps(self) -> list[str]:
        """The numbered steps under the body's "## Steps" heading, as plain sentences:
        what a printed plan carries so that it stands on its own."""
        steps: list[str] = []
        in_steps = False
        for line in self.body.splitlines():
            if line.startswith("## "):
                in_steps = line[3:].strip().lower() == "steps"
                continue
            match = NUMBERED.match(line) if in_steps else None
            if match:
                steps.append(match.group(1).strip())
        return steps

    class Meta(ContentItem.Meta):
        pass


class Prevention(ContentItem):
    exercises = models.ManyToManyField(Exercise, blank=True, related_name="prevention")

    folder = "prevention"
    url_name = "prevention"
    relation_fields = ("exercises",)
    _history_m2m_fields = ["exercises"]

    class Meta(ContentItem.Meta):
        verbose_name = "prevention advice"
        verbose_name_plural = "prevention advice"


class Cause(ContentItem):
    prevention = models.ManyToManyField(
        Prevention,
        blank=True,
        related_name="causes",
        help_text="The prevention advice that addresses this cause.",
    )

    folder = "causes"
    url_name = "cause"
    relation_fields = ("prevention",)
    _history_m2m_fields = ["prevention"]

    class Meta(ContentItem.Meta):
        pass


class Remedy(ContentItem):
    phase = models.CharField(
        max_length=8,
        choices=Phase,
        default=Phase.ANY,
        help_text="When it helps most: cold in the first 24 to 72 hours, heat after.",
    )
    cautions = models.TextField(blank=True, help_text="Who should not use this, or ask first.")
    exercises = models.ManyToManyField(Exercise, blank=True, related_name="remedies")

    folder = "remedies"
    url_name = "remedy"
    extra_fields = ("phase", "cautions")
    relation_fields = ("exercises",)
    _history_m2m_fields = ["exercises"]

    class Meta(ContentItem.Meta):
        verbose_name_plural = "remedies"


class RedFlag(ContentItem):
    care_level = models.CharField(max_length=12, choices=CareLevel)

    folder = "red-flags"
    url_name = "red_flag"
    extra_fields = ("care_level",)

    class Meta(ContentItem.Meta):
        pass

    def what_to_do(self) -> str:
        """The plain instruction: the first paragraph under the body's "What to do" heading
        (the summary if there is none), as plain text."""
        return first_paragraph_under(self.body, WHAT_TO_DO) or self.summary


WHAT_TO_DO = "What to do"


def first_paragraph_under(markdown: str, heading: str) -> str:
    lines = markdown.split("\n")
    try:
        start = next(
            i
            for i, line in enumerate(lines)
            if line.lstrip("#").strip() == heading and line[:1] == "#"
        )
    except StopIteration:
        return ""
    paragraph: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph).replace("**", "").replace("__", "").strip()


class SearchWords(ContentItem):
    """People's own words for search, one list per item (the site has one, "synonyms").

    Not a page: it is kept, reviewed and published like one so that a word which
    changes what a person finds (a warning sign's name above all) is signed off too.
    The body lists one entry per line: `- their words, more words = our words`."""

    folder = "search"
    url_name = "search"

    class Meta(ContentItem.Meta):
        verbose_name = "search words"
        verbose_name_plural = "search words"

    def get_absolute_url(self) -> str:
        return reverse("articles:search")

    @classmethod
    def body_problem(cls, body: str) -> str | None:
        try:
            synonyms.parse(body)
        except synonyms.SynonymError as exc:
            return str(exc)
        return None


# In load order: a kind comes after the kinds it links to.
CONTENT_MODELS: tuple[type[ContentItem], ...] = (
    Condition,
    Exercise,
    Prevention,
    Cause,
    Remedy,
    RedFlag,
)
# Everything kept as content: the pages, and the search words list.
ALL_CONTENT_MODELS: tuple[type[ContentItem], ...] = (*CONTENT_MODELS, SearchWords)


# What all_published_pages() read, per process: {kinds: (content version, pages)}.
_published: dict[tuple[str, ...], tuple[int, tuple[ContentItem, ...]]] = {}


def all_published_pages(kinds: Iterable[type[ContentItem]] = CONTENT_MODELS) -> list[ContentItem]:
    """What the public sees of these kinds (all by default).

    Kept in this process until the content version changes (any saved change to content
    bumps it, in every process): the outcome page lists every page to pick a plan from,
    and decoding each one's published copy was a third of its cost. Callers get their own
    list; the pages in it are shared, so they are read, never changed."""
    models_ = tuple(kinds)
    if connection.in_atomic_block:
        # Inside a transaction what is read may yet be rolled back, and the version with it.
        return _read_published_pages(models_)
    names = tuple(model.__name__ for model in models_)
    version = current_content_version()
    kept = _published.get(names)
    if kept is None or kept[0] != version:
        kept = (version, tuple(_read_published_pages(models_)))
        _published[names] = kept
    return list(kept[1])


def forget_published_pages() -> None:
    """Drop what all_published_pages() kept (tests start each with a fresh database)."""
    _published.clear()


def _read_published_pages(kinds: Iterable[type[ContentItem]]) -> list[ContentItem]:
    """What the public sees of these kinds, fetched in one query."""
    by_name = {model.__name__: model for model in kinds}
    first, *rest = [
        model.objects.published()
        .annotate(kind=models.Value(name, output_field=models.CharField()))
        .values_list("kind", "pk", "slug", "published_data", *LIVE_FIELDS)
        .order_by()
        for name, model in by_name.items()
    ]
    pages = []
    rows = first.union(*rest, all=True) if rest else first
    for kind, pk, slug, data, *live in rows.order_by("kind", "slug"):
        item = by_name[kind](
            slug=slug, published_data=data, **dict(zip(LIVE_FIELDS, live, strict=True))
        )
        item.pk = pk
        pages.append(item.published_version())
    return pages
