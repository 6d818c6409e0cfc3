"""Search over published content: few enough items to rank in Python after one query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import ContentItem, all_published_pages

MAX_QUERY_LENGTH = 100
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Result:
    page: ContentItem
    score: int


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def starts_a_word(term: str, text_words: list[str]) -> bool:
    """ "stretch" finds "stretches", but "ice" does not find "advice"."""
    return any(word.startswith(term) for word in text_words)


def search(query: str) -> list[Result]:
    """Pages holding every word of the query, best first (title, then summary, then body)."""
    terms = words(query)[:12]
    if not terms:
        return []
    results = []
    for page in all_published_pages():
        title, summary, body = words(page.title), words(page.summary), words(page.body)
        everything = title + summary + body
        if all(starts_a_word(term, everything) for term in terms):
            score = sum(
                1 + 3 * starts_a_word(term, title) + 2 * starts_a_word(term, summary)
                for term in terms
            )
            results.append(Result(page=page, score=score))
    return sorted(results, key=lambda r: (-r.score, r.page.order, r.page.title))
