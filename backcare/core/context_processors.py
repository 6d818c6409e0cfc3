from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Names every page shows: the site, and who to call in an emergency."""
    base = settings.BACKCARE_SITE_URL or request.build_absolute_uri("/").rstrip("/")
    return {
        "site_name": settings.BACKCARE_SITE_NAME,
        "emergency_number": settings.BACKCARE_EMERGENCY_NUMBER,
        "urgent_service": settings.BACKCARE_URGENT_SERVICE,
        "urgent_number": settings.BACKCARE_URGENT_NUMBER,
        # tel: links want the digits alone.
        "emergency_tel": settings.BACKCARE_EMERGENCY_NUMBER.replace(" ", ""),
        "urgent_tel": settings.BACKCARE_URGENT_NUMBER.replace(" ", ""),
        "canonical_url": base + request.path,
        "site_url": base,
        "keep_for": kept_for(settings.SESSION_COOKIE_AGE),
    }


def kept_for(seconds: int) -> str:
    """How long symptom checker answers are kept, in words: "1 hour", "90 minutes"."""
    minutes = seconds // 60
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"
