"""Editing the health content: draft -> in review -> published, with clinical sign-off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from backcare.core.admin_mixins import CheckboxList, ConflictCheckingForm, HistoryAdminMixin
from backcare.core.placeholders import fill

from .models import (
    CONTENT_MODELS,
    ContentItem,
    SearchWords,
    Status,
)

# Changing only these does not need a clinical review (it is not what the page says).
REVIEW_EXEMPT = {"order", "expected_version", "next_review_due"}  # the date: reviewers only


def reviewer_name(request: HttpRequest) -> str:
    user = request.user
    return user.get_full_name() or user.get_username()  # type: ignore[union-attr]


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("soon", "Due in the next 30 days")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lte=today)
        if self.value() == "soon":
            return queryset.filter(
                next_review_due__gt=today, next_review_due__lte=today + timedelta(days=30)
            )
        return queryset


class ContentItemForm(ConflictCheckingForm[ContentItem]):
    class Meta:
        widgets = {
            # A live preview of the Markdown as it is typed (the saved one is shown too).
            "body": forms.Textarea(
                attrs={
                    "rows": 20,
                    "hx-post": reverse_lazy("preview:markdown"),
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#markdown-preview",
                    "hx-swap": "innerHTML",
                }
            ),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "cautions": forms.Textarea(attrs={"rows": 3}),
        }


class SearchWordsForm(ContentItemForm):
    class Meta(ContentItemForm.Meta):
        help_texts = {
            "body": (
                "One entry a line: - their words, more words = our words. A search holding "
                "any phrase on the left also looks for the words on the right. Lines "
                "starting with ## (headings) or > (notes) are skipped."
            )
        }


@admin.action(description="Send the selected items for clinical review")
def send_for_review(modeladmin: ContentItemAdmin, request: HttpRequest, queryset: Any) -> None:
    count = 0
    for item in queryset.exclude(status=Status.PUBLISHED):
        item.status = Status.IN_REVIEW
        item._change_reason = "Sent for review"
        item.save()
        count += 1
    modeladmin.message_user(request, f"{count} item(s) sent for review.", messages.SUCCESS)


SHOWN_VERSION = "_shown_version"


def shown_versions(request: HttpRequest) -> dict[str, int]:
    """The version of each row as the list showed it ("pk:version" in a hidden input)."""
    shown = {}
    for value in request.POST.getlist(SHOWN_VERSION):
        pk, _, version = value.partition(":")
        if version.isdigit():
            shown[pk] = int(version)
    return shown


@admin.action(
    description="Publish the selected items that are in review (clinical sign-off)",
    permissions=["publish"],
)
def publish_selected(modeladmin: ContentItemAdmin, request: HttpRequest, queryset: Any) -> None:
    """Sign off exactly the versions the reviewer was shown: an item saved since the list
    was opened (or never shown, as with "select all") is left alone, and named."""
    shown = shown_versions(request)
    published, changed = [], []
    with transaction.atomic():
        # Locked until this commits (PostgreSQL): no save can slip in between the check
        # and the sign-off. SQLite's IMMEDIATE transactions lock the whole file already.
        selected = list(queryset.select_for_update())
        for item in selected:
            if item.status != Status.IN_REVIEW:
                continue  # a draft is published from its own page, read in full
            if shown.get(str(item.pk)) != item.version:
                changed.append(item)
                continue
            modeladmin.sign_off(request, item)
            item.save()
            published.append(item)
    skipped = len(selected) - len(published) - len(changed)
    note = f" {skipped} not in review were left alone." if skipped else ""
    modeladmin.message_user(
        request, f"{len(published)} item(s) published and signed off.{note}", messages.SUCCESS
    )
    if changed:
        names = ", ".join(f"“{item}”" for item in changed)
        modeladmin.message_user(
            request,
            f"Not published, because they changed after you opened this list (or were not "
            f"on it): {names}. Read them again, then publish.",
            messages.ERROR,
        )


@admin.action(
    description="Withdraw the selected items from the public site", permissions=["publish"]
)
def withdraw_selected(modeladmin: ContentItemAdmin, request: HttpRequest, queryset: Any) -> None:
    for item in queryset:
        item.withdraw()
        item._change_reason = "Withdrawn from the public site"
        item.save()
    modeladmin.message_user(request, "Withdrawn: the public no longer sees them.", messages.WARNING)


class ContentItemAdmin(HistoryAdminMixin[ContentItem], admin.ModelAdmin[ContentItem]):
    form = ContentItemForm
    change_form_template = "editorial/change_form.html"
    list_display = [
        "title",
        "status",
        "is_public",
        "public_copy_is_current",
        "next_review_due",
        "order",
        "shown_version",
    ]
    list_editable = ["order"]
    list_filter = ["status", ReviewDueFilter]
    search_fields = ["title", "summary", "body", "slug"]
    readonly_fields = ["status", "reviewed_by", "last_reviewed", "rendered_preview"]
    actions = [send_for_review, publish_selected, withdraw_selected]
    save_on_top = False

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        model: type[ContentItem] = self.model
        names = [] if model is SearchWords else ["also_known_as"]
        content = ["title", "slug", "summary", *names, *model.extra_fields, "body"]
        content.append("rendered_preview")
        fieldsets: list[Any] = [(None, {"fields": content})]
        if model.relation_fields:
            fieldsets.append(("Links to other pages", {"fields": list(model.relation_fields)}))
        fieldsets.append(
            (
                "Review",
                {
                    "fields": [
                        "status",
                        "reviewed_by",
                        "last_reviewed",
                        "next_review_due",
                        "source",
                        "order",
                        "expected_version",
                        "conflict_fields",
                        "resolved",
                    ]
                },
            )
        )
        return fieldsets

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj else {"slug": ("title",)}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj:
            # A page's address is its identity: changing it would break links to it.
            fields.append("slug")
        if not self.has_publish_permission(request):
            # When a clinical review falls due is a reviewer's decision.
            fields.append("next_review_due")
        return fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "last_reviewed": today,
            "next_review_due": today + timedelta(days=settings.BACKCARE_REVIEW_EVERY_DAYS),
        }

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs["widget"] = CheckboxList
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(boolean=True, description="On the site")
    def is_public(self, obj: ContentItem) -> bool:
        return obj.published_data is not None

    @admin.display(boolean=True, description="Public copy is current")
    def public_copy_is_current(self, obj: ContentItem) -> bool:
        return obj.status == Status.PUBLISHED

    @admin.display(description="Version")
    def shown_version(self, obj: ContentItem) -> SafeString:
        # Sent back with a bulk action, so only the versions shown here are published.
        return format_html(
            '{}<input type="hidden" name="{}" value="{}:{}">',
            obj.version,
            SHOWN_VERSION,
            obj.pk,
            obj.version,
        )

    @admin.display(description="How the text will look")
    def rendered_preview(self, obj: ContentItem | None) -> SafeString:
        # Filled in as the public will see it, the same as the live preview as you type.
        html = fill(obj.body_html, html=True) if obj and obj.pk else ""
        # Sanitised when saved; the box is refreshed as you type when JavaScript is on.
        return format_html(
            '<div id="markdown-preview" class="markdown-preview" aria-live="polite">{}</div>',
            mark_safe(html),  # noqa: S308
        )

    # Workflow ---------------------------------------------------------------------

    def has_publish_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        perm = f"{self.opts.app_label}.publish_{self.opts.model_name}"
        return request.user.has_perm(perm)

    def sign_off(self, request: HttpRequest, item: ContentItem) -> None:
        if not self.has_publish_permission(request):
            raise PermissionDenied("Only clinical reviewers can publish.")
        item.sign_off(
            reviewer_name(request), timezone.localdate(), settings.BACKCARE_REVIEW_EVERY_DAYS
        )
        item._change_reason = f"Published, signed off by {item.reviewed_by}"  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if "_publish" in request.POST and not self.has_publish_permission(request):
            raise PermissionDenied("Only clinical reviewers can publish.")
        if set(form.changed_data) - REVIEW_EXEMPT and obj.status != Status.DRAFT:
            obj.status = Status.DRAFT
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the links are saved, so the published copy includes them.
        item: ContentItem = form.instance
        if "_publish" in request.POST:
            self.sign_off(request, item)
            item.save()
            messages.success(request, "Published: the public now sees this version.")
        elif "_send_for_review" in request.POST:
            item.status = Status.IN_REVIEW
            item._change_reason = "Sent for review"  # type: ignore[attr-defined]
            item.save(update_fields=["status", "updated_at"])
            messages.success(request, "Sent for review. A clinical reviewer can now publish it.")
        elif item.status == Status.DRAFT and item.published_data is not None:
            messages.info(
                request, "Saved as a draft: the public still sees the last published version."
            )

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        # After sending for review or publishing, stay on the item to see its new status.
        if "_send_for_review" in request.POST or "_publish" in request.POST:
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        if "_send_for_review" in request.POST or "_publish" in request.POST:
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def after_revert(self, request: HttpRequest, obj: Any) -> None:
        obj.status = Status.DRAFT
        obj.save(update_fields=["status", "updated_at"])
        messages.info(request, "The reverted text is a draft: publish it to make it public.")

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        obj = context.get("original")
        context.update(
            can_publish=self.has_publish_permission(request),
            preview_url=(
                reverse("preview:item", args=[self.opts.app_label, self.opts.model_name, obj.pk])
                if obj and self.model in CONTENT_MODELS
                else None
            ),
            public_url=obj.get_absolute_url() if obj and obj.published_data else None,
            review_overdue=bool(obj and obj.next_review_due and obj.review_overdue()),
        )
        return super().render_change_form(request, context, *args, **kwargs)

    def view_on_site(self, obj: ContentItem) -> str:
        published = obj.published_data is not None and obj.status == Status.PUBLISHED
        if published or self.model not in CONTENT_MODELS:
            return obj.get_absolute_url()
        return reverse("preview:item", args=[self.opts.app_label, self.opts.model_name, obj.pk])


@admin.register(SearchWords)
class SearchWordsAdmin(ContentItemAdmin):
    form = SearchWordsForm


for content_model in CONTENT_MODELS:
    admin.site.register(content_model, ContentItemAdmin)
