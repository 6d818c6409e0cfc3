"""The words for each level of care, for templates: `{% load care %}`.

    {% care_levels as care %}      {{ care.urgent.title }}, {{ care|level:flag.care_level }}
    {% care_level "gp" as gp %}    {{ gp.label }} {{ gp.title }} {{ gp.summary }}
    {% care_box level %}           the box a warning sign page shows for its level
    {% emergency_box %}            the emergency title, the signs and the call button

All of it comes from `backcare.triage.care`: the reviewed, published content.
"""

from typing import Any

from django import template
from django.conf import settings

from backcare.triage import care as wording

register = template.Library()


@register.simple_tag
def care_levels() -> dict[str, wording.Care]:
    return wording.care_levels()


@register.simple_tag
def care_level(level: str) -> wording.Care:
    return wording.care_for(level)


@register.filter
def level(levels: dict[str, wording.Care], code: str) -> wording.Care:
    """One level from `care_levels`; an unknown code gets the emergency words."""
    return levels.get(str(code)) or levels["emergency"]


@register.inclusion_tag("care/box.html")
def care_box(level: str, title: bool = True) -> dict[str, Any]:
    """The box naming a level of care: its label, title and summary."""
    return {"care": wording.care_for(level), "show_title": title}


@register.inclusion_tag("care/emergency_box.html")
def emergency_box(summaries: bool = False, note: str = "", button: bool = True) -> dict[str, Any]:
    """What to do in an emergency, on pages that must say it whatever else fails: the
    title, the signs (with their summaries if asked), a note, and the call button."""
    number = settings.BACKCARE_EMERGENCY_NUMBER
    return {
        "emergency": wording.care_for("emergency"),
        "signs": wording.emergency_signs(),
        "summaries": summaries,
        "note": note,
        "button": button,
        "emergency_number": number,
        "emergency_tel": number.replace(" ", ""),
    }
