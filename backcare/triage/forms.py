from typing import Any

from django import forms
from django.http import QueryDict

from .engine import FlowQuestion


class AnswerForm(forms.Form):
    """One question's answer: radio buttons, or tick boxes when several may apply."""

    def __init__(self, question: FlowQuestion, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        choices = [(c.value, c.label) for c in question.choices]
        if question.multiple:
            self.fields["answer"] = forms.MultipleChoiceField(
                choices=choices,
                error_messages={
                    "required": "Tick at least one answer.",
                    "invalid_choice": "Tick one or more of the answers shown.",
                },
            )
        else:
            self.fields["answer"] = forms.ChoiceField(
                choices=choices,
                error_messages={
                    "required": "Choose one answer.",
                    "invalid_choice": "Choose one of the answers shown.",
                },
            )

    def clean_answer(self) -> list[str]:
        several = isinstance(self.data, QueryDict) and len(self.data.getlist("answer")) > 1
        if several and not self.question.multiple:
            raise forms.ValidationError("Choose only one answer.")
        raw = self.cleaned_data["answer"]
        values = list(dict.fromkeys(raw)) if isinstance(raw, list) else [raw]
        exclusive = [c for c in self.question.choices if c.exclusive and c.value in values]
        if exclusive and len(values) > 1:
            label = exclusive[0].label
            raise forms.ValidationError(
                f"“{label}” cannot be ticked with other answers. Untick “{label}”, "
                "or untick the other answers."
            )
        return values

    def values(self) -> list[str]:
        return list(self.cleaned_data["answer"])
