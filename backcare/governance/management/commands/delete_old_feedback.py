from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from backcare.governance.models import Feedback


class Command(BaseCommand):
    help = (
        "Delete page feedback older than BACKCARE_FEEDBACK_DAYS (default 180). "
        "Run it daily, from cron or a systemd timer."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.BACKCARE_FEEDBACK_DAYS
        deleted, _ = Feedback.objects.older_than(days).delete()
        self.stdout.write(f"Deleted {deleted} page feedback answers older than {days} days.")
