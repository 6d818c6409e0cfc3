"""Search over what the public sees, the same on every database.

The engine is SQLite's FTS5 (in Python's standard library) over an in-memory index that
each process builds from the published pages and keeps until the content version
changes (publishing anything bumps it). Words are stemmed before they reach FTS5, with
the Snowball English stemmer (PyStemmer), so the index, people's words (the search words
list and each item's "also known as" names), stop words and spelling correction
(rapidfuzz) all work on the same stems. The site's own database only supplies the pages,
so SQLite and PostgreSQL give the same results by construction.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from backcare.core.models import current_content_version

from . import synonyms
from .models import CareLevel, ContentItem, RedFlag, SearchWords, all_published_pages

MAX_QUERY_LENGTH = 100
MAX_WORDS = 16
# Relevance weights of the indexed columns: title, other names, summary, body.
WEIGHTS = (10.0, 8.0, 4.0, 1.0)
# At most this many results, and none scoring below this share of the best: every page
# says "back", and a list of all of them helps nobody. Warning signs found are always kept.
MAX_RESULTS = 10
MIN_SHARE_OF_BEST = 0.2
# Added to a page's score for each word of each of its other names that the query holds.
NAME_BONUS = 10.0
# Warning signs in this order: the most urgent first.
URGENCY: dict[str, int] = {level.value: rank for rank, level in enumerate(CareLevel)}

_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")

# Words too common to tell pages apart. Words of negation stay ("not getting better",
# "can't feel my legs"): they are part of some warning signs' names.
STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i id if im in
    into is it its itself ive just me might more most much my myself of off on once only or
    other our ours ourselves out over own really same she should so some such than that
    thats the their theirs them themselves then there these they this those through to too
    under until up very was we were what whats when where which while who whom why will
    with would you your yours yourself yourselves get got getting please bit lot""".split()  # noqa: SIM905
)
# How many letters a word may be wrong by, by its length; shorter words are not corrected.
MIN_CORRECTED_LENGTH = 4


def max_typos(word: str) -> int:
    return 1 if len(word) <= 5 else 2


_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # A Stemmer object must not be shared between threads.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def words(text: str) -> list[str]:
    """Lower-case words without accents or apostrophes ("can't" is "cant")."""
    text = unicodedata.normalize("NFKD", text.lower())
    return _WORD.findall(_APOSTROPHES.sub("", text))


def stems(text_words: Sequence[str]) -> list[str]:
    return list(_stemmer().stemWords(list(text_words)))


def index_terms(text: str) -> list[str]:
    """What the index holds of some text: stems of the words that are not stop words."""
    return stems([w for w in words(text) if w not in STOP_WORDS])


@dataclass(frozen=True)
class Result:
    page: ContentItem
    score: float
    warning: bool = False
    url: str = ""


@dataclass(frozen=True)
class WarningSign:
    """A warning sign the query describes, with what to do about it (from its page)."""

    page: RedFlag
    instruction: str


@dataclass
class Outcome:
    results: list[Result] = field(default_factory=list)
    warnings: list[WarningSign] = field(default_factory=list)
    # The query with its misspelt words corrected, when any were.
    suggestion: str = ""


class Index:
    """Published pages in an FTS5 table, with the words and names that lead to them."""

    def __init__(self, pages: Sequence[ContentItem], entries: Iterable[synonyms.Entry]) -> None:
        self.pages = list(pages)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        # Closed when the index is dropped (a newer one replaces it), not left to the GC.
        weakref.finalize(self, self.db.close)
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, names, summary, body, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        surface: Counter[str] = Counter()
        rows = []
        for rowid, page in enumerate(self.pages):
            texts = (page.title, ", ".join(page.other_names()), page.summary, page_text(page))
            for text in texts:
                surface.update(words(text))
            rows.append((rowid, *(" ".join(index_terms(text)) for text in texts)))
        # Worked out once: reversing a URL for every result of every search adds up.
        self.urls = [page.get_absolute_url() for page in self.pages]
        self.db.executemany(
            "INSERT INTO docs(rowid, title, names, summary, body) VALUES (?, ?, ?, ?, ?)", rows
        )
        # Each phrase of the search words list (as stems, stop words kept) -> what it means.
        self.synonyms: dict[tuple[str, ...], set[str]] = {}
        for entry in entries:
            means = {term for name in entry.means for term in index_terms(name)}
            for phrase in entry.phrases:
                surface.update(words(phrase))
                phrase_stems = tuple(stems(words(phrase)))
                if phrase_stems and means:
                    self.synonyms.setdefault(phrase_stems, set()).update(means)
        self.phrase_lengths = sorted({len(phrase) for phrase in self.synonyms})
        # Each page's other names, each as the stems a query must hold to name it.
        self.names: list[list[frozenset[str]]] = [
            [n for n in (frozenset(index_terms(name)) for name in page.other_names()) if n]
            for page in self.pages
        ]
        self.known_stems = set(stems(list(surface)))
        # Commonest first, so that of two equally near words the commoner is suggested.
        self.vocabulary = [
            word
            for word, _count in sorted(surface.items(), key=lambda item: (-item[1], item[0]))
            if not word.isdigit()
        ]
        self.known_words = set(self.vocabulary)
        # Each warning sign with the names that describe it (its title and other names),
        # each as the set of stems a query must hold.
        self.warnings: list[tuple[RedFlag, str, list[frozenset[str]]]] = []
        for page in self.pages:
            if isinstance(page, RedFlag):
                names = [page.title, *page.other_names()]
                described = [frozenset(index_terms(name)) for name in names]
                self.warnings.append((page, page.what_to_do(), [d for d in described if d]))

    def correct(self, query_words: list[str]) -> list[str]:
        """The words with any unknown word replaced by the nearest known one, if near."""
        corrected = []
        for word in query_words:
            if (
                len(word) < MIN_CORRECTED_LENGTH
                or word in STOP_WORDS
                or word in self.known_words
                or word.isdigit()
                or stems([word])[0] in self.known_stems
            ):
                corrected.append(word)
                continue
            match = process.extractOne(
                word, self.vocabulary, scorer=OSA.distance, score_cutoff=max_typos(word)
            )
            corrected.append(match[0] if match else word)
        return corrected

    def search(self, query: str) -> Outcome:
        query_words = words(query)[:MAX_WORDS]
        corrected = self.correct(query_words)
        outcome = Outcome()
        if corrected != query_words:
            outcome.suggestion = " ".join(corrected)
        query_stems = stems(corrected)
        terms = {s for w, s in zip(corrected, query_stems, strict=True) if w not in STOP_WORDS}
        terms.update(self.expand(query_stems))
        if not terms:
            return outcome
        match = " OR ".join(f'"{term}"' for term in sorted(terms))
        with self.lock:
            rows = self.db.execute(
                "SELECT rowid, bm25(docs, ?, ?, ?, ?) FROM docs WHERE docs MATCH ?",
                (*WEIGHTS, match),
            ).fetchall()
        warned = {
            page.slug: WarningSign(page, instruction)
            for page, instruction, described in self.warnings
            if any(names <= terms for names in described)
        }
        results = []
        text_scores: dict[int, float] = {}
        for rowid, bm25 in rows:
            page = self.pages[rowid]
            # A longer name is a surer sign the person means this page.
            named = sum(len(name) for name in self.names[rowid] if name <= terms)
            warning = isinstance(page, RedFlag) and page.slug in warned
            result = Result(page, -bm25 + NAME_BONUS * named, warning, self.urls[rowid])
            text_scores[id(result)] = -bm25
            results.append(result)
        # Warning signs the query describes first, the most urgent first; then relevance
        # (FTS5's bm25 is lower for a better match, so its negative is the score).
        results.sort(key=lambda r: (_warning_rank(r), -r.score, r.page.order, r.page.title))
        # The cut-off compares how well the words match, leaving out the names' bonus.
        best = max(text_scores.values(), default=0.0)
        outcome.results = [
            r
            for r in results
            if r.warning
            or r.score > text_scores[id(r)]
            or text_scores[id(r)] >= MIN_SHARE_OF_BEST * best
        ][: max(MAX_RESULTS, len(warned))]
        outcome.warnings = [warned[r.page.slug] for r in results if r.warning]
        return outcome

    def expand(self, query_stems: list[str]) -> set[str]:
        """The words that the query's phrases mean, from the search words list."""
        found: set[str] = set()
        for n in self.phrase_lengths:
            for i in range(len(query_stems) - n + 1):
                found.update(self.synonyms.get(tuple(query_stems[i : i + n]), ()))
        return found


def _warning_rank(result: Result) -> int:
    if not result.warning:
        return len(URGENCY)
    return URGENCY.get(getattr(result.page, "care_level", ""), 0)


def page_text(page: ContentItem) -> str:
    """The text of a page below its summary: its body and any other words it shows."""
    extra = (getattr(page, name, "") for name in ("cautions", "repetitions", "stop_if"))
    return "\n".join([page.body, *(text for text in extra if isinstance(text, str))])


# One index per process, rebuilt when the content version changes.
_built: tuple[int, Index] | None = None
_build_lock = threading.Lock()


def current_index() -> Index:
    global _built
    version = current_content_version()
    built = _built
    if built is not None and built[0] == version:
        return built[1]
    with _build_lock:
        built = _built
        if built is None or built[0] != version:
            built = (version, build_index())
            _built = built
    return built[1]


def forget_index() -> None:
    """Drop this process's index (tests, whose databases start afresh, need this)."""
    global _built
    _built = None


def build_index() -> Index:
    entries: list[synonyms.Entry] = []
    for item in SearchWords.objects.published().order_by("slug"):
        entries.extend(synonyms.parse(item.published_version().body))
    # In Python's order, not the database's collation: the same on SQLite and PostgreSQL.
    pages = sorted(all_published_pages(), key=lambda page: (type(page).__name__, page.slug))
    return Index(pages, entries)


def search(query: str) -> Outcome:
    return current_index().search(query)
