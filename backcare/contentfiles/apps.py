from django.apps import AppConfig


class ContentFilesConfig(AppConfig):
    name = "backcare.contentfiles"
    verbose_name = "Content files"
