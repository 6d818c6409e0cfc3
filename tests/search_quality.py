"""The query set in tests/search/queries.yaml, run through search and scored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from backcare.articles.search import search

QUERIES = Path(__file__).parent / "search" / "queries.yaml"


@dataclass(frozen=True)
class Case:
    query: str
    top3: tuple[str, ...]
    first: str | None


@dataclass(frozen=True)
class Scored:
    case: Case
    ranked: list[str]  # folder/slug of each result, best first

    @property
    def wanted(self) -> list[set[str]]:
        """Each page wanted, as the set of pages that would do as well ("a | b")."""
        listed = [*((self.case.first,) if self.case.first else ()), *self.case.top3]
        return [{page.strip() for page in item.split("|")} for item in listed]

    @property
    def recall_at_3(self) -> float:
        top = set(self.ranked[:3])
        return sum(bool(pages & top) for pages in self.wanted) / len(self.wanted)

    @property
    def reciprocal_rank(self) -> float:
        every = set().union(*self.wanted)
        ranks = [i for i, page in enumerate(self.ranked, 1) if page in every]
        return 1 / ranks[0] if ranks else 0.0

    @property
    def warning_first(self) -> bool | None:
        if not self.case.first:
            return None
        return bool(self.ranked) and self.ranked[0] == self.case.first


def cases() -> list[Case]:
    raw = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    return [Case(item["query"], tuple(item.get("top3", [])), item.get("first")) for item in raw]


def run() -> list[Scored]:
    scored = []
    for case in cases():
        outcome = search(case.query)
        ranked = [f"{type(r.page).folder}/{r.page.slug}" for r in outcome.results]
        scored.append(Scored(case, ranked))
    return scored


@dataclass(frozen=True)
class Figures:
    queries: int
    recall_at_3: float
    mrr: float
    warning_queries: int
    warning_first: float
    misses: list[Scored]


def figures(scored: list[Scored]) -> Figures:
    warnings = [s for s in scored if s.warning_first is not None]
    return Figures(
        queries=len(scored),
        recall_at_3=sum(s.recall_at_3 for s in scored) / len(scored),
        mrr=sum(s.reciprocal_rank for s in scored) / len(scored),
        warning_queries=len(warnings),
        warning_first=sum(bool(s.warning_first) for s in warnings) / len(warnings),
        misses=[s for s in scored if s.recall_at_3 < 1 or s.warning_first is False],
    )


def report(f: Figures) -> str:
    lines = [
        f"{f.queries} queries: recall@3 {f.recall_at_3:.1%}, MRR {f.mrr:.3f}, "
        f"warning sign first {f.warning_first:.0%} of {f.warning_queries}"
    ]
    for miss in f.misses:
        lines.append(f"  miss: {miss.case.query!r} wanted {miss.wanted}, got {miss.ranked[:3]}")
    return "\n".join(lines)
