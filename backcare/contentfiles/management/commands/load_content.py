from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from backcare.contentfiles.files import ContentError
from backcare.contentfiles.loader import load
from backcare.contentfiles.registry import all_kinds


class Command(BaseCommand):
    help = (
        "Load content/ into the database in one transaction. Items edited in the database "
        "since they were last loaded are left alone unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=settings.BACKCARE_CONTENT_DIR,
            help="Folder to load from (default: %(default)s).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite items that were edited in the database since they were loaded.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load(options["dir"], all_kinds(), force=options["force"])
        except ContentError as exc:
            raise CommandError(f"{exc}\nNothing was changed.") from None
        verbose = options["verbosity"] >= 1
        for label, names in (("created", report.created), ("updated", report.updated)):
            for name in names:
                if verbose:
                    self.stdout.write(f"{label}: {name}")
        for name in report.kept:
            self.stdout.write(
                self.style.WARNING(
                    f"left alone: {name} was edited in the database since it was loaded "
                    "(use --force to overwrite it with the file)"
                )
            )
        for note in report.notes:
            self.stdout.write(note)
        if verbose and options["verbosity"] >= 2:
            for name in report.unchanged:
                self.stdout.write(f"unchanged: {name}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
