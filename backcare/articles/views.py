from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from backcare.core.http import HtmxHttpRequest, wants_fragment
from backcare.core.pagecache import public_page

from . import search as search_module
from .models import CareLevel, Condition, ContentItem, RedFlag
from .pages import TOPIC_BY_MODEL, TOPICS, published_pages, render_item


@public_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    condition = Condition.objects.published().first()
    context = {
        "condition": condition.published_version() if condition else None,
        "topics": TOPICS,
    }
    return render(request, "articles/home.html", context)


@public_page
@require_GET
def topic_index(request: HttpRequest, topic: str) -> HttpResponse:
    spec = TOPICS[topic]
    pages = published_pages(spec.model)
    context: dict[str, object] = {"topic": spec, "pages": pages}
    if spec.model is RedFlag:
        context["levels"] = [
            (level, [p for p in pages if getattr(p, "care_level", None) == level])
            for level in CareLevel
        ]
    return render(request, [f"articles/index_{topic}.html", "articles/index.html"], context)


@public_page
@require_GET
def item_detail(request: HttpRequest, model: type[ContentItem], slug: str) -> HttpResponse:
    item = get_object_or_404(model.objects.published(), slug=slug)
    return render_item(request, item.published_version())


@public_page  # the empty search page only: the page cache never keeps a query's answer
@require_GET
@vary_on_headers("HX-Request")
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status, error, outcome = 200, "", search_module.Outcome()
    if len(query) > search_module.MAX_QUERY_LENGTH:
        status = 400
        error = f"Please use fewer words: at most {search_module.MAX_QUERY_LENGTH} letters."
    elif query:
        outcome = search_module.search(query)
    context = {
        "query": query,
        "error": error,
        "results": [(r, TOPIC_BY_MODEL.get(type(r.page))) for r in outcome.results],
        "warning": outcome.warnings[0] if outcome.warnings else None,
        "more_warnings": outcome.warnings[1:],
        "suggestion": outcome.suggestion,
        "topics": TOPICS,
    }
    template = "articles/search.html"
    if wants_fragment(request):
        template += "#results"
    response = render(request, template, context, status=status)
    if query:
        # What someone searched for stays between them and us: no shared cache keeps it.
        patch_cache_control(response, private=True, no_store=True)
    return response
