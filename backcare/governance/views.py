""" "Was this page useful?": a yes or a no, and after a no, a few optional words.

The box sits on pages cached whole for everyone, so it carries no CSRF token (one
visitor's token would be served to the next). Instead a post must come from this site,
as the browser says: Sec-Fetch-Site, or failing that Origin (see core.http.same_origin).
No cookie or session is involved, so there is nothing of the visitor's for another site
to use; the check stops other sites filling the table. Posts are also limited per
address, counted in the cache under a keyed hash that expires with the window.

Which outcome a visitor was given is never put in an address: addresses stay in the
browser's history (and in proxies' logs). It travels only in the body of a post. So after a
"no" on the checker's outcome page, without JavaScript, the "tell us more" form is the
answer to that post itself, not a redirect; the redirects and the pages they lead to carry
only the page's address.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from backcare.core.http import HtmxHttpRequest, over_limit, same_origin, wants_fragment

from . import pages
from .forms import CommentForm
from .models import Feedback


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _target(request: HtmxHttpRequest, source: dict[str, str]) -> tuple[str, str] | None:
    page, outcome = source.get("page", ""), source.get("outcome", "")
    return (page, outcome) if pages.valid(page, outcome) else None


def _refuse(request: HtmxHttpRequest, message: str, status: int) -> HttpResponse:
    context = {"message": message, "page": request.POST.get("page", "")}
    template = "governance/refused.html"
    if wants_fragment(request):
        # htmx swaps this answer in place: 200, so it is shown (the status is in a header).
        response = render(request, f"{template}#box", context)
        response["X-Refused-Status"] = str(status)
        return response
    return render(request, template, context, status=status)


def _where(name: str, page: str) -> str:
    # Only the page: never the outcome, nor anything else drawn from the visitor's answers.
    return f"{reverse(name)}?{urlencode({'page': page})}"


@csrf_exempt  # same_origin below, as the module says: a cached page can hold no token
@never_cache
@vary_on_headers("HX-Request")
@require_POST
def give(request: HtmxHttpRequest) -> HttpResponse:
    if not same_origin(request):
        return _refuse(request, "This form can only be sent from this website.", 403)
    target = _target(request, request.POST.dict())
    if target is None:
        return _refuse(request, "We could not tell which page this was about.", 400)
    page, outcome = target
    answer = request.POST.get("useful")
    if answer not in ("yes", "no", "comment"):
        return _refuse(request, "Please choose yes or no.", 400)
    words = CommentForm(request.POST)
    if not words.is_valid():
        # Too long, or a character the database cannot keep (NUL), or any control character.
        return _refuse(request, str(words.errors["comment"][0]), 400)
    comment: str = words.cleaned_data["comment"]
    if over_limit(
        request,
        "feedback",
        settings.BACKCARE_FEEDBACK_LIMIT,
        settings.BACKCARE_FEEDBACK_WINDOW_SECONDS,
    ):
        return _refuse(
            request, "Thank you, but we have had a lot of answers from you. Try again later.", 429
        )
    day = timezone.localdate()
    if answer == "comment":
        if comment:
            Feedback.objects.create(
                day=day, page=page, outcome=outcome, useful=None, comment=comment
            )
        done = "governance/thanks.html"
    else:
        Feedback.objects.create(day=day, page=page, outcome=outcome, useful=answer == "yes")
        done = "governance/thanks.html" if answer == "yes" else "governance/more.html"
    if wants_fragment(request):
        return render(request, f"{done}#box", {"page": page, "outcome": outcome, "fragment": True})
    if done.endswith("thanks.html"):
        return SeeOther(_where("feedback:thanks", page))
    if outcome:
        # A redirect would put the outcome in the address: answer the post with the form.
        return render(request, done, {"page": page, "outcome": outcome})
    return SeeOther(_where("feedback:more", page))


@never_cache
@require_GET
def more(request: HtmxHttpRequest) -> HttpResponse:
    """After a no on a content page, without JavaScript: a few words on what was missing.

    Only the page is read from the address, never an outcome (see the module's docstring).
    """
    target = _target(request, {"page": request.GET.get("page", "")})
    if target is None:
        return _refuse(request, "We could not tell which page this was about.", 400)
    page, outcome = target
    return render(request, "governance/more.html", {"page": page, "outcome": outcome})


@never_cache
@require_GET
def thanks(request: HtmxHttpRequest) -> HttpResponse:
    page = request.GET.get("page", "")
    if page != pages.outcome_path() and not pages.valid(page, ""):
        page = "/"
    return render(request, "governance/thanks.html", {"page": page})
