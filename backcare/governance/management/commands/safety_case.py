from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backcare.governance.safety_case import build, to_markdown


class Command(BaseCommand):
    help = "Write the clinical safety case of the published symptom checker as Markdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", default="safety-case.md", help="File to write ('-' for stdout)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        case = build()
        if case is None:
            raise CommandError("No symptom checker flow is published yet: nothing to describe.")
        text = to_markdown(case)
        if options["output"] == "-":
            self.stdout.write(text)
            return
        Path(options["output"]).write_text(text, encoding="utf-8")
        self.stdout.write(
            f"Wrote the safety case of flow version {case.version.pk} to {options['output']}: "
            f"{len(case.hazards)} hazards, {len(case.flow.rules)} rules, {len(case.proofs)} cases."
        )
