"""Search over published content, with and without htmx."""

import pytest
from django.test import Client

from backcare.articles.search import MAX_QUERY_LENGTH, search
from backcare.contentfiles.loader import LoadReport


def test_search_finds_pages_holding_every_word(content: LoadReport) -> None:
    titles = [result.page.title for result in search("ice pack")]
    assert "Cold packs for the first few days" in titles


def test_title_matches_rank_first(content: LoadReport) -> None:
    results = search("plank")
    assert results[0].page.slug == "plank"


def test_words_match_at_the_start_of_words_only(content: LoadReport) -> None:
    # "ice" must not match "price" or "advice".
    for result in search("ice"):
        text = f"{result.page.title} {result.page.summary} {result.page.body}".lower()
        assert " ice" in text or "\nice" in text or text.startswith("ice")


def test_an_empty_query_finds_nothing(content: LoadReport) -> None:
    assert search("   ") == []
    assert search("!!!") == []


def test_search_page_works_without_javascript(client: Client, content: LoadReport) -> None:
    response = client.get("/search/", {"q": "posture"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'href="/causes/poor-posture/"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_search_as_you_type_returns_only_the_results(
    htmx_client: Client, content: LoadReport
) -> None:
    response = htmx_client.get("/search/", {"q": "posture"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="search-results"')
    assert 'href="/causes/poor-posture/"' in html


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_full_page(
    htmx_client: Client, content: LoadReport, header: str
) -> None:
    response = htmx_client.get("/search/", {"q": "posture"}, headers={header: "true"})
    assert "<html" in response.content.decode()


def test_no_results_suggests_other_words(client: Client, content: LoadReport) -> None:
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No results for “zebra”" in html


def test_a_too_long_query_is_refused_with_a_message(client: Client, content: LoadReport) -> None:
    response = client.get("/search/", {"q": "x" * (MAX_QUERY_LENGTH + 1)})
    assert response.status_code == 400
    assert "fewer words" in response.content.decode()


def test_a_query_with_odd_characters_is_safe(client: Client, content: LoadReport) -> None:
    response = client.get("/search/", {"q": "<script>%00'\" OR 1=1"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]
