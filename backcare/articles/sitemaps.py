from datetime import date

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import ContentItem, all_published_pages
from .pages import TOPICS


class PagesSitemap(Sitemap[str | ContentItem]):
    """The home page, the topic indexes and every published item, in one query."""

    def items(self) -> list[str | ContentItem]:
        pages: list[str | ContentItem] = [reverse("home")]
        pages += [reverse(topic.url_name) for topic in TOPICS.values()]
        return pages + sorted(all_published_pages(), key=lambda p: p.get_absolute_url())

    def location(self, item: str | ContentItem) -> str:
        return item if isinstance(item, str) else item.get_absolute_url()

    def lastmod(self, item: str | ContentItem) -> date | None:
        return None if isinstance(item, str) else item.last_reviewed
