from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "backcare.offline"
    verbose_name = "Offline"
