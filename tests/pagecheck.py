"""What must never be on a page, whatever else is: template syntax printed as text, empty
headings, placeholders nobody filled in, and sentences that say themselves twice."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

# Never anywhere in the output; {{ and }} never in the words shown (JSON in an attribute,
# such as the admin's inline settings, may end in "}}").
TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}")
TEXT_TEMPLATE_SYNTAX = ("{{", "}}")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# The same run of words twice in a row: "call 999 call 999", "the the".
REPEATED_WORDS = re.compile(r"\b([a-z][a-z']*(?:\s+[a-z0-9'\u2019]+)*)\s+\1\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
BLOCKS = {
    "p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "label",
    "legend", "summary", "button", "a", "title", "textarea", "div", "section", "main",
    "header", "footer", "nav", "aside", "article", "ul", "ol", "dl", "form", "fieldset",
    "body", "html", "head", "option", "caption", "figcaption", "figure", "br",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Whose text is not shown as words on the page.
HIDDEN_TEXT = {"script", "style", "template", "svg"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # runs of text between block boundaries
        self.field_blocks: set[int] = set()  # which of them are what an editor typed
        self.current: list[str] = []
        self.hidden = 0
        self.headings: list[tuple[str, list[str], bool]] = []  # tag, text, has an image
        self.ids: set[str] = set()
        self.described_by: list[str] = []

    def _break(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        self.described_by += (attributes.get("aria-describedby") or "").split()
        if tag in HIDDEN_TEXT:
            self.hidden += 1
        if tag in BLOCKS:
            self._break()
        if tag in HEADINGS:
            self.headings.append((tag, [], False))
        if tag == "img" and self.headings:
            alt = dict(attrs).get("alt") or ""
            tag_name, words, _image = self.headings[-1]
            self.headings[-1] = (tag_name, words, bool(alt.strip()))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TEXT:
            self.hidden = max(0, self.hidden - 1)
        if tag in BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.lasttag in {"textarea", "pre"}:
            # Plain text with line breaks (Markdown, the plan): each line stands alone.
            for line in data.splitlines():
                self.current.append(line)
                self._break()
                self.field_blocks.add(len(self.blocks) - 1)
            return
        self.current.append(data)
        for _tag, words, _image in self.headings[-1:]:
            words.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader._break()
    return reader


def problems(html: str, *, plain: bool = False, editor_text: bool = False) -> list[str]:
    """Everything wrong on the page (or plain text, line by line), in words; an empty
    list for a clean page. Placeholders in a form field are what an editor typed, and so
    is all text on `editor_text` (admin) pages."""
    found = []
    for mark in TEMPLATE_SYNTAX:
        if mark in html:
            at = html.index(mark)
            found.append(f"template syntax {mark!r} in the output: …{html[at - 60 : at + 60]}…")
    if plain:
        blocks, fields = [line.strip() for line in html.splitlines() if line.strip()], set()
    else:
        reader = read(html)
        blocks, fields = reader.blocks, reader.field_blocks
        for tag, words, image in reader.headings:
            if not "".join(words).strip() and not image:
                found.append(f"an empty <{tag}>")
        for missing in sorted(set(reader.described_by) - reader.ids):
            found.append(f'aria-describedby="{missing}" names no element on the page')
    for i, block in enumerate(blocks):
        for mark in (m for m in TEXT_TEMPLATE_SYNTAX if m in block):
            found.append(f"template syntax {mark!r} in the words shown: {block[:120]}")
        for placeholder in PLACEHOLDER.findall(block) if not (editor_text or i in fields) else ():
            found.append(f"unfilled placeholder {placeholder} in: {block[:120]}")
        sentences = [s.strip().lower() for s in SENTENCE_END.split(block) if s.strip()]
        for first, second in itertools.pairwise(sentences):
            if first == second and len(first.split()) > 1:
                found.append(f"a sentence said twice: {first!r}")
        for match in REPEATED_WORDS.finditer(block):
            if not match.group(1).isdigit():
                found.append(f"words repeated: {match.group(0)!r} in: {block[:120]}")
    return found
