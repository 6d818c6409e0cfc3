"""Walking the symptom checker as a test case says, and working in the admin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from .browser import Browser, Response
from .config import ADMIN, ADMIN_USER, CASES_DIR, CheckFailed
from .pages import csrf_token, disposition


@dataclass(frozen=True)
class Case:
    slug: str
    expected: str
    answers: dict[str, list[str]]


def load_case(slug: str) -> Case:
    data = yaml.safe_load((CASES_DIR / f"{slug}.yaml").read_text())
    return Case(slug, str(data["expected"]), {k: list(v) for k, v in data["answers"].items()})


def first_case(expected: str) -> Case:
    """The first test case (by file name) that ends in `expected`: cases are renamed and
    replaced as the symptom checker changes, and any one of them will do here."""
    for path in sorted(CASES_DIR.glob("*.yaml")):
        case = load_case(path.stem)
        if case.expected == expected:
            return case
    raise CheckFailed(f"no test case in {CASES_DIR} ends in {expected!r}")


def start_check(browser: Browser, bases: Iterator[str]) -> str:
    """Press "Start now"; returns the first question's path."""
    page = browser.get(next(bases), "/check/").expect(200)
    return browser.post(next(bases), "/check/", [("csrfmiddlewaretoken", csrf_token(page))]).where


def walk_check(browser: Browser, case: Case, bases: Iterator[str]) -> Response:
    """Answer a whole symptom check as `case` says, sending each request to the next of
    `bases`, and return the result page."""
    where = start_check(browser, bases)
    for _ in range(40):
        if where == "/check/result/":
            return browser.get(next(bases), where).expect(200)
        page = browser.get(next(bases), where).expect(200)
        fields = [("csrfmiddlewaretoken", csrf_token(page))]
        if where != "/check/answers/":
            slug = where.strip("/").rsplit("/", 1)[-1]
            if slug not in case.answers:
                raise CheckFailed(f"{case.slug} has no answer for {where}")
            fields += [("answer", value) for value in case.answers[slug]]
        where = browser.post(next(bases), where, fields).where
    raise CheckFailed(f"{case.slug}: the check did not end")


def expect_disposition(result: Response, case: Case) -> str:
    seen = disposition(result)
    if seen != case.expected:
        raise CheckFailed(f"{case.slug}: expected {case.expected}, the result page says {seen}")
    return seen


def log_in(browser: Browser, base: str, password: str) -> str:
    path = f"{ADMIN}login/?next={ADMIN}"
    page = browser.get(base, path).expect(200)
    fields = [
        ("csrfmiddlewaretoken", csrf_token(page)),
        ("username", ADMIN_USER),
        ("password", password),
        ("next", ADMIN),
    ]
    if browser.post(base, path, fields).where != ADMIN:
        raise CheckFailed("the admin login did not go through")
    return f"logged in as {ADMIN_USER} (superuser)"


def admin_change_url(browser: Browser, base: str, model: str, slug: str) -> str:
    """The change form of the item with this slug (found with the changelist's filter)."""
    page = browser.get(base, f"{ADMIN}{model}/?slug={slug}").expect(200)
    ids = set(re.findall(rf'href="{ADMIN}{model}/(\d+)/change/', page.text))
    if len(ids) != 1:
        raise CheckFailed(f"expected one {model} called {slug}, found {sorted(ids)}")
    return f"{ADMIN}{model}/{ids.pop()}/change/"


def save_in_admin(browser: Browser, base: str, url: str, fields: list[tuple[str, str]]) -> None:
    saved = browser.post(base, url, fields)
    if saved.status != 302:
        errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
        text = "; ".join(re.sub(r"<[^>]+>", " ", e).strip() for e in errors)[:500]
        raise CheckFailed(f"saving {url} gave {saved.status}: {text or 'no error shown'}")


def publish_flow(admin: Browser, base: str) -> None:
    """Press "Publish" on the symptom checker's review page, as a clinical reviewer."""
    flow_page = admin.get(base, f"{ADMIN}triage/flowversion/").expect(200)
    checksum = re.search(r'name="checksum" value="([^"]+)"', flow_page.text)
    if not checksum:
        raise CheckFailed("the symptom checker's review page has no checksum to publish")
    published = admin.post(
        base,
        f"{ADMIN}triage/flowversion/publish/",
        [("csrfmiddlewaretoken", csrf_token(flow_page)), ("checksum", checksum.group(1))],
    )
    after = admin.get(base, published.where).expect(200)
    if "Published version" not in after.text:
        raise CheckFailed("publishing the symptom checker on A did not say it was published")
