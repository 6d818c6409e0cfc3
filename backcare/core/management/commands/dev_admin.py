import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "For local development: make sure an 'admin' superuser exists and print how to log in."

    password_file = Path(settings.BASE_DIR) / ".dev-admin-password"

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("dev_admin is for local development only (DEBUG is off).")
        users = get_user_model()._default_manager
        user = users.filter(username="admin").first()
        saved = self.password_file.read_text().strip() if self.password_file.exists() else ""
        if user is None:
            saved = secrets.token_urlsafe(12)
            users.create_superuser("admin", "", saved)
            self.password_file.write_text(saved + "\n")
            self.password_file.chmod(0o600)
        elif not saved or not user.check_password(saved):
            self.stdout.write(
                "Admin: log in at /admin/ as 'admin'. Forgot the password? "
                "Run: .venv/bin/python manage.py changepassword admin"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin: http://127.0.0.1:8000/admin/  user: admin  password: {saved}\n"
                f"(local only; kept in {self.password_file.name})"
            )
        )
