from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """Clinical governance: what the symptom checker advises (as anonymous counts), the
    safety case built from its published flow, and whether readers found pages useful.

    Above triage in the stack: it reads the flow and the content, nothing reads it."""

    default = True
    name = "backcare.governance"
    verbose_name = "Clinical governance"
