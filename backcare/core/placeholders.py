"""Local words in content: editors write {emergency_number} and {urgent_service}.

They are filled in when a page is shown, so one setting changes them everywhere
(999 and NHS 111 in the UK, 911 or 112 and local words elsewhere).
"""

from django.conf import settings
from django.utils.html import escape


def placeholders() -> dict[str, str]:
    return {
        "{emergency_number}": settings.BACKCARE_EMERGENCY_NUMBER,
        "{urgent_service}": settings.BACKCARE_URGENT_SERVICE,
    }


def fill(text: str, *, html: bool = False) -> str:
    """Replace the placeholders in text; escape the values when text is HTML."""
    for token, value in placeholders().items():
        if token in text:
            text = text.replace(token, escape(value) if html else value)
    return text
