"""Walking the published symptom checker with the test client, whatever its questions."""

from django.test import Client

from backcare.triage.engine import FlowQuestion, Outcome, evaluate
from backcare.triage.flows import published_flow

# Answers that raise no level of care, where a question offers one.
CALM = ("no", "none", "better", "today", "moderate", "lifting", "nothing")


def calm_choice(question: FlowQuestion) -> str:
    for value in CALM:
        choice = question.choice(value)
        if choice is not None and choice.floor is None:
            return value
    return next(c.value for c in question.choices if c.floor is None)


def walk(client: Client, first: dict[str, list[str]] | None = None) -> Outcome:
    """Answer every question (`first` where given, calm answers elsewhere) and confirm."""
    flow = published_flow()
    assert flow is not None
    answers: dict[str, list[str]] = {}
    assert client.post("/check/").status_code == 303
    while True:
        result = evaluate(flow, answers)
        if isinstance(result, Outcome):
            break
        slug = result.question.slug
        answers[slug] = (first or {}).get(slug) or [calm_choice(result.question)]
        response = client.post(f"/check/{slug}/", {"answer": answers[slug]})
        assert response.status_code == 303, response.content.decode()[:300]
    if result.level != "emergency":
        assert client.post("/check/answers/").status_code == 303
    assert client.get("/check/result/").status_code == 200
    return result
