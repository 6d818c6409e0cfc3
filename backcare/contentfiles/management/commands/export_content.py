from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from backcare.contentfiles.exporter import export
from backcare.contentfiles.registry import all_kinds


class Command(BaseCommand):
    help = (
        "Write every item in the database to content/ files in the canonical layout, so files "
        "and database agree. Only changed files are written; files of items that are not in "
        "the database are listed, never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            type=Path,
            default=settings.BACKCARE_CONTENT_DIR,
            help="Folder to write to (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        content_dir: Path = options["dir"]
        report = export(content_dir, all_kinds())
        if options["verbosity"] >= 1:
            for label, names in (("written", report.written), ("unchanged", report.unchanged)):
                for name in names:
                    self.stdout.write(f"{label}: {name}")
        for name in report.not_in_database:
            self.stdout.write(
                self.style.WARNING(f"not in the database (left alone): {content_dir / name}")
            )
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"check this file: {problem}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
