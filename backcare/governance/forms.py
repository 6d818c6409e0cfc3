"""The words someone adds after a "no", checked as a Django form before anything is stored."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import COMMENT_MAX

UNSTORABLE = "Your words had a hidden character we cannot keep. Please type them again."


class Words(forms.CharField):
    """Text with every run of white space (line breaks, tabs) made one space."""

    def to_python(self, value: Any) -> str:
        return " ".join(str(super().to_python(value)).split())


def no_control_characters(value: str) -> None:
    """NUL and other control characters: PostgreSQL refuses NUL, and none belongs in words."""
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationError(UNSTORABLE, code="control_characters")


class CommentForm(forms.Form):
    comment = Words(
        required=False,
        max_length=COMMENT_MAX,
        validators=[no_control_characters],
        error_messages={
            "max_length": f"Please use {COMMENT_MAX} letters or fewer.",
            "null_characters_not_allowed": UNSTORABLE,
        },
    )
