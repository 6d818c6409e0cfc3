"""Reading pages: CSRF tokens, the outcome shown, and forms as a browser submits them."""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from typing import Any

from .browser import Response
from .config import CheckFailed

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


DISPOSITION = re.compile(r'<main\b[^>]*\bdata-disposition="([^"]+)"')


def csrf_token(page: Response) -> str:
    match = CSRF_TOKEN.search(page.text)
    if not match:
        raise CheckFailed(f"{page.url}: no CSRF token on the page")
    return match.group(1)


def disposition(page: Response) -> str:
    match = DISPOSITION.search(page.text)
    return match.group(1) if match else "(none)"


def expect_text(page: Response, text: str, why: str) -> None:
    if escape(text) not in page.text:
        raise CheckFailed(f"{page.url} does not show {text!r}: {why}")


class FormFields(HTMLParser):
    """What a browser would submit from the form with this id: inputs, ticked boxes,
    chosen options and text areas (a button's name is added by the caller)."""

    SKIPPED = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: dict[str, Any] | None = None
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = a.get("id") == self.form_id
            self.found = self.found or self._inside
        if not self._inside or "disabled" in a or not (a.get("name") or tag == "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in self.SKIPPED:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop the newline that starts a text area (Django writes one).
            self.fields.append((self._textarea, text.removeprefix("\r").removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [value for value, selected in options if selected]
            if not self._select["multiple"] and not chosen and options:
                chosen = [options[0][0]]
            self.fields.extend((self._select["name"], value) for value in chosen)
            self._select = None


def form_fields(page: Response, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(page.text)
    if not parser.found:
        raise CheckFailed(f"{page.url}: no form with id {form_id!r}")
    return parser.fields


def replace_field(fields: list[tuple[str, str]], name: str, value: str) -> tuple[str, str]:
    """Set one field; returns (old value, new value)."""
    for i, (key, old) in enumerate(fields):
        if key == name:
            fields[i] = (name, value)
            return old, value
    raise CheckFailed(f"the form has no field {name!r}")
