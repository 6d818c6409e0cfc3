"""Editing the symptom checker. Editors change the working copy; every save is checked
against the validator and the triage cases; only clinical reviewers publish, and only a
flow that passes everything. The public keeps the last good version until then."""

from __future__ import annotations

import threading
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from backcare.core.admin_mixins import CheckboxList, ConflictCheckingForm, HistoryAdminMixin
from backcare.core.models import Versioned

from .engine import Level, Outcome, evaluate
from .flows import (
    FlowNotSafe,
    build_working_flow,
    flow_state,
    publish_working_flow,
    validate_flow,
    working_cases,
)
from .models import Choice, Disposition, FlowReviewRequest, FlowVersion, Question, Rule, TriageCase


class TriageAdmin[M: Versioned](HistoryAdminMixin[M], admin.ModelAdmin[M]):
    """Saving any part of the flow checks the whole working flow and says what broke."""

    form: type[forms.ModelForm[Any]] = ConflictCheckingForm

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        report_on_flow(request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        report_on_flow(request)

    def after_revert(self, request: HttpRequest, obj: Any) -> None:
        report_on_flow(request)


def report_on_flow(request: HttpRequest) -> None:
    report = validate_flow(build_working_flow(), working_cases())
    url = reverse("admin:triage_flowversion_changelist")
    if report.ok:
        messages.success(
            request,
            f"The symptom checker passes every check and all {len(report.results)} cases. "
            f"The public sees it once a clinical reviewer publishes it ({url}).",
        )
    else:
        failures = "; ".join(report.failures()[:6])
        messages.warning(
            request,
            f"This change breaks the symptom checker, so it cannot be published until it is "
            f"fixed: {failures}. The public still sees the last published version.",
        )


class ChoiceInline(admin.StackedInline[Choice, Question]):
    # Stacked, not tabular: every field keeps a visible label.
    model = Choice
    fk_name = "question"
    extra = 0
    fields = [
        "order",
        "value",
        "label",
        "exclusive",
        "goto",
        "floor",
        "timing",
        "avoid_nsaids",
        "prevention",
    ]
    formfield_overrides = {}

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs["widget"] = CheckboxList
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Question)
class QuestionAdmin(TriageAdmin[Question]):
    list_display = ["order", "text", "slug", "red_flag", "multiple"]
    list_display_links = ["text"]
    list_editable = ["order"]
    list_filter = ["red_flag", "multiple"]
    search_fields = ["text", "slug", "hint"]
    inlines = [ChoiceInline]
    fields = [
        "slug",
        "order",
        "red_flag",
        "text",
        "hint",
        "multiple",
        "explained_by",
        "expected_version",
    ]


@admin.register(Choice)
class ChoiceAdmin(TriageAdmin[Choice]):
    list_display = ["question", "label", "value", "floor"]
    list_filter = ["question__red_flag", "floor"]
    search_fields = ["label", "value", "question__text"]
    list_select_related = ["question"]
    filter_horizontal = ["prevention"]


@admin.register(Rule)
class RuleAdmin(TriageAdmin[Rule]):
    list_display = ["slug", "disposition", "stop", "order"]
    list_editable = ["order"]
    list_filter = ["disposition", "stop"]
    search_fields = ["slug", "reason"]
    filter_horizontal = ["when"]
    fields = [
        "slug",
        "order",
        "disposition",
        "stop",
        "when",
        "reason",
        "instruction",
        "source",
        "expected_version",
    ]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs["queryset"] = Choice.objects.select_related("question")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Disposition)
class DispositionAdmin(TriageAdmin[Disposition]):
    list_display = ["level", "label", "title"]
    fields = ["level", "label", "title", "summary", "instruction", "meanwhile", "expected_version"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the four outcomes always exist


@admin.register(TriageCase)
class TriageCaseAdmin(TriageAdmin[TriageCase]):
    list_display = ["slug", "description", "expected", "result_now"]
    list_filter = ["expected"]
    search_fields = ["slug", "description"]
    fields = ["slug", "description", "answers", "expected", "expected_version"]

    @admin.display(description="Working flow gives")
    def result_now(self, obj: TriageCase) -> str:
        # Built once per list page (per thread: the admin object is shared by requests).
        flow = getattr(self._local, "flow", None) or build_working_flow()
        self._local.flow = flow
        result = evaluate(flow, obj.answers)
        if not isinstance(result, Outcome):
            return f"unfinished at {result.question.slug}"
        verdict = "ok" if result.level == Level(obj.expected) else "FAILS"
        return f"{result.level.value} ({verdict})"

    _local = threading.local()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        self._local.flow = build_working_flow()
        return super().changelist_view(request, extra_context)


@admin.register(FlowVersion)
class FlowVersionAdmin(admin.ModelAdmin[FlowVersion]):
    """The symptom checker page: its state, its checks, sending for review and publishing."""

    change_list_template = "editorial/flow.html"
    list_display = ["pk", "created_at", "published_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "publish/",
                self.admin_site.admin_view(self.publish_view),
                name="triage_flow_publish",
            ),
            path(
                "review/", self.admin_site.admin_view(self.review_view), name="triage_flow_review"
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {
            "state": flow_state(),
            "versions": FlowVersion.objects.select_related("published_by")[:20],
            "can_publish": request.user.has_perm("triage.publish_flowversion"),
            "can_request_review": request.user.has_perm("triage.add_flowreviewrequest"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)  # type: ignore[return-value]

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Use the Publish button.", status=405)
        if not request.user.has_perm("triage.publish_flowversion"):
            raise PermissionDenied("Only clinical reviewers can publish the symptom checker.")
        url = reverse("admin:triage_flowversion_changelist")
        if request.POST.get("checksum") != flow_state().checksum:
            messages.error(
                request,
                "Not published: the symptom checker changed after you opened this page. "
                "Look at it again, then publish.",
            )
            return HttpResponseRedirect(url)
        try:
            with transaction.atomic():
                version = publish_working_flow(user=request.user)  # type: ignore[arg-type]
        except FlowNotSafe as exc:
            messages.error(
                request,
                "Not published: the symptom checker fails its checks. The public keeps the "
                "last published version. " + "; ".join(exc.report.failures()),
            )
            return HttpResponseRedirect(url)
        if version is None:
            messages.info(request, "Nothing to publish: the public already sees this version.")
        else:
            messages.success(request, f"Published version {version.pk}: the public now sees it.")
        return HttpResponseRedirect(url)

    def review_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Use the Send for review button.", status=405)
        if not request.user.has_perm("triage.add_flowreviewrequest"):
            raise PermissionDenied
        state = flow_state()
        url = reverse("admin:triage_flowversion_changelist")
        if state.status == "published":
            messages.info(request, "Nothing to review: the public already sees this version.")
        elif not state.report.ok:
            messages.error(request, "Fix the failing checks before sending it for review.")
        else:
            FlowReviewRequest.objects.create(
                requested_by=request.user,  # type: ignore[misc]
                checksum=state.checksum,
                note=request.POST.get("note", "")[:300],
            )
            messages.success(request, "Sent for review. A clinical reviewer can now publish it.")
        return HttpResponseRedirect(url)
