import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Local accounts for trying the admin: one per role, all with the same password.
ACCOUNTS = [
    ("admin", "Ada", "Admin", None),
    ("editor", "Eddie", "Editor", "Editors"),
    ("reviewer", "Dr Rae", "Reviewer", "Clinical reviewers"),
]


class Command(BaseCommand):
    help = (
        "For local development: make sure an 'admin' superuser, an 'editor' and a clinical "
        "'reviewer' exist, and print how to log in."
    )

    password_file = Path(settings.BASE_DIR) / ".dev-admin-password"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000", help="Where the site will be served."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("dev_admin is for local development only (DEBUG is off).")
        users = get_user_model()._default_manager
        saved = self.password_file.read_text().strip() if self.password_file.exists() else ""
        if not saved:
            saved = secrets.token_urlsafe(12)
            self.password_file.write_text(saved + "\n")
            self.password_file.chmod(0o600)
        url = f"{options['site'].rstrip('/')}/{settings.BACKCARE_ADMIN_PATH}"
        self.stdout.write(self.style.SUCCESS(f"Admin: {url}"))
        for username, first, last, group in ACCOUNTS:
            user = users.filter(username=username).first()
            if user is None:
                user = users.create_user(
                    username, password=saved, first_name=first, last_name=last, is_staff=True
                )
                if group is None:
                    user.is_superuser = True
                    user.save()
                else:
                    user.groups.add(Group.objects.get(name=group))
            if user.check_password(saved):
                role = group or "superuser"
                self.stdout.write(f"  user: {username:<9} password: {saved}  ({role})")
            else:
                self.stdout.write(
                    f"  user: {username:<9} (password changed; reset it with "
                    f".venv/bin/python manage.py changepassword {username})"
                )
        self.stdout.write(f"The password is kept in {self.password_file.name} (local only).")
