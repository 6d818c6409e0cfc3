from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EditorialConfig(AppConfig):
    """Editing the content: workflow, history, previews and the admin around them."""

    default = True
    name = "backcare.editorial"
    verbose_name = "Editorial"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import idle_limit_from_login

        user_logged_in.connect(idle_limit_from_login, dispatch_uid="backcare-staff-idle")


class BackcareAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with our site (overdue reviews and the symptom checker on its index)."""

    default = False
    default_site = "backcare.editorial.admin_site.BackcareAdminSite"
