from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "backcare.triage"
    verbose_name = "Symptom checker"
