from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backcare.triage.flows import build_working_flow, published_flow, validate_flow, working_cases


class Command(BaseCommand):
    help = "Check the symptom checker: run the flow validator and every triage test case."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--published",
            action="store_true",
            help="Check the flow the public is served, not the working copy.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["published"]:
            flow = published_flow()
            if flow is None:
                raise CommandError("No symptom checker flow has been published yet.")
            label = f"published flow version {flow.version}"
        else:
            flow, label = build_working_flow(), "working flow"
        report = validate_flow(flow, working_cases())
        self.stdout.write(
            f"Checking the {label}: {len(flow.questions)} questions, {len(flow.rules)} rules"
        )
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"problem: {problem}"))
        for result in report.results:
            style = self.style.SUCCESS if result.passed else self.style.ERROR
            self.stdout.write(style(result.describe()))
        passed = sum(r.passed for r in report.results)
        summary = f"{len(report.problems)} problems, {passed}/{len(report.results)} cases passed"
        if not report.ok:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
