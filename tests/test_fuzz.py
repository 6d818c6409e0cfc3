"""Malformed, oversized and out-of-order requests to every public endpoint: never a 500."""

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from backcare.contentfiles.loader import LoadReport
from backcare.triage.state import SESSION_KEY

pytestmark = pytest.mark.django_db

STEPS = [
    "numbness-or-weakness", "other-signs", "risk-factors", "where-it-hurts", "when-started",
    "tried", "medicine-cautions", "no-such-step",
]  # fmt: skip
PATHS = [
    "/", "/relief/", "/relief/cold-therapy/", "/relief/%00/", "/exercises/plank/",
    "/causes/", "/prevention/core-strength/", "/when-to-see-a-doctor/",
    "/when-to-see-a-doctor/fever/", "/about/back-muscle-spasm/", "/search/", "/privacy/",
    "/sitemap.xml", "/robots.txt", "/healthz", "/check/", "/check/answers/", "/check/result/",
    "/check/result/plan.txt", "/check/restart/", "/check/clear/",
    *[f"/check/{step}/" for step in STEPS], "/preview/articles/remedy/1/", "/preview/markdown/",
]  # fmt: skip
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
VALUES = [
    "yes", "no", "not-sure", "none", "today", "lifting", "", " ", "\x00", "<script>",
    "x" * 5000, "1", "-1", "[]", "{}", "é", "../../etc/passwd", "%", "'; DROP TABLE x;--",
]  # fmt: skip

text = st.one_of(st.sampled_from(VALUES), st.text(max_size=60))
form = st.dictionaries(
    st.one_of(st.sampled_from(["answer", "q", "body", "note", "csrfmiddlewaretoken"]), text),
    st.one_of(text, st.lists(text, max_size=4)),
    max_size=5,
)
htmx_headers = st.fixed_dictionaries(
    {},
    optional={
        "HX-Request": st.sampled_from(["true", "false", "", "1"]),
        "HX-Boosted": st.sampled_from(["true", "x"]),
        "HX-History-Restore-Request": st.sampled_from(["true", "false"]),
        "HX-Current-URL": text,
        "HX-Target": text,
        "HX-Trigger": text,
    },
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=12,
)
session_states = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "flow": st.one_of(st.integers(-2, 3), st.text(max_size=3)),
            "answers": st.one_of(
                json_values,
                st.dictionaries(st.sampled_from(STEPS), st.lists(text, max_size=3), max_size=6),
            ),
            "confirmed": st.one_of(st.booleans(), st.integers()),
        }
    ),
)

SETTINGS = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def request(client: Client, method: str, path: str, data: Any, headers: dict[str, str]) -> int:
    if method == "GET":
        response = client.get(path, data, headers=headers)
    elif method == "POST":
        response = client.post(path, data, headers=headers)
    else:
        body = json.dumps(data)
        response = client.generic(method, path, body, "application/json", headers=headers)
    return response.status_code


@SETTINGS
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    data=form,
    headers=htmx_headers,
)
def test_no_request_to_a_public_endpoint_causes_a_500(
    content: LoadReport, method: str, path: str, data: Any, headers: dict[str, str]
) -> None:
    client = Client(raise_request_exception=False)
    assert request(client, method, path, data, headers) < 500


@SETTINGS
@given(
    state=session_states,
    method=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from([p for p in PATHS if p.startswith("/check/")]),
    data=form,
    headers=htmx_headers,
)
def test_no_session_state_causes_a_500(
    content: LoadReport, state: Any, method: str, path: str, data: Any, headers: dict[str, str]
) -> None:
    client = Client(raise_request_exception=False)
    session = client.session
    session[SESSION_KEY] = state
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    assert request(client, method, path, data, headers) < 500


@SETTINGS
@given(
    # A real server hands Django header bytes decoded as latin-1, so nothing above 255.
    cookie=st.text(
        alphabet=st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40
    ),
    path=st.sampled_from(PATHS),
    query=st.dictionaries(text, text, max_size=4),
)
def test_no_cookie_or_query_string_causes_a_500(
    content: LoadReport, cookie: str, path: str, query: dict[str, str]
) -> None:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = cookie
    client.cookies["csrftoken"] = cookie
    assert client.get(path, query).status_code < 500


def test_answers_out_of_order_never_cause_a_500(content: LoadReport) -> None:
    client = Client(raise_request_exception=False)
    for path in reversed([p for p in PATHS if p.startswith("/check/")]):
        assert client.post(path, {"answer": "yes"}).status_code < 500
    client.post("/check/")
    for path in reversed([p for p in PATHS if p.startswith("/check/")]):
        assert client.post(path, {"answer": ["yes", "none"]}).status_code < 500
        assert client.get(path).status_code < 500


@pytest.mark.parametrize("key", ["0000000\x00", "abc", "x" * 41, "../../etc", "a b c d e f g h"])
def test_a_session_cookie_django_would_never_make_is_no_session(
    content: LoadReport, key: str
) -> None:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = key
    assert client.get("/check/").status_code == 200
    assert client.get("/check/other-signs/").status_code == 303
