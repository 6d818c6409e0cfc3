from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from backcare.articles.models import ALL_CONTENT_MODELS
from backcare.triage.flows import flow_state


class BackcareAdminSite(admin.AdminSite):
    site_header = "backcare: content and symptom checker"
    site_title = "backcare admin"
    index_title = "Keep the content right"
    index_template = "editorial/index.html"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        today = timezone.localdate()
        overdue: list[dict[str, Any]] = []
        for model in ALL_CONTENT_MODELS:
            opts = model._meta
            if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                continue
            count = model.objects.due_for_review(today).count()
            if count:
                url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                overdue.append(
                    {
                        "name": opts.verbose_name_plural,
                        "count": count,
                        "url": f"{url}?review=overdue",
                    }
                )
        context = {
            "overdue": overdue,
            "overdue_total": sum(row["count"] for row in overdue),
            "flow_state": flow_state()
            if request.user.has_perm("triage.view_flowversion")
            else None,
            **(extra_context or {}),
        }
        return super().index(request, context)
