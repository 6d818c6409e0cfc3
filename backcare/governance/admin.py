"""The governance pages in the admin: outcome counts, the safety case, page feedback."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.safestring import mark_safe

from backcare.articles.markdown import render_markdown

from . import pages, stats
from .models import CheckerOutcomes, Feedback, SafetyCase
from .safety_case import build, to_markdown


class ReadOnlyPage[M: Model](admin.ModelAdmin[M]):
    """An admin page that shows something, with nothing to add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CheckerOutcomes)
class CheckerOutcomesAdmin(ReadOnlyPage[CheckerOutcomes]):
    change_list_template = "governance/outcomes.html"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        since = stats.since_default(today)
        rows = stats.days(since, today)
        bars, height = stats.chart(rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "What the symptom checker advised",
            "since": since,
            "rows": rows,
            "bars": bars,
            "chart_height": height,
            "bar_left": stats.BAR_LEFT,
            "levels": [(lv.value, stats.level_name(lv)) for lv in stats.LEVELS],
            "versions": stats.versions(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_list_template, context)


@admin.register(SafetyCase)
class SafetyCaseAdmin(ReadOnlyPage[SafetyCase]):
    change_list_template = "governance/safety_case.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "safety-case.md",
                self.admin_site.admin_view(self.markdown_view),
                name="governance_safetycase_markdown",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        case = build()
        heading, _, body = to_markdown(case).partition("\n") if case else ("", "", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Clinical safety case",
            "case": case,
            "heading": heading.lstrip("# "),
            # Our own Markdown, rendered and cleaned exactly as page bodies are.
            "html": mark_safe(render_markdown(body)),  # noqa: S308
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_list_template, context)

    def markdown_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        case = build()
        if case is None:
            return HttpResponse("No flow is published yet.", status=404)
        response = HttpResponse(to_markdown(case), content_type="text/markdown; charset=utf-8")
        name = f"safety-case-flow-{case.version.pk}.md"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    change_list_template = "governance/feedback.html"
    list_display = ["day", "page", "outcome", "useful", "comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        summary = (
            Feedback.objects.values("page", "outcome")
            .annotate(
                yes=Count("pk", filter=Q(useful=True)),
                no=Count("pk", filter=Q(useful=False)),
                comments=Count("pk", filter=~Q(comment="")),
            )
            .order_by("-no", "page", "outcome")
        )
        comments: dict[tuple[str, str], list[Feedback]] = {}
        for row in Feedback.objects.exclude(comment="").order_by("-day", "-pk")[:500]:
            comments.setdefault((row.page, row.outcome), []).append(row)
        rows = [
            {
                **row,
                "title": pages.title(row["page"], row["outcome"]),
                "share_no": round(100 * row["no"] / (row["yes"] + row["no"]))
                if row["yes"] + row["no"]
                else None,
                "recent": comments.get((row["page"], row["outcome"]), [])[:10],
            }
            for row in summary
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Was this page useful?",
            "rows": rows,
            "keep_days": pages.keep_days(),
            "can_delete": self.has_delete_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.change_list_template, context)
