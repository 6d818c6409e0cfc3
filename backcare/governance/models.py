"""Feedback on pages, and the admin's governance pages (as proxy models, for permissions).

Feedback holds no identifier: no session, address, user agent or time finer than the day.
It is deleted BACKCARE_FEEDBACK_DAYS after it was given (`manage.py delete_old_feedback`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.utils import timezone

from backcare.triage.models import FlowVersion, OutcomeCount

COMMENT_MAX = 500


class FeedbackQuerySet(models.QuerySet["Feedback"]):
    def older_than(self, days: int, today: date | None = None) -> FeedbackQuerySet:
        return self.filter(day__lt=(today or timezone.localdate()) - timedelta(days=days))


class Feedback(models.Model):
    """One answer to "Was this page useful?", or the words someone added after a "no"."""

    day = models.DateField()
    page = models.CharField(max_length=200, help_text="The page's address on this site.")
    outcome = models.CharField(
        max_length=12, blank=True, help_text="For the checker's outcome page: which outcome."
    )
    # True or False for a yes or a no; None for words added after a no.
    useful = models.BooleanField(null=True)
    comment = models.CharField(max_length=COMMENT_MAX, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-pk"]
        default_permissions = ("view", "delete")
        verbose_name = "page feedback"
        verbose_name_plural = "page feedback"

    def __str__(self) -> str:
        return f"{self.page} {self.day}"


class CheckerOutcomes(OutcomeCount):
    """The admin page of anonymous outcome counts (a proxy: its own view permission)."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = "symptom checker outcomes"
        verbose_name_plural = "symptom checker outcomes"


class SafetyCase(FlowVersion):
    """The admin page of the clinical safety case built from the published flow."""

    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = "clinical safety case"
        verbose_name_plural = "clinical safety case"
