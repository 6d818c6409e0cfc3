from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "backcare.triage"
    verbose_name = "Symptom checker"

    def ready(self) -> None:
        from backcare.contentfiles.registry import register

        from .content_kinds import publish_flow_from_files, triage_kinds

        # Loading content/ publishes the flow as an explicit last step, once every file of
        # every app is in (see publish_flow_from_files).
        register(self.label, triage_kinds, after_load=publish_flow_from_files)
        # Registers the system check that every level of care is worded in the files.
        from . import care  # noqa: F401
