"""The admin: review workflow, permissions, previews, history and revert, no lost updates."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from backcare.articles.models import RedFlag, Remedy, Status
from backcare.contentfiles.loader import LoadReport

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(obj: Any) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def form_data(obj: Any, **changes: Any) -> dict[str, Any]:
    """What the admin's change form posts for this content item, with some fields changed."""
    data: dict[str, Any] = {
        "title": obj.title,
        "summary": obj.summary,
        "also_known_as": obj.also_known_as,
        "body": obj.body,
        "next_review_due": obj.next_review_due.isoformat(),
        "source": obj.source,
        "order": obj.order,
        "expected_version": obj.version,
    }
    for name in obj.extra_fields:
        value = getattr(obj, name)
        data[name] = json.dumps(value) if isinstance(value, list) else value  # JSON fields
    for name in obj.relation_fields:
        data[name] = list(getattr(obj, name).values_list("pk", flat=True))
    data.update(changes)
    return data


def publish_flow(client: Client) -> Any:
    """Press Publish on the symptom checker page, as it was when it was opened."""
    page = client.get("/admin/triage/flowversion/")
    checksum = page.context["state"].checksum if page.status_code == 200 else ""
    return client.post("/admin/triage/flowversion/publish/", {"checksum": checksum}, follow=True)


def save(client: Client, obj: Any, button: str = "_continue", **changes: Any) -> Any:
    data = form_data(obj, **changes)
    data[button] = "1"
    return client.post(change_url(obj), data)


# Groups and permissions ---------------------------------------------------------------


def test_the_migration_creates_editors_and_clinical_reviewers(db: None) -> None:
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(
        Group.objects.get(name="Clinical reviewers").permissions.values_list("codename", flat=True)
    )
    assert {"change_remedy", "add_redflag", "change_question", "add_flowreviewrequest"} <= editors
    assert not {p for p in editors if p.startswith("publish_")}
    assert {"publish_remedy", "publish_redflag", "publish_flowversion"} <= reviewers
    assert editors < reviewers


def test_an_editor_can_open_every_content_and_triage_list(content: LoadReport, editor: Any) -> None:
    client = logged_in(editor)
    for path in [
        "/admin/",
        "/admin/articles/remedy/",
        "/admin/articles/redflag/",
        "/admin/triage/question/",
        "/admin/triage/choice/",
        "/admin/triage/rule/",
        "/admin/triage/disposition/",
        "/admin/triage/triagecase/",
        "/admin/triage/flowversion/",
    ]:
        assert client.get(path).status_code == 200, path


# The workflow -------------------------------------------------------------------------


def test_an_editors_change_is_a_draft_until_a_reviewer_publishes_it(
    content: LoadReport, editor: Any, reviewer: Any, client: Client
) -> None:
    massage = Remedy.objects.get(slug="massage")
    old_title = massage.title

    response = save(logged_in(editor), massage, title="Massage for a sore back")
    assert response.status_code == 302
    massage.refresh_from_db()
    assert massage.status == Status.DRAFT
    assert old_title in client.get("/relief/massage/").content.decode()
    assert "Massage for a sore back" not in client.get("/relief/massage/").content.decode()

    save(logged_in(editor), massage, button="_send_for_review")
    massage.refresh_from_db()
    assert massage.status == Status.IN_REVIEW

    save(logged_in(reviewer), massage, button="_publish")
    massage.refresh_from_db()
    assert massage.status == Status.PUBLISHED
    assert massage.reviewed_by == "Rita Tester"
    assert massage.last_reviewed == timezone.localdate()
    assert massage.next_review_due == timezone.localdate() + timedelta(
        days=settings.BACKCARE_REVIEW_EVERY_DAYS
    )
    assert "Massage for a sore back" in client.get("/relief/massage/").content.decode()


def test_an_editor_cannot_publish(content: LoadReport, editor: Any, client: Client) -> None:
    massage = Remedy.objects.get(slug="massage")
    response = save(logged_in(editor), massage, button="_publish", title="Sneaked in")
    assert response.status_code == 403
    massage.refresh_from_db()
    assert massage.title != "Sneaked in"
    assert "Sneaked in" not in client.get("/relief/massage/").content.decode()


def test_an_editor_cannot_publish_a_red_flag(
    content: LoadReport, editor: Any, client: Client
) -> None:
    fever = RedFlag.objects.get(slug="fever")
    response = save(logged_in(editor), fever, button="_publish", care_level="gp")
    assert response.status_code == 403
    fever.refresh_from_db()
    assert fever.published_version().care_level == "urgent"


def test_an_editor_is_not_offered_publishing(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    fever = RedFlag.objects.get(slug="fever")
    page = logged_in(editor).get(change_url(fever)).content.decode()
    assert 'name="_send_for_review"' in page
    assert 'name="_publish"' not in page
    assert (
        "publish_selected" not in logged_in(editor).get("/admin/articles/redflag/").content.decode()
    )
    assert 'name="_publish"' in logged_in(reviewer).get(change_url(fever)).content.decode()


def test_the_publish_action_is_for_reviewers_only(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    fever = RedFlag.objects.get(slug="fever")
    fever.title = "Fever: get help today"
    fever.status = Status.IN_REVIEW
    fever.save()
    data = {
        "action": "publish_selected",
        "_selected_action": [fever.pk],
        "_shown_version": [f"{fever.pk}:{fever.version}"],
    }
    logged_in(editor).post("/admin/articles/redflag/", data)
    fever.refresh_from_db()
    assert fever.status == Status.IN_REVIEW
    logged_in(reviewer).post("/admin/articles/redflag/", data)
    fever = RedFlag.objects.get(slug="fever")
    assert fever.status == Status.PUBLISHED
    assert fever.published_version().title == "Fever: get help today"


def test_changing_only_the_order_needs_no_review(
    content: LoadReport, editor: Any, client: Client
) -> None:
    massage = Remedy.objects.get(slug="massage")
    save(logged_in(editor), massage, order=1)
    massage.refresh_from_db()
    assert massage.status == Status.PUBLISHED
    page = client.get("/relief/").content.decode()
    assert page.index("/relief/massage/") < page.index("/relief/cold-therapy/")


# Previews -----------------------------------------------------------------------------


def test_staff_preview_a_draft_as_the_public_would_see_it(content: LoadReport, editor: Any) -> None:
    massage = Remedy.objects.get(slug="massage")
    save(logged_in(editor), massage, title="Draft title for massage")
    page = logged_in(editor).get(f"/preview/articles/remedy/{massage.pk}/").content.decode()
    assert "Draft title for massage" in page
    assert "Preview." in page
    assert "Get help now if" in page  # the same page as the public one


def test_nobody_else_can_see_a_preview(
    content: LoadReport, client: Client, django_user_model: Any
) -> None:
    massage = Remedy.objects.get(slug="massage")
    url = f"/preview/articles/remedy/{massage.pk}/"
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    member = django_user_model.objects.create_user("pat", password="x" * 20)
    response = logged_in(member).get(url)
    assert response.status_code == 302


def test_markdown_preview_is_sanitised_and_staff_only(
    content: LoadReport, editor: Any, client: Client
) -> None:
    body = "## Heading\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    html = logged_in(editor).post("/preview/markdown/", {"body": body}).content.decode()
    assert "<h2>Heading</h2>" in html and "<strong>bold</strong>" in html
    assert "<script>" not in html and 'href="javascript' not in html
    assert client.post("/preview/markdown/", {"body": body}).status_code == 302


def test_view_on_site_goes_to_the_preview_while_there_are_unpublished_changes(
    content: LoadReport, editor: Any
) -> None:
    massage = Remedy.objects.get(slug="massage")
    page = logged_in(editor).get(change_url(massage)).content.decode()
    assert 'href="/relief/massage/"' in page
    save(logged_in(editor), massage, title="Changed")
    page = logged_in(editor).get(change_url(massage)).content.decode()
    assert f'href="/preview/articles/remedy/{massage.pk}/"' in page


# History and revert -------------------------------------------------------------------


def test_history_shows_who_changed_what(content: LoadReport, editor: Any) -> None:
    massage = Remedy.objects.get(slug="massage")
    save(logged_in(editor), massage, body=massage.body + "\n\nA new closing line.")
    page = logged_in(editor).get(f"/admin/articles/remedy/{massage.pk}/history/").content.decode()
    assert "by Edna Tester" in page
    assert "+ A new closing line." in page
    assert "Loaded from content/ by load_content" in page


def test_revert_brings_back_an_earlier_version_as_a_draft(
    content: LoadReport, editor: Any, client: Client
) -> None:
    massage = Remedy.objects.get(slug="massage")
    original = massage.body
    first = massage.history.earliest()
    save(logged_in(editor), massage, body="Replaced entirely.")
    massage.refresh_from_db()

    response = logged_in(editor).post(
        f"/admin/articles/remedy/{massage.pk}/history/{first.history_id}/revert/",
        {"expected_version": massage.version},
    )
    assert response.status_code == 302
    massage.refresh_from_db()
    assert massage.body == original
    assert massage.status == Status.DRAFT
    assert massage.history.first().history_change_reason.startswith("Reverted to the version of")


def test_revert_restores_links_to_other_pages(content: LoadReport, editor: Any) -> None:
    movement = Remedy.objects.get(slug="gentle-movement")
    before = set(movement.exercises.values_list("pk", flat=True))
    first = movement.history.first()  # the version as loaded, links included
    save(logged_in(editor), movement, exercises=[])
    movement.refresh_from_db()
    assert not movement.exercises.exists()
    logged_in(editor).post(
        f"/admin/articles/remedy/{movement.pk}/history/{first.history_id}/revert/",
        {"expected_version": movement.version},
    )
    assert set(movement.exercises.values_list("pk", flat=True)) == before


def test_a_revert_from_a_stale_history_page_is_refused(content: LoadReport, editor: Any) -> None:
    massage = Remedy.objects.get(slug="massage")
    first = massage.history.earliest()
    stale_version = massage.version
    save(logged_in(editor), massage, body="Someone else's newer text.")
    logged_in(editor).post(
        f"/admin/articles/remedy/{massage.pk}/history/{first.history_id}/revert/",
        {"expected_version": stale_version},
    )
    massage.refresh_from_db()
    assert massage.body == "Someone else's newer text."


# No lost updates ----------------------------------------------------------------------


def test_the_second_of_two_overlapping_saves_is_refused_and_keeps_its_text(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    massage = Remedy.objects.get(slug="massage")
    opened = form_data(massage)  # both open the form at the same version

    first = logged_in(reviewer).post(
        change_url(massage), {**opened, "title": "Rita's title", "_continue": "1"}
    )
    assert first.status_code == 302

    second = logged_in(editor).post(
        change_url(massage), {**opened, "title": "Edna's title", "_continue": "1"}
    )
    page = second.content.decode()
    assert second.status_code == 200
    assert "Rita Tester saved this item" in page
    assert 'value="Edna&#x27;s title"' in page  # what Edna typed is still there
    assert "The version Rita Tester saved now says: Rita&#x27;s title" in page
    massage.refresh_from_db()
    assert massage.title == "Rita's title"

    # Edna merges and saves again from the re-shown form, which now carries the new version.
    merged = {**opened, "title": "Rita's and Edna's title", "_continue": "1"}
    merged["expected_version"] = second.context["adminform"].form["expected_version"].value()
    assert logged_in(editor).post(change_url(massage), merged).status_code == 302
    massage.refresh_from_db()
    assert massage.title == "Rita's and Edna's title"


def test_a_triage_question_is_protected_too(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    from backcare.triage.models import Question

    question = Question.objects.get(slug="other-signs")
    url = change_url(question)
    form = logged_in(editor).get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(inline_management(logged_in(editor).get(url)))
    question.text = "Changed by someone else"
    question.save()
    response = logged_in(editor).post(url, {**data, "text": "Edna's question", "_continue": "1"})
    assert response.status_code == 200
    assert "saved this item" in response.content.decode()


def inline_management(response: Any) -> dict[str, Any]:
    """The inline formsets' current data, as the browser would post it back."""
    data: dict[str, Any] = {}
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for form in fs.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None:
                    data[form.add_prefix(name)] = value
    return data


# The symptom checker ------------------------------------------------------------------


def test_a_triage_change_that_breaks_a_case_is_reported_and_cannot_be_published(
    content: LoadReport, editor: Any, reviewer: Any, client: Client
) -> None:
    from backcare.triage.models import FlowVersion, Rule

    rule = Rule.objects.get(slug="fever")
    url = change_url(rule)
    data = {
        "slug": rule.slug,
        "order": rule.order,
        "disposition": rule.disposition_id,
        "stop": "on",
        "when": list(rule.when.values_list("pk", flat=True)),
        "reason": rule.reason,
        "expected_version": rule.version,
        "_continue": "1",
    }
    from backcare.triage.models import Disposition

    data["disposition"] = Disposition.objects.get(level="gp").pk
    response = logged_in(editor).post(url, data, follow=True)
    page = response.content.decode()
    assert "This change breaks the symptom checker" in page
    assert "Answer other-signs:fever must lead to at least &#x27;urgent&#x27;" in page

    versions = FlowVersion.objects.count()
    assert logged_in(editor).post("/admin/triage/flowversion/publish/").status_code == 403
    response = publish_flow(logged_in(reviewer))
    assert "Not published: the symptom checker fails its checks" in response.content.decode()
    assert FlowVersion.objects.count() == versions

    # The public keeps the last good flow: fever is still urgent.
    client.post("/check/")
    for slug in [
        "numbness-or-weakness",
        "bladder-bowel-or-saddle",
        "chest-pain-or-breathlessness",
    ]:
        client.post(f"/check/{slug}/", {"answer": "no"})
    client.post("/check/other-signs/", {"answer": "fever"})
    client.post("/check/answers/")
    assert 'data-disposition="urgent"' in client.get("/check/result/").content.decode()


def test_a_reviewer_publishes_a_sound_change_after_review(
    content: LoadReport, editor: Any, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from backcare.triage.flows import published_flow
    from backcare.triage.models import FlowReviewRequest, FlowVersion, Question

    Question.objects.filter(slug="other-signs").update(text="Do you have a high temperature?")
    response = logged_in(editor).post(
        "/admin/triage/flowversion/review/", {"note": "clearer"}, follow=True
    )
    assert "Sent for review" in response.content.decode()
    assert FlowReviewRequest.objects.filter(requested_by=editor).exists()
    assert "In review." in logged_in(reviewer).get("/admin/triage/flowversion/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = publish_flow(logged_in(reviewer))
    assert "the public now sees it" in response.content.decode()
    latest = FlowVersion.objects.first()
    assert latest is not None and latest.published_by == reviewer
    flow = published_flow()
    signs = flow.question("other-signs") if flow else None
    assert signs is not None and signs.text == "Do you have a high temperature?"


# The admin's own safety ---------------------------------------------------------------


def test_the_index_counts_what_is_overdue_for_review(content: LoadReport, editor: Any) -> None:
    Remedy.objects.filter(slug="massage").update(
        next_review_due=timezone.localdate() - timedelta(days=1)
    )
    page = logged_in(editor).get("/admin/").content.decode()
    assert "Due for review: 1" in page
    assert "/admin/articles/remedy/?review=overdue" in page
    listing = logged_in(editor).get("/admin/articles/remedy/?review=overdue").content.decode()
    assert "/admin/articles/remedy/" in listing and "massage" in listing.lower()


def test_an_item_past_its_review_date_says_review_overdue_on_its_form(
    content: LoadReport, editor: Any
) -> None:
    overdue = Remedy.objects.get(slug="massage")
    overdue.next_review_due = timezone.localdate() - timedelta(days=1)
    overdue.save()
    page = logged_in(editor).get(change_url(overdue)).content.decode()
    assert "Review overdue" in page


def test_an_item_not_yet_due_for_review_does_not_say_overdue(
    content: LoadReport, editor: Any
) -> None:
    current = Remedy.objects.get(slug="massage")
    current.next_review_due = timezone.localdate() + timedelta(days=1)
    current.save()
    page = logged_in(editor).get(change_url(current)).content.decode()
    assert "Review overdue" not in page


def test_logins_are_locked_out_after_repeated_failures(db: None, editor: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", {"username": "edna", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = client.post("/admin/login/", {"username": "edna", "password": "wrong"})
    assert response.status_code == 429
    # Locked out now, even with the right password.
    response = client.post(
        "/admin/login/", {"username": "edna", "password": "correct horse battery staple"}
    )
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_a_right_password_logs_in_before_the_limit(db: None, editor: Any) -> None:
    client = Client(REMOTE_ADDR="10.0.0.8")
    client.post("/admin/login/", {"username": "edna", "password": "wrong"})
    response = client.post(
        "/admin/login/",
        {"username": "edna", "password": "correct horse battery staple", "next": "/admin/"},
    )
    assert response.status_code == 302


def test_staff_sessions_end_after_a_while_without_use(content: LoadReport, editor: Any) -> None:
    client = logged_in(editor)
    client.get("/admin/")
    assert client.session.get_expiry_age() == settings.BACKCARE_STAFF_IDLE_SECONDS


def test_weak_passwords_are_refused() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["password123", "backcare", "12345678901234"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_the_admin_shows_no_debug_page(content: LoadReport, editor: Any) -> None:
    assert settings.DEBUG is False
    response = logged_in(editor).get("/admin/articles/remedy/999999/change/", follow=True)
    assert "Traceback" not in response.content.decode()


def test_a_failing_triage_case_is_named_when_publishing_is_refused(
    content: LoadReport, reviewer: Any
) -> None:
    from backcare.triage.models import Disposition, FlowVersion, Rule

    Rule.objects.filter(slug="severe-pain").update(
        disposition=Disposition.objects.get(level="self_care")
    )
    response = publish_flow(logged_in(reviewer))
    page = response.content.decode()
    assert "Not published" in page
    assert "severe-pain-sees-a-doctor: expected gp, got self_care (FAILED)" in page
    assert FlowVersion.objects.count() == 1


def test_publishing_refuses_a_flow_changed_since_the_reviewer_looked(
    content: LoadReport, reviewer: Any
) -> None:
    from backcare.triage.models import FlowVersion, Question

    client = logged_in(reviewer)
    looked = client.get("/admin/triage/flowversion/").context["state"].checksum
    Question.objects.filter(slug="other-signs").update(text="Changed by an editor just now")
    response = client.post("/admin/triage/flowversion/publish/", {"checksum": looked}, follow=True)
    assert "changed after you opened this page" in response.content.decode()
    assert FlowVersion.objects.count() == 1


def test_the_publish_action_leaves_drafts_that_were_not_sent_for_review(
    content: LoadReport, reviewer: Any
) -> None:
    fever = RedFlag.objects.get(slug="fever")
    fever.title = "Unread draft"
    fever.status = Status.DRAFT
    fever.save()
    data = {
        "action": "publish_selected",
        "_selected_action": [fever.pk],
        "_shown_version": [f"{fever.pk}:{fever.version}"],
    }
    logged_in(reviewer).post("/admin/articles/redflag/", data)
    fever.refresh_from_db()
    assert fever.status == Status.DRAFT
    assert fever.published_version().title != "Unread draft"


def test_a_choice_changed_alone_protects_its_question_from_a_stale_save(
    content: LoadReport, editor: Any
) -> None:
    from backcare.triage.models import Choice, Question

    question = Question.objects.get(slug="other-signs")
    url = change_url(question)
    opened = logged_in(editor).get(url)
    form = opened.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(inline_management(opened))
    # Meanwhile someone raises a choice's level of care on its own page.
    choice = Choice.objects.get(question=question, value="not-sure")
    choice.floor = "emergency"
    choice.save()
    response = logged_in(editor).post(url, {**data, "_continue": "1"})
    assert response.status_code == 200 and "saved this item" in response.content.decode()
    choice.refresh_from_db()
    assert choice.floor == "emergency"


def test_only_reviewers_set_when_a_review_falls_due(
    content: LoadReport, editor: Any, reviewer: Any
) -> None:
    massage = Remedy.objects.get(slug="massage")
    save(logged_in(editor), massage, next_review_due="2099-01-01")
    massage.refresh_from_db()
    assert massage.next_review_due.year != 2099
    save(logged_in(reviewer), massage, next_review_due="2030-01-01")
    massage.refresh_from_db()
    assert massage.next_review_due.year == 2030
