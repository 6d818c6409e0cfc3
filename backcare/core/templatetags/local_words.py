"""Fill {emergency_number} and {urgent_service} in text that comes from the database."""

import html

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from backcare.core.placeholders import fill

register = template.Library()


@register.filter
def local(text: str) -> str:
    """Plain text: the result is escaped as usual when shown."""
    return fill(str(text))


@register.filter
def local_html(html: str) -> SafeString:
    """HTML that was sanitised when it was saved: values are escaped as they go in."""
    return mark_safe(fill(str(html), html=True))  # noqa: S308


@register.filter
def local_text(html_text: str) -> str:
    """Sanitised HTML as plain text, for the plan's text version."""
    return fill(html.unescape(strip_tags(str(html_text))).strip())
