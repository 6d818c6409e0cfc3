from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class EditorialConfig(AppConfig):
    """The staff side around the content: the admin site, staff log-in limits and the
    editor and reviewer groups.

    At the top of the stack (docs/architecture.md): it may use articles and triage,
    nothing uses it. The admin building blocks the apps share are in core."""

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
