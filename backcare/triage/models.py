"""The symptom checker's questions, answers, rules and outcomes, as editors keep them.

These tables are the working copy. The public is served a published FlowVersion:
a frozen copy of the whole flow, made only when the flow passes its checks and
test cases. A change here is never seen by the public until it is published.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from backcare.articles.models import Prevention, RedFlag
from backcare.core.models import Versioned

from .engine import Level, Timing


class Disposition(Versioned):
    """One of the four outcomes. Each is written once and used by every rule that needs it."""

    level = models.CharField(
        max_length=12,
        unique=True,
        choices=[(lv.value, lv.name.replace("_", " ").title()) for lv in Level],
    )
    title = models.CharField(
        max_length=120,
        help_text=(
            "The big instruction, shown on the outcome and wherever this level of care is "
            "named. Write {emergency_number} and {urgent_service}, never the numbers."
        ),
    )
    label = models.CharField(
        max_length=40,
        help_text="A short name for this level of care, for badges and reports.",
    )
    summary = models.CharField(
        max_length=300,
        help_text=(
            "One or two sentences shown under the title outside the checker: on warning "
            "sign pages, 'When to see a doctor' and error pages."
        ),
    )
    instruction = models.TextField(help_text="Markdown. What to do, in plain words.")
    meanwhile = models.TextField(
        blank=True,
        help_text="Markdown. What to do while waiting for care (leave empty for emergencies).",
    )
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint"])

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return self.title


class Question(Versioned):
    slug = models.SlugField(
        max_length=60, unique=True, help_text="The step's address: /check/<slug>/."
    )
    order = models.PositiveIntegerField(help_text="Questions are asked in this order.")
    red_flag = models.BooleanField(
        default=False, help_text="A safety question: asked before all the others."
    )
    text = models.CharField(max_length=300, help_text="The question, in plain words.")
    hint = models.TextField(blank=True, help_text="Optional extra help shown under the question.")
    multiple = models.BooleanField(
        default=False, help_text="Tick boxes (any number) instead of one answer."
    )
    explained_by = models.ForeignKey(
        RedFlag,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text="The page that explains this warning sign.",
    )
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint"])

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.text


class Choice(Versioned):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    value = models.SlugField(max_length=40, help_text="Stored answer; letters, numbers and dashes.")
    label = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    exclusive = models.BooleanField(
        default=False, help_text="Like 'None of these': cannot be ticked with another answer."
    )
    goto = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Skip ahead to this question after this answer (one-answer questions only).",
    )
    floor = models.CharField(
        max_length=12,
        blank=True,
        choices=[(lv.value, lv.value) for lv in Level if lv != Level.SELF_CARE],
        help_text="Safety floor: this answer must always lead to at least this level of care.",
    )
    timing = models.CharField(
        max_length=8,
        blank=True,
        choices=[(t.value, t.name.title()) for t in Timing if t.value],
        help_text="For the plan: early means within 72 hours (cold), later means heat.",
    )
    avoid_nsaids = models.BooleanField(
        default=False,
        help_text="For the plan: say ask a pharmacist, instead of naming anti-inflammatories.",
    )
    prevention = models.ManyToManyField(
        Prevention, blank=True, help_text="Prevention advice the plan shows after this answer."
    )
    history = HistoricalRecords(m2m_fields=[prevention])

    class Meta:
        ordering = ["question", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="unique_choice_value"),
        ]

    def __str__(self) -> str:
        return f"{self.question.slug}: {self.label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # A choice is part of its question: whoever has the question open must not save
        # over this change without being told.
        Question.objects.filter(pk=self.question_id).update(version=models.F("version") + 1)


class Rule(Versioned):
    slug = models.SlugField(max_length=60, unique=True)
    order = models.PositiveIntegerField(default=0)
    disposition = models.ForeignKey(Disposition, on_delete=models.PROTECT, related_name="rules")
    reason = models.CharField(
        max_length=300, help_text="Shown as the reason, e.g. 'You told us you fell.'"
    )
    stop = models.BooleanField(
        default=False,
        help_text="End the check at once when this applies (no later question can matter).",
    )
    instruction = models.TextField(
        blank=True,
        help_text=(
            "Markdown. Optional: what to do, in place of the level's own instruction, when this "
            "rule sets the level (for example: call an ambulance, do not go by car)."
        ),
    )
    source = models.CharField(
        max_length=300,
        blank=True,
        help_text="The guidance this rule's level of care comes from, e.g. 'NICE CKS: ...'.",
    )
    when = models.ManyToManyField(
        Choice,
        related_name="rules",
        help_text="Applies when, for each question named here, one of its listed answers is given.",
    )
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint"], m2m_fields=[when])

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.slug


class TriageCase(Versioned):
    """A recorded set of answers and the disposition they must lead to."""

    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300)
    answers = models.JSONField(help_text="Question slug -> list of answer values.")
    expected = models.CharField(max_length=12, choices=Disposition._meta.get_field("level").choices)
    loaded_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["loaded_fingerprint"])

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class FlowVersion(models.Model):
    """A published, frozen copy of the whole flow: what the public is served."""

    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    checksum = models.CharField(max_length=64, help_text="Of the flow's content.")
    data = models.JSONField()

    class Meta:
        ordering = ["-pk"]
        get_latest_by = "pk"
        # publish_flowversion: only clinical reviewers may publish the symptom checker.
        default_permissions = ("view", "publish")
        verbose_name = "published version"
        verbose_name_plural = "review and publish"

    def __str__(self) -> str:
        return f"Flow version {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            raise ValueError("A published flow version never changes: publish a new one.")
        super().save(*args, **kwargs)


class FlowReviewRequest(models.Model):
    """An editor asking a clinical reviewer to publish the working flow as it stood."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    requested_at = models.DateTimeField(auto_now_add=True)
    checksum = models.CharField(max_length=64, help_text="Of the working flow when sent.")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]
        default_permissions = ("add", "view")

    def __str__(self) -> str:
        return f"Review requested by {self.requested_by} on {self.requested_at:%d %b %Y}"


# Anonymous counts ----------------------------------------------------------------------
#
# How the published flow is used, as numbers only: no session, answer, address or time
# finer than the day. See triage.counting for how each check is counted once.


class OutcomeCount(models.Model):
    """How many checks ended with this outcome on this day, under this flow version."""

    day = models.DateField()
    flow_version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=12, choices=Disposition._meta.get_field("level").choices)
    rule = models.CharField(
        max_length=60, blank=True, help_text="The rule that decided it; empty when none did."
    )
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "level", "rule"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["day", "flow_version", "level", "rule"], name="unique_outcome_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.flow_version_id} {self.level} {self.rule}: {self.count}"


class StopCount(models.Model):
    """How many checks, last moved on this day, stand unfinished at this question.

    `question` is a question's slug, or "answers" for the "check your answers" page."""

    day = models.DateField()
    flow_version = models.ForeignKey(FlowVersion, on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=60)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "question"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["day", "flow_version", "question"], name="unique_stop_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.flow_version_id} {self.question}: {self.count}"
