"""The search words list: people's words on the left, the words our pages use on the right.

    ## Medicines
    - nurofen, brufen, advil = ibuprofen
    - put my back out, back went = back spasm

Headings, blank lines and lines starting with `>` (notes for editors) are ignored; every
other line must be an entry. A query holding any phrase on the left is searched as if it
also held the words on the right.
"""

from __future__ import annotations

from dataclasses import dataclass

ENTRY_HELP = "each line must look like: - their words, more words = our words"


@dataclass(frozen=True)
class Entry:
    phrases: tuple[str, ...]
    means: tuple[str, ...]


class SynonymError(ValueError):
    def __init__(self, line_number: int, line: str, problem: str) -> None:
        self.line_number = line_number
        super().__init__(f"line {line_number} ({line.strip()[:60]!r}): {problem}")


def parse(text: str) -> list[Entry]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ">")):
            continue
        if not stripped.startswith(("- ", "* ")):
            raise SynonymError(number, line, ENTRY_HELP)
        left, equals, right = stripped[2:].partition("=")
        if not equals or "=" in right:
            raise SynonymError(number, line, "needs exactly one =; " + ENTRY_HELP)
        phrases = _names(left)
        means = _names(right)
        if not phrases or not means:
            raise SynonymError(number, line, "needs words on both sides of the =")
        entries.append(Entry(phrases, means))
    return entries


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip().lower() for name in text.split(",") if name.strip())
