"""The symptom checker's anonymous counts, summed for clinical reviewers.

Small numbers are never shown: a count from 1 to 4 reads "fewer than 5", and the chart
leaves it out. (A total minus the counts shown beside it can still narrow one down; the
page is for staff only, and holds no more than a day, a version and an outcome.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils import timezone

from backcare.triage.care import care_for
from backcare.triage.counting import ANSWERS_PAGE
from backcare.triage.engine import Level, flow_from_data
from backcare.triage.models import FlowVersion, OutcomeCount, StopCount

SMALL = 5
# Most urgent first, as a clinician reads them.
LEVELS = [Level.EMERGENCY, Level.URGENT, Level.GP, Level.SELF_CARE]


def level_name(level: Level) -> str:
    """The short name a clinical reviewer signed off for this level of care."""
    return care_for(level).label


def shown(count: int) -> str:
    if 0 < count < SMALL:
        return "fewer than 5"
    return str(count)


def share(count: int, total: int) -> str:
    if 0 < count < SMALL:
        return "fewer than 5"
    if total == 0:
        return "-"
    return f"{round(100 * count / total)}%"


@dataclass
class Cell:
    level: Level
    count: int

    @property
    def text(self) -> str:
        return shown(self.count)


@dataclass
class DayRow:
    day: date
    cells: list[Cell]
    published: list[int] = field(default_factory=list)  # versions published that day

    @property
    def total(self) -> int:
        return sum(c.count for c in self.cells)

    @property
    def total_text(self) -> str:
        return shown(self.total)


@dataclass
class VersionStats:
    version: FlowVersion
    reviewer: str
    finished: dict[Level, int]
    rules: list[tuple[str, str, str]]  # (rule, level name, count shown)
    stops: list[tuple[str, str]]  # (where, count shown)
    unfinished: int

    @property
    def total(self) -> int:
        return sum(self.finished.values())

    @property
    def shares(self) -> list[tuple[str, str, str]]:
        return [
            (
                level_name(lv),
                shown(self.finished.get(lv, 0)),
                share(self.finished.get(lv, 0), self.total),
            )
            for lv in LEVELS
        ]


def days(since: date, until: date) -> list[DayRow]:
    """A row per day with any outcome or publish, newest first."""
    sums: dict[date, dict[str, int]] = defaultdict(dict)
    rows = (
        OutcomeCount.objects.filter(day__gte=since, day__lte=until)
        .values("day", "level")
        .annotate(n=Sum("count"))
    )
    for row in rows:
        sums[row["day"]][row["level"]] = row["n"]
    published: dict[date, list[int]] = defaultdict(list)
    for version in FlowVersion.objects.only("pk", "created_at").order_by("pk"):
        day = timezone.localdate(version.created_at)
        if since <= day <= until:
            published[day].append(version.pk)
    every_day = sorted(set(sums) | set(published), reverse=True)
    return [
        DayRow(day, [Cell(lv, sums[day].get(lv.value, 0)) for lv in LEVELS], published[day])
        for day in every_day
    ]


def versions(limit: int = 6) -> list[VersionStats]:
    """Each published version (newest first): what it advised, and where checks stopped."""
    chosen = list(FlowVersion.objects.select_related("published_by")[:limit])
    ids = [v.pk for v in chosen]
    finished: dict[int, dict[Level, int]] = defaultdict(dict)
    rules: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for row in (
        OutcomeCount.objects.filter(flow_version__in=ids)
        .values("flow_version", "level", "rule")
        .annotate(n=Sum("count"))
        .order_by("flow_version", "level", "rule")
    ):
        level = Level(row["level"])
        finished[row["flow_version"]][level] = (
            finished[row["flow_version"]].get(level, 0) + row["n"]
        )
        rules[row["flow_version"]].append((row["rule"], level_name(level), row["n"]))
    stops: dict[int, dict[str, int]] = defaultdict(dict)
    for stop in (
        StopCount.objects.filter(flow_version__in=ids)
        .values("flow_version", "question")
        .annotate(n=Sum("count"))
    ):
        stops[stop["flow_version"]][stop["question"]] = stop["n"]
    result = []
    for version in chosen:
        flow = flow_from_data(version.data, version=str(version.pk))
        order = [(q.slug, q.text) for q in flow.questions] + [
            (ANSWERS_PAGE, "The “check your answers” page")
        ]
        here = stops[version.pk]
        result.append(
            VersionStats(
                version=version,
                reviewer=(
                    version.published_by.get_full_name() or version.published_by.get_username()
                )
                if version.published_by
                else "load_content",
                finished=finished[version.pk],
                rules=sorted(
                    (
                        (rule or "(no rule: no warning sign)", name, shown(n))
                        for rule, name, n in rules[version.pk]
                        if n
                    ),
                    key=lambda r: r[0],
                ),
                stops=[(text, shown(here.get(slug, 0))) for slug, text in order if here.get(slug)],
                unfinished=sum(here.values()),
            )
        )
    return result


# The chart: drawn here, as SVG, so no script is needed to see it ------------------------

BAR_LEFT, BAR_WIDTH, ROW, LABEL_ROW = 70, 250, 26, 20


@dataclass
class Segment:
    level: Level
    x: float
    width: float


@dataclass
class Bar:
    y: int
    label: str
    segments: list[Segment]
    total_text: str
    total_x: float
    notes: list[tuple[str, int]]  # ("Version 3 published", y) lines above the bar


def chart(rows: list[DayRow]) -> tuple[list[Bar], int]:
    """Bars (one per day, newest at the top), and the chart's height."""
    biggest = max((sum(c.count for c in r.cells if c.count >= SMALL) for r in rows), default=0)
    scale = BAR_WIDTH / biggest if biggest else 0
    bars, y = [], 4
    for row in rows:
        note_y = []
        for _ in row.published:
            note_y.append(y + 14)
            y += LABEL_ROW
        x = float(BAR_LEFT)
        segments = []
        for cell in row.cells:
            if cell.count >= SMALL:  # small numbers are left out of the chart
                segments.append(Segment(cell.level, x, cell.count * scale))
                x += cell.count * scale
        bars.append(
            Bar(
                y=y,
                label=f"{row.day:%d %b}",
                segments=segments,
                total_text="<5" if 0 < row.total < SMALL else str(row.total),
                total_x=x + 4,
                notes=[
                    (f"Version {pk} published", at)
                    for pk, at in zip(row.published, note_y, strict=True)
                ],
            )
        )
        y += ROW
    return bars, y + 4


def since_default(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=27)
