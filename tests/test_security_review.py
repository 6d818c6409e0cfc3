"""Findings of the outside security review (docs/security.md), each held closed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from backcare.articles.models import RedFlag, Remedy, Status
from backcare.contentfiles.loader import LoadReport

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# 2. Bulk publishing signs off only the versions the reviewer was shown ------------------


def in_review(*slugs: str) -> list[Remedy]:
    items = []
    for slug in slugs:
        item = Remedy.objects.get(slug=slug)
        item.title += " (checked)"
        item.status = Status.IN_REVIEW
        item.save()
        items.append(item)
    return items


def shown_on_the_list(client: Client) -> list[str]:
    page = client.get("/admin/articles/remedy/?status__exact=in_review").content.decode()
    return re.findall(r'name="_shown_version" value="([0-9]+:[0-9]+)"', page)


def publish_selected(client: Client, items: list[Remedy], shown: list[str]) -> str:
    data = {
        "action": "publish_selected",
        "_selected_action": [item.pk for item in items],
        "_shown_version": shown,
    }
    response = client.post("/admin/articles/remedy/", data, follow=True)
    return response.content.decode()


def test_bulk_publishing_refuses_an_item_changed_after_the_list_was_shown(
    content: LoadReport, reviewer: Any
) -> None:
    massage, cold = in_review("massage", "cold-therapy")
    client = logged_in(reviewer)
    shown = shown_on_the_list(client)
    assert f"{massage.pk}:{massage.version}" in shown
    # An editor changes the massage page while the reviewer is reading the list.
    massage.refresh_from_db()
    massage.summary = "Something the reviewer never saw."
    massage.save()

    page = publish_selected(client, [massage, cold], shown)

    massage.refresh_from_db()
    cold.refresh_from_db()
    assert massage.status == Status.IN_REVIEW
    assert massage.published_version().summary != "Something the reviewer never saw."
    assert (
        "Something the reviewer never saw." not in Client().get("/relief/massage/").content.decode()
    )
    assert cold.status == Status.PUBLISHED and cold.reviewed_by == "Rita Tester"
    assert "1 item(s) published" in page
    assert "changed after you opened this list" in page
    assert massage.title in page


def test_bulk_publishing_refuses_items_that_were_never_shown(
    content: LoadReport, reviewer: Any
) -> None:
    (massage,) = in_review("massage")
    publish_selected(logged_in(reviewer), [massage], shown=[])
    massage.refresh_from_db()
    assert massage.status == Status.IN_REVIEW


def test_bulk_publishing_signs_off_what_was_shown(content: LoadReport, reviewer: Any) -> None:
    items = in_review("massage", "cold-therapy")
    client = logged_in(reviewer)
    page = publish_selected(client, items, shown_on_the_list(client))
    assert "2 item(s) published" in page
    for item in items:
        item.refresh_from_db()
        assert item.status == Status.PUBLISHED
        assert item.published_version().title.endswith("(checked)")
    assert RedFlag.objects.filter(status=Status.IN_REVIEW).count() == 0
