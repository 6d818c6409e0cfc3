"""Staff-only views: a draft shown exactly as the public would see it, and Markdown previews.

Here, not in editorial, because the articles admin links to them: an app may only point
down the stack (docs/architecture.md)."""

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from backcare.core.placeholders import fill

from .markdown import render_markdown
from .models import CONTENT_MODELS, ContentItem
from .pages import render_item


@never_cache
@staff_member_required
@require_GET
def preview(request: HttpRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404("No such kind of item.") from None
    if model not in CONTENT_MODELS:
        raise Http404("No preview for this kind of item.")
    if not request.user.has_perm(f"{app_label}.view_{model_name}"):
        raise Http404("No such item.")
    item: ContentItem = model._default_manager.filter(pk=pk).first()  # type: ignore[assignment]
    if item is None:
        raise Http404("No such item.")
    response = render_item(request, item.working_version(), preview=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@staff_member_required
@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The body as it will look, sanitised exactly as it will be when saved."""
    html = fill(render_markdown(request.POST.get("body", "")), html=True)
    return HttpResponse(mark_safe(html))  # noqa: S308
