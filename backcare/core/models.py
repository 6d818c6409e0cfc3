from typing import Any

from django.db import connection, models
from django.db.models import F


class Versioned(models.Model):
    """Goes up by one on every save, so a save based on an older copy can be refused."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("update_fields"):
            self.version += 1
        super().save(*args, **kwargs)


class ContentVersion(models.Model):
    """One row, whose number goes up whenever what the public pages show may have changed.

    Cached public pages are keyed on it, so a publish reaches every process at once."""

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"content version {self.number}"


def current_content_version() -> int:
    # Raw SQL: this runs on every public page request, before anything else is loaded.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {ContentVersion._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump_content_version() -> None:
    if not ContentVersion.objects.filter(pk=1).update(number=F("number") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"number": 1})
