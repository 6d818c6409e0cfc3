"""Every kind of page, a static file and the error answers, scored by the Mozilla HTTP
Observatory's rules (tests/observatory.py) from the headers they really send, with the
production HTTPS settings. Run with -s to print the table (docs/security.md has it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backcare.articles.models import Remedy
from backcare.contentfiles.loader import LoadReport

from .observatory import score

pytestmark = pytest.mark.django_db

SELF_CARE = [
    ("numbness-or-weakness", "no"), ("bladder-bowel-or-saddle", "no"),
    ("chest-pain-or-breathlessness", "no"), ("fall-or-injury", "no"), ("fever", "no"),
    ("weight-loss", "no"), ("night-pain", "no"), ("when-started", "today"),
    ("getting-better", "better"), ("tried", "cold"), ("what-happened", "lifting"),
    ("how-bad", "moderate"), ("medicine-cautions", "none"),
]  # fmt: skip


@pytest.fixture
def production(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-session", "__Host-csrftoken"


def test_every_response_type_scores_a_plus(
    content: LoadReport, production: None, editor: Any
) -> None:
    visitor = Client()

    def get(url: str, **kw: Any) -> Any:
        return visitor.get(url, secure=True, **kw)

    responses = {
        "home": get("/"),
        "topic index": get("/relief/"),
        "content page": get("/relief/cold-therapy/"),
        "warning sign page": get("/when-to-see-a-doctor/fever/"),
        "search": get("/search/", data={"q": "heat"}),
        "privacy": get("/privacy/"),
        "symptom checker start": get("/check/"),
        "404 page": get("/no-such-page/"),
        "static file (CSS)": get("/static/css/site.css"),
        "static file (JS)": get("/static/js/site.js"),
        "sitemap.xml": get("/sitemap.xml"),
        "robots.txt": get("/robots.txt"),
        "400 (bad Host)": visitor.get("/", secure=True, HTTP_HOST="evil.example"),
        "405 (TRACE)": visitor.generic("TRACE", "/", secure=True),
        "413 (body too big)": visitor.post(
            "/check/", secure=True, CONTENT_LENGTH="999999999", CONTENT_TYPE="text/plain"
        ),
    }
    responses["symptom checker start (POST)"] = visitor.post("/check/", secure=True)
    for slug, value in SELF_CARE:
        response = visitor.post(f"/check/{slug}/", {"answer": value}, secure=True)
    responses["a question"] = get("/check/fever/")
    responses["a question (htmx)"] = get("/check/fever/", HTTP_HX_REQUEST="true")
    responses["check your answers"] = get("/check/answers/")
    visitor.post("/check/answers/", secure=True)
    responses["outcome (self-care plan)"] = get("/check/result/")
    responses["plan as text"] = get("/check/result/plan.txt")
    staff = Client()
    responses["admin log-in"] = staff.get("/admin/login/", secure=True)
    responses["admin log-in (POST)"] = staff.post(
        "/admin/login/",
        {"username": "edna", "password": "correct horse battery staple"},
        secure=True,
    )
    staff.force_login(editor)
    responses["admin index"] = staff.get("/admin/", secure=True)
    remedy = Remedy.objects.order_by("pk").first()
    assert remedy is not None
    responses["admin change page"] = staff.get(
        f"/admin/articles/remedy/{remedy.pk}/change/", secure=True
    )
    for response in responses.values():
        if response.streaming:
            response.close()

    scores = {name: score(response) for name, response in responses.items()}
    width = max(map(len, scores))
    print()
    for name, result in scores.items():
        print(f"{name:<{width}}  {responses[name].status_code}  {result}")
    assert {name: str(s) for name, s in scores.items() if s.total < 100} == {}
