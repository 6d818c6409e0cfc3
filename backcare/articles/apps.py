from typing import Any

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


def content_changed(**kwargs: Any) -> None:
    """Any saved change may change a public page: cached pages start afresh."""
    from backcare.core.models import bump_content_version

    bump_content_version()


class ArticlesConfig(AppConfig):
    name = "backcare.articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from backcare.contentfiles.registry import register

        from .content_kinds import article_kinds
        from .models import ALL_CONTENT_MODELS

        register(self.label, article_kinds)

        for model in ALL_CONTENT_MODELS:
            post_save.connect(content_changed, sender=model, dispatch_uid=f"bump-{model}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"bump-del-{model}")
            for name in model.relation_fields:
                through = model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
                m2m_changed.connect(content_changed, sender=through, dispatch_uid=f"bump-{through}")
