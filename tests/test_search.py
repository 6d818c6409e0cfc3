"""Search: people's words, word forms, spelling, warning signs first, and no dead ends."""

import logging
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client

from backcare.articles import synonyms
from backcare.articles.models import RedFlag, Remedy, SearchWords, Status
from backcare.articles.search import MAX_QUERY_LENGTH, STOP_WORDS, search
from backcare.contentfiles.files import ContentError
from backcare.contentfiles.loader import LoadReport, load
from backcare.contentfiles.registry import all_kinds

from .helpers import edit


def slugs(query: str) -> list[str]:
    return [result.page.slug for result in search(query).results]


# Ranking ---------------------------------------------------------------------------------


def test_title_matches_rank_first(content: LoadReport) -> None:
    assert slugs("plank")[0] == "plank"


def test_every_form_of_a_word_finds_the_same_pages(content: LoadReport) -> None:
    found = [slugs(word) for word in ("bend", "bends", "bending")]
    assert all(result == found[0] for result in found[1:])
    assert "lifting-technique" in found[0][:3]


def test_any_matching_word_counts(content: LoadReport) -> None:
    assert slugs("ice xylophone")[0] == "cold-therapy"


def test_common_words_count_for_nothing(content: LoadReport) -> None:
    assert {"the", "how", "what", "my"} <= STOP_WORDS
    assert search("how do i the").results == []
    assert slugs("how do i use ice") == slugs("ice use")


def test_words_of_negation_are_kept(content: LoadReport) -> None:
    # "not" is part of a warning sign's name ("not getting better").
    assert "not" not in STOP_WORDS
    assert slugs("not getting better")[0] == "not-getting-better"


def test_an_empty_query_finds_nothing(content: LoadReport) -> None:
    assert search("   ").results == []
    assert search("!!!").results == []


# People's words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("put my back out", "back-muscle-spasm"),
        ("nurofen", "pain-relief-medicines"),
        ("acetaminophen", "pain-relief-medicines"),
        ("trapped nerve", "spine-problems"),
        ("warm bath", "heat-therapy"),
        ("frozen peas", "cold-therapy"),
    ],
)
def test_peoples_own_words_find_our_pages(content: LoadReport, query: str, slug: str) -> None:
    assert slug in slugs(query)[:3]


def test_an_items_other_names_find_it(content: LoadReport) -> None:
    assert "wobble board" not in Remedy.objects.get(slug="massage").body
    assert "massage" not in slugs("wobble board")
    massage = Remedy.objects.get(slug="massage")
    massage.also_known_as = "wobble board"
    massage.publish()
    massage.save()
    assert slugs("wobble board")[0] == "massage"


def test_a_published_change_to_the_search_words_is_used_at_once(content: LoadReport) -> None:
    words = SearchWords.objects.get(slug="synonyms")
    words.body += "\n- flibbertigibbet = massage\n"
    words.save()
    assert "massage" not in slugs("flibbertigibbet"), "an unpublished edit is not used"
    words.publish()
    words.save()
    assert slugs("flibbertigibbet")[0] == "massage"


def test_a_bad_line_in_the_search_words_file_is_named(content_dir: Path) -> None:
    edit(content_dir / "search" / "synonyms.md", "- nurofen,", "- nurofen but no equals sign\n- x,")
    with pytest.raises(ContentError, match=r"synonyms.md: body: line \d+"):
        load(content_dir, all_kinds())


def test_the_search_words_parser_refuses_lines_it_cannot_read() -> None:
    assert synonyms.parse("## Heading\n> note\n\n- a, b = c\n") == [
        synonyms.Entry(("a", "b"), ("c",))
    ]
    for bad in ("a = b", "- a = b = c", "- = b", "- a ="):
        with pytest.raises(synonyms.SynonymError):
            synonyms.parse(bad)


# Misspellings ----------------------------------------------------------------------------


def test_a_word_a_letter_or_two_out_still_finds_the_page(content: LoadReport) -> None:
    outcome = search("paracetmol")
    assert outcome.results[0].page.slug == "pain-relief-medicines"
    assert outcome.suggestion == "paracetamol"
    assert search("excercise").suggestion == "exercise"


def test_known_and_short_words_are_not_corrected(content: LoadReport) -> None:
    assert search("massage").suggestion == ""
    assert search("bak").suggestion == ""
    assert search("zebra").suggestion == ""


def test_the_page_offers_the_corrected_spelling_as_a_link(
    client: Client, content: LoadReport
) -> None:
    html = client.get("/search/", {"q": "paracetmol"}).content.decode()
    assert 'Did you mean <a href="/search/?q=paracetamol">paracetamol</a>?' in html
    assert "Did you mean" not in client.get("/search/", {"q": "paracetamol"}).content.decode()


# Warning signs first ---------------------------------------------------------------------


def test_a_query_describing_a_warning_sign_puts_that_page_first(content: LoadReport) -> None:
    outcome = search("bum numb")
    assert outcome.results[0].page.slug == "bladder-bowel-or-saddle-numbness"
    assert outcome.results[0].warning
    assert outcome.warnings[0].page.slug == "bladder-bowel-or-saddle-numbness"


def test_the_banner_gives_the_plain_instruction_from_the_warning_signs_page(
    client: Client, content: LoadReport
) -> None:
    html = client.get("/search/", {"q": "chest pain"}).content.decode()
    main = html.split("<main", 1)[1]
    banner = main.split('class="search-warning', 1)[1].split("</section>", 1)[0]
    assert "Warning sign: Chest pain or trouble breathing" in banner
    assert "Call 999 now and ask for an ambulance." in banner
    # The page's own advice: an ambulance, not a trip to hospital.
    assert "emergency department" not in banner
    assert 'href="/check/"' in banner
    assert 'href="/when-to-see-a-doctor/chest-pain-or-breathlessness/"' in banner
    # Before any result.
    assert main.index('class="search-warning') < main.index('id="results-heading"')


def test_the_banners_words_come_from_the_content_a_reviewer_signed_off(
    client: Client, content: LoadReport
) -> None:
    fever = RedFlag.objects.get(slug="fever")
    fever.body = fever.body.replace(
        "Get help today: call your doctor's surgery",
        "Get help today, please: call your doctor's surgery",
    )
    fever.save()
    assert "today, please" not in client.get("/search/", {"q": "fever"}).content.decode()
    fever.publish()
    fever.save()
    assert "today, please" in client.get("/search/", {"q": "fever"}).content.decode()


def test_every_warning_sign_has_a_plain_instruction(content: LoadReport) -> None:
    for flag in RedFlag.objects.published():
        page = flag.published_version()
        assert page.what_to_do() and page.what_to_do() != page.summary, flag.slug
        assert "**" not in page.what_to_do()


@pytest.mark.parametrize("query", ["ice pack", "heat", "plank", "posture", "stretching"])
def test_everyday_queries_show_no_warning_banner(
    client: Client, content: LoadReport, query: str
) -> None:
    html = client.get("/search/", {"q": query}).content.decode()
    assert "search-warning" not in html
    assert "Warning sign" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_withdrawn_warning_sign_is_not_shown(client: Client, content: LoadReport) -> None:
    flag = RedFlag.objects.get(slug="fever")
    flag.withdraw()
    flag.save()
    html = client.get("/search/", {"q": "fever"}).content.decode()
    assert "/when-to-see-a-doctor/fever/" not in html
    assert "search-warning" not in html


# No dead ends ----------------------------------------------------------------------------


def test_no_results_says_so_and_offers_other_ways(client: Client, content: LoadReport) -> None:
    html = client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No results for “zebra”" in html
    for url in ("/check/", "/when-to-see-a-doctor/", "/relief/", "/exercises/", "/causes/"):
        assert f'href="{url}"' in html, url


def test_results_also_offer_the_symptom_checker_and_sections(
    client: Client, content: LoadReport
) -> None:
    html = client.get("/search/", {"q": "posture"}).content.decode()
    assert 'href="/check/"' in html and 'href="/prevention/"' in html


# The page, with and without htmx ---------------------------------------------------------


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


def test_a_too_long_query_is_refused_with_a_message(client: Client, content: LoadReport) -> None:
    response = client.get("/search/", {"q": "x" * (MAX_QUERY_LENGTH + 1)})
    assert response.status_code == 400
    assert "fewer words" in response.content.decode()


def test_a_query_with_odd_characters_is_safe(client: Client, content: LoadReport) -> None:
    for query in ("<script>%00'\" OR 1=1", '"unclosed', "NEAR(a b)", "a* OR b:", "🙂 ça"):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>" not in response.content.decode().split("<main")[1]


# Privacy and caching ---------------------------------------------------------------------


def test_search_results_never_fill_the_public_page_cache(
    client: Client, content: LoadReport
) -> None:
    for n in range(5):
        client.get("/search/", {"q": f"heat {n}"})
        client.get("/search/", {"q": f"heat {n}"}, headers={"HX-Request": "true"})
    assert len(caches["pages"]._cache) == 0  # type: ignore[attr-defined]
    response = client.get("/search/", {"q": "heat"})
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_queries_are_never_logged(
    client: Client, content: LoadReport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.get("/search/", {"q": "numb bum secretword"})
    client.get("/search/", {"q": "secretword" * 20})
    assert "secretword" not in caplog.text
    assert all("secretword" not in str(record.args) for record in caplog.records)


def test_the_same_query_gives_the_same_results_after_a_rebuild(content: LoadReport) -> None:
    from backcare.articles.search import forget_index

    first = [(r.page.slug, round(r.score, 6)) for r in search("back pain at night").results]
    forget_index()
    assert [(r.page.slug, round(r.score, 6)) for r in search("back pain at night").results] == first


def test_a_draft_edit_to_a_page_is_not_searchable(content: LoadReport) -> None:
    massage = Remedy.objects.get(slug="massage")
    massage.title = "Massage with kumquats"
    massage.status = Status.DRAFT
    massage.save()
    assert "massage" not in slugs("kumquats")


# The search words list in the admin ------------------------------------------------------


def test_editors_change_the_search_words_in_the_admin_and_reviewers_publish_them(
    content: LoadReport, editor: object, reviewer: object
) -> None:
    from .test_admin import logged_in, save

    words = SearchWords.objects.get(slug="synonyms")
    edited = words.body + "\n- flibbertigibbet = massage\n"
    assert logged_in(editor).get("/admin/articles/searchwords/").status_code == 200
    response = save(logged_in(editor), words, button="_send_for_review", body=edited)
    assert response.status_code == 302
    words.refresh_from_db()
    assert words.status == Status.IN_REVIEW
    assert "massage" not in slugs("flibbertigibbet")
    save(logged_in(reviewer), words, button="_publish")
    assert slugs("flibbertigibbet")[0] == "massage"


def test_a_bad_line_typed_in_the_admin_is_refused_and_kept_in_the_form(
    content: LoadReport, editor: object
) -> None:
    from .test_admin import logged_in, save

    words = SearchWords.objects.get(slug="synonyms")
    bad = words.body + "\n- flibbertigibbet means massage\n"
    response = save(logged_in(editor), words, body=bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "needs exactly one =" in html and "flibbertigibbet means massage" in html
    words.refresh_from_db()
    assert "flibbertigibbet" not in words.body
