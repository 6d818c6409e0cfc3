"""The words for each level of care, defined once.

Every page that names a level of care (an emergency, the same day, within days, or care
at home) takes its words from here, and this module takes them from content a clinical
reviewer signed off:

- the four dispositions of the published symptom checker (`content/triage/dispositions/`):
  a short label, the title (the instruction itself), a one-line summary and the full
  instruction;
- the published warning signs that need the emergency number at once (`content/red-flags/`
  with `care_level: emergency`).

Templates reach them through the `care` template tags, Python through `care_levels()` and
`emergency_signs()`. The levels come from the published flow, cached as the checker's
flow is (a pointer in the shared cache, the parsed flow kept by each process), so they
cost no query, but for one small one per content version per process: a page the page
cache will keep under a content version must not show a flow older than that version,
and without Redis the pointer in this process may be up to BACKCARE_FLOW_CACHE_SECONDS
older than a publish made by another process (see _published_or_none).

No page may be left without an instruction to get help: when the published copy cannot
be read (no flow published yet, the database down, a field left empty) the words come
from the reviewed files instead, and that is logged as an error.
If even the files cannot be read, a plain last resort says to get medical help, and that
is logged as critical; the system checks `backcare.triage.E001` and `E002` refuse to
start a site whose files are incomplete.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from backcare.articles.content_kinds import PUBLISHED
from backcare.articles.markdown import render_markdown
from backcare.articles.models import CareLevel, RedFlag, Status, all_published_pages
from backcare.contentfiles.files import ContentError, read_markdown, read_yaml
from backcare.core.pagecache import rendering_version
from backcare.core.placeholders import fill, placeholders

from .engine import Flow, FlowDisposition, Level
from .flows import published_flow

logger = logging.getLogger(__name__)

WORDED = ("title", "label", "summary", "instruction_html")


@dataclass(frozen=True)
class Care:
    """One level of care in the reviewed words, with the local numbers filled in."""

    level: str
    label: str
    title: str
    summary: str
    instruction_html: SafeString


@dataclass(frozen=True)
class Sign:
    """A warning sign that needs the emergency number at once."""

    title: str
    summary: str
    url: str


# Used only when neither the published copy nor the reviewed files can be read: never the
# words a reviewer signed off, but never a page without a way to get help either.
LAST_RESORT = {
    level: FlowDisposition(
        level=level,
        label="Get help",
        title="Get medical help",
        summary="In an emergency, call {emergency_number}. If you are not sure, "
        "contact {urgent_service}.",
        instruction_html="<p>In an emergency, call {emergency_number}. If you are not sure, "
        "contact {urgent_service}.</p>",
    )
    for level in Level
}


def care_levels() -> dict[str, Care]:
    """Each level of care as the public is shown it, keyed "emergency", "urgent", "gp" and
    "self_care", most urgent first."""
    flow = _published_or_none()
    key = (flow.version, flow.checksum) if flow else None
    local = tuple(placeholders().values())
    memo = _memo
    if memo is not None and memo[0] == (key, local):
        return memo[1]
    found: dict[Level, FlowDisposition] = dict(flow.dispositions) if flow else {}
    missing = [level for level in Level if not _complete(found.get(level))]
    if missing:
        names = ", ".join(level.value for level in missing)
        logger.error("No published wording for %s: using the reviewed content files.", names)
        reviewed = dispositions_from_files()
        for level in missing:
            if _complete(reviewed.get(level)):
                found[level] = reviewed[level]
            else:
                logger.critical("No wording at all for %s: showing the last resort.", level)
                found[level] = LAST_RESORT[level]
    # Most urgent first, as people should read them.
    result = {level.value: _filled(found[level]) for level in reversed(Level)}
    if not missing:
        _remember((key, local), result)
    return result


def care_for(level: str) -> Care:
    """One level of care; a level this site does not know gets the most urgent one's words
    (a mistake must never lower the care a page asks for)."""
    levels = care_levels()
    return levels.get(str(level)) or levels[Level.EMERGENCY.value]


def emergency_signs() -> list[Sign]:
    """The warning signs to call the emergency number for at once, as the published
    warning sign pages word them, most important first."""
    try:
        flags = [
            page
            for page in all_published_pages([RedFlag])
            if isinstance(page, RedFlag) and page.care_level == CareLevel.EMERGENCY
        ]
    except Exception:  # an error page must still list them
        logger.exception("Could not read the emergency signs: using the reviewed content files.")
        return list(signs_from_files())
    if not flags:
        logger.error("No emergency sign is published: using the reviewed content files.")
        return list(signs_from_files())
    flags.sort(key=lambda f: (f.order, f.title))
    return [Sign(fill(f.title), fill(f.summary), f.get_absolute_url()) for f in flags]


# The reviewed files: the fallback ---------------------------------------------------


def content_dir() -> Path:
    return Path(settings.BACKCARE_CONTENT_DIR)


def dispositions_from_files() -> dict[Level, FlowDisposition]:
    return _dispositions_in(content_dir())


def signs_from_files() -> tuple[Sign, ...]:
    return _signs_in(content_dir())


@cache
def _dispositions_in(folder: Path) -> dict[Level, FlowDisposition]:
    found: dict[Level, FlowDisposition] = {}
    for path in sorted((folder / "triage" / "dispositions").glob("*.yaml")):
        try:
            raw = read_yaml(path)
            level = Level(raw["level"])
            found[level] = FlowDisposition(
                level=level,
                title=str(raw.get("title") or ""),
                label=str(raw.get("label") or ""),
                summary=str(raw.get("summary") or ""),
                instruction_html=render_markdown(str(raw.get("instruction") or "")),
            )
        except (ContentError, OSError, KeyError, ValueError, TypeError) as exc:
            logger.critical("Cannot read the wording in %s: %s", path, exc)
    return found


@cache
def _signs_in(folder: Path) -> tuple[Sign, ...]:
    signs: list[tuple[int, str, Sign]] = []
    for path in sorted((folder / RedFlag.folder).glob("*.md")):
        try:
            meta, _ = read_markdown(path)
            public = _public_copy(meta)
            if public is None or public.get("care_level") != CareLevel.EMERGENCY:
                continue
            url = reverse(f"articles:{RedFlag.url_name}", kwargs={"slug": meta["slug"]})
            sign = Sign(fill(str(public["title"])), fill(str(public["summary"])), url)
            signs.append((int(public.get("order") or 0), sign.title, sign))
        except (ContentError, OSError, KeyError, ValueError, TypeError, NoReverseMatch) as exc:
            logger.critical("Cannot read the warning sign in %s: %s", path, exc)
    return tuple(sign for _, _, sign in sorted(signs, key=lambda s: (s[0], s[1])))


def _public_copy(meta: dict[str, Any]) -> dict[str, Any] | None:
    """What the public sees of a content file's item, as the loader reads it: the file
    itself when published; when it is being edited again (draft, in review), its
    `published:` block, the version still public; nothing if it was never published."""
    if meta.get("status") == Status.PUBLISHED:
        return meta
    public = meta.get(PUBLISHED)
    return public if isinstance(public, dict) else None


def forget() -> None:
    """Drop what this process remembers (tests that change the files or the content)."""
    global _memo, _looked_under
    _memo = None
    _looked_under = None
    _dispositions_in.cache_clear()
    _signs_in.cache_clear()


@checks.register(checks.Tags.templates)
def check_reviewed_wording(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The reviewed files must word every level of care and name the emergency signs: they
    are what pages fall back on when the published copy cannot be read."""
    errors: list[checks.CheckMessage] = []
    reviewed = dispositions_from_files()
    for level in Level:
        if not _complete(reviewed.get(level)):
            errors.append(
                checks.Error(
                    f"The level of care {level.value!r} is not fully worded in "
                    f"{content_dir() / 'triage' / 'dispositions'} ({', '.join(WORDED)}).",
                    hint="Every page that names this level of care falls back on these words.",
                    id="backcare.triage.E001",
                )
            )
    if not signs_from_files():
        errors.append(
            checks.Error(
                f"No published emergency warning sign in {content_dir() / RedFlag.folder}.",
                hint="The start page and error pages list these signs.",
                id="backcare.triage.E002",
            )
        )
    return errors


# Helpers ------------------------------------------------------------------------------

_memo: tuple[Any, dict[str, Care]] | None = None
_memo_lock = threading.Lock()


def _remember(key: Any, result: dict[str, Care]) -> None:
    global _memo
    with _memo_lock:
        _memo = (key, result)


# The content version under which this process last read the flow's pointer from the
# database, rather than from the cache.
_looked_under: int | None = None


def _published_or_none() -> Flow | None:
    global _looked_under
    try:
        # A public page about to be cached under a content version this process has not
        # looked under: a flow publish bumps the version in the same transaction as it
        # adds the flow, so reading the newest flow now (after the page cache read the
        # version) finds it, even if the pointer in this process's cache is older.
        version = rendering_version()
        if version is not None and version != _looked_under:
            flow = published_flow(fresh=True)
            _looked_under = version
            return flow
        return published_flow()
    except Exception:  # the database or the shared cache: either may be down
        logger.exception("Could not read the published flow for the wording of care.")
        return None


def _complete(disposition: FlowDisposition | None) -> bool:
    return disposition is not None and all(
        str(getattr(disposition, name)).strip() for name in WORDED
    )


def _filled(d: FlowDisposition) -> Care:
    return Care(
        level=d.level.value,
        label=fill(d.label),
        title=fill(d.title),
        summary=fill(d.summary),
        instruction_html=mark_safe(fill(d.instruction_html, html=True)),  # noqa: S308
    )
