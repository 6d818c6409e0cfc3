from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "backcare.core"
    verbose_name = "Site"
