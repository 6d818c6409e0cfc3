from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "backcare.triage"
    verbose_name = "Symptom checker"

    def ready(self) -> None:
        # Registers the system check that every level of care is worded in the files.
        from . import care  # noqa: F401
