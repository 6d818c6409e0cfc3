"""Signs that the advice can be trusted: review dates, sources the public can follow, and a
page that says who checks the advice and what the checker can and cannot do."""

import re
from typing import Any

import pytest
from django.test import Client

from backcare.articles.models import CONTENT_MODELS, Reference, Remedy
from backcare.contentfiles.loader import LoadReport

pytestmark = pytest.mark.django_db

PUBLIC_SOURCES = ("https://www.nhs.uk/", "https://www.nice.org.uk/", "https://cks.nice.org.uk/")


def test_every_published_item_names_guidance_the_public_can_follow(content: LoadReport) -> None:
    for model in CONTENT_MODELS:
        for item in model.objects.published():
            refs = item.published_version().references
            assert refs, item
            assert all(ref.url.startswith(PUBLIC_SOURCES) for ref in refs), (item, refs)
            assert "seed article" not in item.source


def test_a_source_is_split_into_references_with_and_without_links() -> None:
    item = Remedy(source="NHS: Back pain <https://www.nhs.uk/conditions/back-pain/>; A leaflet")
    assert item.references == [
        Reference("NHS: Back pain", "https://www.nhs.uk/conditions/back-pain/"),
        Reference("A leaflet", ""),
    ]


def test_only_https_addresses_become_links() -> None:
    assert Remedy(source="Odd <javascript:alert(1)>").references == [
        Reference("Odd <javascript:alert(1)>", "")
    ]


@pytest.mark.parametrize("model", CONTENT_MODELS)
def test_each_content_page_shows_its_review_dates_and_sources(
    client: Client, content: LoadReport, model: Any
) -> None:
    item = model.objects.published().first().published_version()
    page = client.get(item.get_absolute_url()).content.decode()
    assert f'<dt>Last reviewed</dt><dd><time datetime="{item.last_reviewed:%Y-%m-%d}">' in page
    assert f'<dt>Next review due</dt><dd><time datetime="{item.next_review_due:%Y-%m-%d}">' in page
    for ref in item.references:
        assert f'<a href="{ref.url}" rel="noopener">{ref.title}</a>' in page
    assert '<a href="/about-this-site/">How we write and check our advice</a>' in page


def test_about_this_site_says_who_it_is_for_how_it_is_checked_and_its_limits(
    client: Client, db: None
) -> None:
    page = client.get("/about-this-site/").content.decode()
    for heading in (
        "Who it is for",
        "How we write the advice",
        "How the advice is checked",
        "What the symptom checker can do",
        "What it cannot do",
        "Tell us about a problem",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "cannot diagnose" in page
    assert re.search(r'<a href="/about-this-site/">About this site</a>', page)  # footer


def test_about_this_site_gives_the_contact_address_when_set(
    client: Client, db: None, settings: Any
) -> None:
    settings.BACKCARE_CONTACT_EMAIL = "help@backcare.example.org"
    page = client.get("/about-this-site/").content.decode()
    assert '<a href="mailto:help@backcare.example.org">help@backcare.example.org</a>' in page
