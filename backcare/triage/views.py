"""The symptom checker's pages. One URL per step; each is a real form (Post/Redirect/Get)
that htmx may swap in place. The deciding is done by the engine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, push_url

from backcare.articles.models import all_published_pages
from backcare.core.http import HtmxHttpRequest, wants_fragment
from backcare.core.placeholders import fill, placeholders
from backcare.core.session_store import wipe_log

from . import counting
from . import state as visit_state
from .engine import Flow, FlowQuestion, Level, Outcome, Pending, evaluate
from .flows import published_flow
from .forms import AnswerForm
from .plan import Plan, build_plan


class SeeOther(HttpResponseRedirect):
    """After a POST, fetch the next page with GET."""

    status_code = 303


@dataclass
class Visit:
    flow: Flow
    state: visit_state.VisitState
    result: Pending | Outcome


def render_check(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or just the #check part for an htmx swap."""
    fragment = wants_fragment(request)
    context = {
        **context,
        "fragment": fragment,
        "restart_url": url("restart"),
        "clear_url": url("clear"),
    }
    return render(request, f"{template}#check" if fragment else template, context, status=status)


def url(name: str) -> str:
    return reverse(f"checker:{name}")


def step_url(slug: str) -> str:
    return reverse("checker:step", kwargs={"slug": slug})


def next_url(result: Pending | Outcome) -> str:
    """Where the check goes from here: the next question, the answers, or straight to the
    outcome for an emergency (nothing may stand between a person and that instruction)."""
    if isinstance(result, Pending):
        return step_url(result.question.slug)
    if result.level == Level.EMERGENCY:
        return url("result")
    return url("answers")


def go_to(request: HtmxHttpRequest, to: str) -> HttpResponse:
    """Redirect after a POST. The outcome is always loaded as a whole new page, even from
    htmx, so it starts at the top with its own heading and its disposition on <main>."""
    if request.htmx and to == url("result"):
        return HttpResponseClientRedirect(to)
    return SeeOther(to)


def current_visit(request: HtmxHttpRequest, flow: Flow | None = None) -> Visit | HttpResponse:
    """The visitor's check against the published flow (`flow`, when the caller has just
    looked it up: with Redis each look-up is a round trip)."""
    state = visit_state.load(request.session)
    at_least = state.flow if state else 0
    if flow is None or int(flow.version) < at_least:
        flow = published_flow(at_least=at_least)
    if flow is None:
        return render_check(request, "triage/unavailable.html", {}, status=503)
    if state is None:
        messages.info(request, "Your answers have expired or were cleared, so please start again.")
        return SeeOther(url("start"))
    if state.flow != int(flow.version):
        visit_state.forget(request.session)
        messages.warning(
            request,
            "We have updated the questions since you started, so please start again. "
            "Sorry for the trouble.",
        )
        return SeeOther(url("start"))
    return Visit(flow, state, evaluate(flow, state.answers))


def progress(flow: Flow, result: Pending | Outcome, slug: str) -> dict[str, int]:
    answered = [q.slug for q in result.path]
    number = answered.index(slug) + 1 if slug in answered else len(answered) + 1
    return {"number": number, "total": len(flow.questions)}


def back_url(result: Pending | Outcome, slug: str | None) -> str:
    """The question before this one on the path taken (or the start page)."""
    answered = [q.slug for q in result.path]
    if slug is None:
        return step_url(answered[-1]) if answered else url("start")
    i = answered.index(slug) if slug in answered else len(answered)
    return step_url(answered[i - 1]) if i > 0 else url("start")


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    flow = published_flow()
    if flow is None:
        return render_check(request, "triage/unavailable.html", {}, status=503)
    if request.method == "POST":
        new = visit_state.VisitState(flow=int(flow.version))
        counting.record(new, flow, evaluate(flow, new.answers))
        visit_state.save(request.session, new)
        visit_state.now_and_then_delete_expired()
        return SeeOther(step_url(flow.questions[0].slug))
    in_progress = visit_state.load(request.session)
    resume = None
    if in_progress and in_progress.flow == int(flow.version) and in_progress.answers:
        resume = next_url(evaluate(flow, in_progress.answers))
    context = {
        "title": "Check your back pain",
        "flow": flow,
        "resume": resume,
        "minutes": max(1, len(flow.questions) // 6),
    }
    return render_check(request, "triage/start.html", context)


@never_cache
@sensitive_post_parameters()
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def step(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    flow = published_flow()
    if flow is not None and flow.question(slug) is None:
        return render_check(request, "triage/not_found.html", {}, status=404)
    visit = current_visit(request, flow)
    if not isinstance(visit, Visit):
        return visit
    question = visit.flow.question(slug)
    if question is None:
        return render_check(request, "triage/not_found.html", {}, status=404)
    result = visit.result
    on_path = slug in {q.slug for q in result.path}
    is_next = isinstance(result, Pending) and result.question.slug == slug
    if not (on_path or is_next):
        # Reached without the earlier answers: go to the first one still needed.
        return SeeOther(next_url(result))

    if request.method == "POST":
        form = AnswerForm(question, request.POST)
        if form.is_valid():
            visit.state.answers[slug] = form.values()
            visit.state.confirmed = False
            moved_on = evaluate(visit.flow, visit.state.answers)
            counting.record(visit.state, visit.flow, moved_on)
            visit_state.save(request.session, visit.state)
            return go_to(request, next_url(moved_on))
        return render_step(request, visit, question, form, status=422)
    answered = visit.state.answers.get(slug)
    if not answered and wants_fragment(request) and not messages.get_messages(request):
        return unanswered_step(request, visit, question)
    form = AnswerForm(question, initial={"answer": answered})
    return render_step(request, visit, question, form)


def unanswered_step(request: HtmxHttpRequest, visit: Visit, question: FlowQuestion) -> HttpResponse:
    """A question not yet answered, as htmx swaps it in, kept in this process's memory.

    With nothing ticked, no message and no token (htmx sends the CSRF token in a header),
    the step is the same for everyone who reaches it the same way: the flow, the question,
    its number and the Back link are the whole key, and nothing a visitor chose is kept
    outside their session. It is rendered through its form like any other step, so a test
    can hold a kept step byte for byte equal to a fresh one. It buys about a third of an
    htmx step's CPU (docs/performance-shortcuts.md)."""
    flow, slug = visit.flow, question.slug
    number = progress(flow, visit.result, slug)["number"]
    back = back_url(visit.result, slug)
    local = (settings.BACKCARE_SITE_NAME, *placeholders().values())
    key = (
        "step:"
        + hashlib.sha256(
            repr((flow.version, flow.checksum, slug, number, back, local)).encode()
        ).hexdigest()
    )
    steps = caches["fragments"]
    kept: bytes | None = steps.get(key)
    if kept is None:
        response = render_step(request, visit, question, AnswerForm(question))
        steps.set(key, response.content, settings.BACKCARE_PAGE_CACHE_SECONDS)
        return response
    return HttpResponse(kept)


def render_step(
    request: HtmxHttpRequest,
    visit: Visit,
    question: FlowQuestion,
    form: AnswerForm,
    status: int = 200,
) -> HttpResponse:
    slug = question.slug
    selected = set(form["answer"].value() or [])
    number = progress(visit.flow, visit.result, slug)
    error = "Error: " if status == 422 else ""
    context = {
        "title": f"{error}Question {number['number']}: {fill(question.text)}",
        "question": question,
        "step_url": step_url(slug),
        "form": form,
        "selected": selected,
        "progress": number,
        "back_url": back_url(visit.result, slug),
    }
    response = render_check(request, "triage/step.html", context, status=status)
    if status == 422:
        push_url(response, False)  # an error keeps the page where it is
    return response


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def answers(request: HtmxHttpRequest) -> HttpResponse:
    visit = current_visit(request)
    if not isinstance(visit, Visit):
        return visit
    result = visit.result
    if not isinstance(result, Outcome) or result.level == Level.EMERGENCY:
        return SeeOther(next_url(result))
    if request.method == "POST":
        visit.state.confirmed = True
        counting.record(visit.state, visit.flow, result)
        visit_state.save(request.session, visit.state)
        return go_to(request, url("result"))
    rows = [
        {"question": q, "labels": [c.label for c in result.answers[q.slug]]} for q in result.path
    ]
    context = {"title": "Check your answers", "rows": rows, "back_url": back_url(result, None)}
    return render_check(request, "triage/answers.html", context)


def finished_check(request: HtmxHttpRequest) -> Outcome | HttpResponse:
    """The outcome of a finished, confirmed check; otherwise where to go instead."""
    visit = current_visit(request)
    if not isinstance(visit, Visit):
        return visit
    result = visit.result
    if not isinstance(result, Outcome):
        return SeeOther(next_url(result))
    if result.level != Level.EMERGENCY and not visit.state.confirmed:
        return SeeOther(url("answers"))
    return result


PLAN_PARTS = ("top", "clinician", "bottom")


def plan_texts(request: HttpRequest, plan: Plan) -> tuple[str, str]:
    """The plan as plain text, to copy or download, and the copy a person may keep on
    their phone, which leaves out their answers ("What to tell the doctor"). Plain strs,
    not the SafeStrings render_to_string gives: it is editors' text, escaped when put
    into a page (slicing drops the "safe" mark; str() would keep it)."""
    context = {"plan": plan}
    top, clinician, bottom = (
        render_to_string(f"triage/plan.txt#{part}", context, request)[:] for part in PLAN_PARTS
    )
    return top + clinician + bottom, top + bottom


@never_cache
@vary_on_headers("HX-Request")
@require_GET
def result(request: HtmxHttpRequest) -> HttpResponse:
    outcome = finished_check(request)
    if isinstance(outcome, HttpResponse):
        return outcome
    plan = build_plan(outcome, all_published_pages())
    plan_text, kept_text = plan_texts(request, plan)
    context = {
        "title": fill(outcome.disposition.title),
        "outcome": outcome,
        "plan": plan,
        "plan_text": plan_text,
        "kept_text": kept_text,
        "back_url": back_url(outcome, None),
    }
    return render_check(request, "triage/result.html", context)


@never_cache
@require_GET
def plan_text(request: HtmxHttpRequest) -> HttpResponse:
    outcome = finished_check(request)
    if isinstance(outcome, HttpResponse):
        return outcome
    text, _ = plan_texts(request, build_plan(outcome, all_published_pages()))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="backcare-plan.txt"'
    return response


def where_you_were(request: HtmxHttpRequest) -> str:
    """The step a visitor was on, for "No, go back" on a confirm page."""
    flow = published_flow()
    state = visit_state.load(request.session)
    if flow is None or state is None or state.flow != int(flow.version) or not state.answers:
        return url("start")
    return next_url(evaluate(flow, state.answers))


def confirm(request: HtmxHttpRequest, action: str) -> HttpResponse:
    """Ask before a check is wiped: a page of its own, so it works without JavaScript."""
    context = {
        "title": "Start again?" if action == "restart" else "Clear your answers?",
        "action": action,
        "action_url": url(action),
        "cancel_url": where_you_were(request),
    }
    return render_check(request, "triage/confirm.html", context)


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def restart(request: HtmxHttpRequest) -> HttpResponse:
    """Start again: forget the answers and go to the first question (GET asks first)."""
    if request.method == "GET":
        return confirm(request, "restart")
    visit_state.forget(request.session)
    flow = published_flow()
    if flow is None:
        return SeeOther(url("start"))
    new = visit_state.VisitState(flow=int(flow.version))
    counting.record(new, flow, evaluate(flow, new.answers))
    visit_state.save(request.session, new)
    return SeeOther(step_url(flow.questions[0].slug))


@never_cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def clear(request: HtmxHttpRequest) -> HttpResponse:
    """Delete the answers and the session that held them (GET asks first)."""
    if request.method == "GET":
        return confirm(request, "clear")
    request.session.flush()
    wipe_log()
    messages.success(
        request,
        "Your answers have been cleared. Nothing about them is kept.",
        # The start page then offers to delete a plan kept on the phone as well.
        extra_tags="answers-cleared",
    )
    return SeeOther(url("start"))
