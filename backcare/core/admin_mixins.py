"""Admin building blocks shared by the content and symptom checker admins:
refusing lost updates, readable history with one-click revert, and the review workflow.

In core, below both apps that use them (articles, triage): they know only Django, django-
simple-history and core's `Versioned` (the `version` number a save is checked against),
never a model of either app. See docs/architecture.md."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from . import history
from .models import Versioned


class ConflictCheckingForm[M: Versioned](forms.ModelForm[M]):
    """Refuses a save made from an out-of-date copy, and keeps what was typed.

    The form carries the version it was opened at. If the item was saved by someone else
    since, the save is refused with who and when; the person's text stays in the form,
    each changed field shows what the saved version now says, and a tick box per field
    asks them to say they have chosen what to keep. The next save goes through only once
    every one is ticked: pressing Save again is not a merge.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Fields that differed at the last refused save ("title,summary"), and the ones the
    # editor says they have merged.
    conflict_fields = forms.CharField(widget=forms.HiddenInput, required=False)
    resolved = forms.MultipleChoiceField(
        label="Merged",
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if self.is_bound:
            raw = self.data.get(self.add_prefix("conflict_fields"), "")
            self._offer_merge([n for n in raw.split(",") if n in self.fields])

    def _offer_merge(self, names: list[str]) -> None:
        field = self.fields["resolved"]
        field.choices = [  # type: ignore[attr-defined]
            (n, f"{self.fields[n].label or n}: the box now holds what to keep") for n in names
        ]
        if names:
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]
            field.help_text = (
                "Tick each one once you have compared it with the saved version and chosen "
                "what to keep."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is None:
            raise ValidationError("This form is out of date: reload the page, then try again.")
        if self.instance.pk and expected is not None:
            model = type(self.instance)
            # Locks the row (on PostgreSQL) until this save commits: two saves cannot both pass.
            current = model._default_manager.select_for_update().get(pk=self.instance.pk)
            if current.version != expected:
                self._refuse(current)
        conflicts = [c for c, _ in self.fields["resolved"].choices]  # type: ignore[attr-defined]
        unmerged = [n for n in conflicts if n not in (cleaned.get("resolved") or [])]
        if unmerged:
            names = ", ".join(str(self.fields[n].label or n) for n in unmerged)
            self.add_error(
                "resolved",
                f"Not saved yet: tick each field once you have chosen what to keep ({names}).",
            )
        return cleaned

    def _refuse(self, current: models.Model) -> None:
        who, when = history.last_saved_by(current)
        stamp = date_format(timezone.localtime(when), "j F Y, H:i") if when else "meanwhile"
        differing = []
        skip = {"expected_version", "conflict_fields", "resolved"}
        for name in self.changed_data:
            if name in self.fields and name not in skip and hasattr(current, name):
                saved = getattr(current, name)
                if isinstance(saved, (str, int, bool)) and not same(
                    saved, self.cleaned_data.get(name)
                ):
                    self.add_error(name, f"The version {who} saved now says: {saved}")
                    differing.append(name)
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("expected_version")] = str(current.version)  # type: ignore[attr-defined]
        data[self.add_prefix("conflict_fields")] = ",".join(differing)
        data.setlist(self.add_prefix("resolved"), [])
        self.data = data
        self._offer_merge(differing)
        raise ValidationError(
            f"{who} saved this item ({stamp}) while you were editing it, so your changes were "
            "not saved. Nothing is lost: what you typed is still in the form. Compare it with "
            "their version (shown under each field that differs), merge the two, tick each "
            "field under Merged, then save again."
        )


def same(saved: Any, typed: Any) -> bool:
    """Equal as the item would store them (browsers send text areas with \\r\\n)."""
    if isinstance(saved, str) and isinstance(typed, str):
        return saved.replace("\r\n", "\n").strip() == typed.replace("\r\n", "\n").strip()
    return bool(saved == typed)


def with_merge_fields(names: list[Any]) -> list[Any]:
    """The conflict form's own fields go where the form's version is (see above)."""
    if "expected_version" in names and "resolved" not in names:
        at = names.index("expected_version") + 1
        names[at:at] = ["conflict_fields", "resolved"]
    return names


class RowLabelledForm(forms.ModelForm[models.Model]):
    """A list's editable cells named for their row ("Order of Massage"): the admin's own
    list inputs have no label a screen reader could read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = f"{field.label or name} of {self.instance}"
            # A list shows no help text, so nothing may point at it (aria-describedby).
            field.help_text = ""


class DateWidget(AdminDateWidget):
    """The admin's date box without its aria-describedby: Django points it at a time zone
    warning that its script adds only for date-times, so for a plain date the id never
    exists and a screen reader is sent nowhere."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("aria-describedby", None)
        return context


class CheckboxList(forms.CheckboxSelectMultiple):
    """Tick boxes whose group has an id, so the admin's fieldset can point at its help text
    (Django's own gives the group no id, and the fieldset's aria-describedby dangles)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else super().id_for_label(id_, index)


class HistoryAdminMixin[M: Versioned](admin.ModelAdmin[M]):
    """The admin's History page, from django-simple-history: who, when, what, and revert."""

    object_history_template = "editorial/history.html"
    formfield_overrides = {models.DateField: {"widget": DateWidget}}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return with_merge_fields(list(super().get_fields(request, obj)))

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs.setdefault("form", RowLabelledForm)
        return super().get_changelist_form(request, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/<int:record_id>/revert/",
                self.admin_site.admin_view(self.revert_view),
                name="{}_{}_revert".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such item.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "versions": history.versions(obj),
            "can_revert": self.has_change_permission(request, obj),
            "revert_url_name": f"admin:{self.opts.app_label}_{self.opts.model_name}_revert",
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def revert_view(self, request: HttpRequest, object_id: str, record_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse("Use the Revert button on the History page.", status=405)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such item.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        # django-simple-history adds `history` to the model class; its stubs do not say so.
        record = get_object_or_404(cast(Any, obj).history.all(), history_id=record_id)
        history_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]
        )
        if str(obj.version) != request.POST.get("expected_version"):
            who, _when = history.last_saved_by(obj)
            messages.error(
                request,
                f"{who} changed this item after you opened its history, so nothing was "
                "reverted. Look at the newest version, then choose again.",
            )
            return HttpResponseRedirect(history_url)
        stamp = date_format(timezone.localtime(record.history_date), "j F Y, H:i")
        with transaction.atomic():
            history.revert(obj, record, f"Reverted to the version of {stamp}")
            self.after_revert(request, obj)
        messages.success(request, f"“{obj}” is back to the version of {stamp}.")
        return HttpResponseRedirect(history_url)

    def after_revert(self, request: HttpRequest, obj: Any) -> None:
        """A hook: content items go back to draft, the symptom checker is re-checked."""
