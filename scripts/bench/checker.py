"""A symptom checker session to load-test with, and the size of one htmx step."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser

from .config import APP, CouldNotRun


class FormParser(HTMLParser):
    """The first POST form: its action, CSRF token and the answers it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.csrf = ""
        self.answers: list[str] = []
        self.in_form = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self.done:
            return
        if tag == "form" and a.get("method", "").lower() == "post":
            self.in_form, self.action = True, a.get("action", "")
        elif tag == "input" and self.in_form:
            if a.get("name") == "csrfmiddlewaretoken":
                self.csrf = a.get("value", "")
            elif a.get("name") == "answer":
                self.answers.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


@dataclass
class Form:
    action: str
    csrf: str
    answers: list[str]


def parse_form(html: str) -> Form:
    parser = FormParser()
    parser.feed(html)
    if not parser.action or not parser.csrf:
        raise CouldNotRun("no POST form with a CSRF token on the symptom checker page")
    return Form(parser.action, parser.csrf, parser.answers)


@dataclass
class CheckSession:
    next_step: str  # the path of the step now pending, e.g. /check/when-started/
    cookie: str  # the Cookie header holding the session (and the CSRF cookie)
    answered: list[str]


class Visitor:
    """urllib with a cookie jar: one browser walking the symptom checker."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, path: str, fields: dict[str, str] | None = None) -> tuple[str, str]:
        """GET (or POST `fields` to) a path; returns the final URL and the page."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        with self.opener.open(APP + path, data=data, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def start(self) -> tuple[str, str]:
        """Open /check/ and press "Start now": the first question's URL and page."""
        _, html = self.open("/check/")
        form = parse_form(html)
        return self.open(form.action, {"csrfmiddlewaretoken": form.csrf})

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def start_check(steps: int = 2) -> CheckSession:
    visitor = Visitor()
    url, html = visitor.start()
    answered = []
    for _ in range(steps):
        form = parse_form(html)
        # "No" or "None of these" to a warning sign, so the walk never ends the check early.
        answer = next((a for a in ("no", "none") if a in form.answers), form.answers[0])
        answered.append(f"{urllib.parse.urlsplit(url).path} = {answer}")
        url, html = visitor.open(form.action, {"csrfmiddlewaretoken": form.csrf, "answer": answer})
    path = urllib.parse.urlsplit(url).path
    if not re.fullmatch(r"/check/[\w-]+/", path) or path in {"/check/answers/", "/check/result/"}:
        raise CouldNotRun(f"after {steps} answers the check went to {path}, not a question")
    cookie = visitor.cookie()
    if "sessionid=" not in cookie:
        raise CouldNotRun("the symptom checker did not set a session cookie")
    return CheckSession(path, cookie, answered)


def finish_check(limit: int = 40) -> str:
    """A check answered to its outcome and confirmed: the Cookie header that shows it.

    Finishing is what moves the anonymous count (triage.counting); showing the outcome
    page counts nothing, so its row should read the same with BACKCARE_COUNT_CHECKS off."""
    visitor = Visitor()
    url, html = visitor.start()
    for _ in range(limit):
        path = urllib.parse.urlsplit(url).path
        if path == "/check/result/":
            return visitor.cookie()
        form = parse_form(html)
        fields = {"csrfmiddlewaretoken": form.csrf}
        if path != "/check/answers/":
            calm = [a for a in ("no", "none", "better", "today") if a in form.answers]
            fields["answer"] = calm[0] if calm else form.answers[0]
        url, html = visitor.open(form.action, fields)
    raise CouldNotRun(f"the check did not reach its outcome in {limit} answers")


@dataclass
class StepSize:
    status: int
    html_bytes: int
    body_bytes: int  # as transferred
    header_bytes: int
    encoding: str

    @property
    def transferred(self) -> int:
        return self.body_bytes + self.header_bytes


def fetch_raw(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes, int]:
    """GET over a plain socket so we see the bytes exactly as they are sent."""
    parts = urllib.parse.urlsplit(url)
    request = f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
    lines = [f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    raw = (request + "\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), found, body, len(head) + 4


def measure_step(check: CheckSession) -> StepSize:
    headers = {
        "HX-Request": "true",
        "Cookie": check.cookie,
        "Accept-Encoding": "gzip, deflate, br, zstd",
    }
    status, found, body, head = fetch_raw(APP + check.next_step, headers)
    plain_status, _, plain, _ = fetch_raw(
        APP + check.next_step, {"HX-Request": "true", "Cookie": check.cookie}
    )
    if status != 200 or plain_status != 200:
        raise CouldNotRun(f"htmx GET {check.next_step} answered {status}, not 200")
    if b"<html" in plain or b'id="check"' not in plain:
        raise CouldNotRun(f"htmx GET {check.next_step} did not return the #check fragment")
    return StepSize(status, len(plain), len(body), head, found.get("content-encoding", "none"))
