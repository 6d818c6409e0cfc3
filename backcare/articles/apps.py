from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "backcare.articles"
    verbose_name = "Articles"
