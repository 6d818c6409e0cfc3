"""What every outcome says, rendered for every recorded case: reasons that match the answer
given, no sentence said twice, a safety net in sentences, and a plan that fits the person."""

import re
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory

from backcare.articles.models import ContentItem
from backcare.triage.engine import Flow, Level, Outcome, evaluate
from backcare.triage.plan import Plan, build_plan

CASES_DIR = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"
CASES = [yaml.safe_load(path.read_text()) for path in sorted(CASES_DIR.glob("*.yaml"))]


pytestmark = pytest.mark.django_db
_loaded: list[tuple[Flow, list[ContentItem]]] = []


@pytest.fixture
def published(db: None) -> tuple[Flow, list[ContentItem]]:
    """The flow and the published pages from content/, as plain objects (loaded once)."""
    from django.db import transaction

    from backcare.articles.models import all_published_pages
    from backcare.contentfiles.loader import load
    from backcare.contentfiles.registry import all_kinds
    from backcare.triage.flows import build_working_flow

    if not _loaded:
        with transaction.atomic():
            load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())
            _loaded.append((build_working_flow(), all_published_pages()))
            transaction.set_rollback(True)
    return _loaded[0]


def outcome_of(flow: Flow, answers: dict[str, list[str]]) -> Outcome:
    result = evaluate(flow, answers)
    assert isinstance(result, Outcome), f"stopped at {result.question.slug}"
    return result


def rendered(plan: Plan) -> tuple[str, str]:
    """The outcome as the page shows it (the #check part), and the plan as text."""
    request = RequestFactory().get("/check/result/")
    text = render_to_string("triage/plan.txt", {"plan": plan}, request)
    context = {
        "outcome": plan.outcome,
        "plan": plan,
        "plan_text": text,
        "fragment": True,
        "title": "t",
        "back_url": "/check/",
        "restart_url": "/check/restart/",
        "clear_url": "/check/clear/",
    }
    return render_to_string("triage/result.html#check", context, request), text


def words(html: str) -> str:
    """The text a person reads on the page (the plan's copy in its text box left out)."""
    html = re.sub(r"<textarea.*?</textarea>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def sentences(text: str) -> list[str]:
    # Short phrases such as "Do it 2 or 3 days a week." may describe two different
    # exercises; a sentence that says something is longer than that. A sentence may end
    # inside brackets or quotes, as in "- Bridge (… Do it 2 or 3 days a week.)".
    ends = r"(?:(?<=[.!?])|(?<=[.!?][)\"”]))\s+"
    return [s.strip() for s in re.split(ends, text) if len(s.strip()) > 30]


def section(html: str, heading_id: str) -> str:
    start = html.find(f'aria-labelledby="{heading_id}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


@pytest.fixture
def every_case(published: tuple[Flow, list[ContentItem]]) -> list[tuple[str, Plan, str, str]]:
    flow, pages = published
    results = []
    for case in CASES:
        plan = build_plan(outcome_of(flow, case["answers"]), pages)
        page, text = rendered(plan)
        results.append((case["slug"], plan, page, text))
    return results


def test_the_cases_reach_every_disposition(every_case: list[tuple[str, Plan, str, str]]) -> None:
    assert {plan.outcome.level for _, plan, _, _ in every_case} == set(Level)


def test_a_reason_says_you_told_us_after_yes_and_may_only_after_not_sure(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    flow, _ = published
    for rule in flow.rules:
        unsure = all(values == {"not-sure"} for values in rule.when.values())
        if unsure:
            assert rule.reason.startswith("You were not sure"), rule.slug
        else:
            assert rule.reason.startswith("You told us"), rule.slug
            assert not re.search(r"\bmay\b", rule.reason), f"{rule.slug}: 'may' after a Yes"


def test_every_rule_names_its_guidance(published: tuple[Flow, list[ContentItem]]) -> None:
    flow, _ = published
    for rule in flow.rules:
        assert re.search(r"NICE|NHS|seed article", rule.source), rule.slug


def test_no_outcome_says_the_same_sentence_twice(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, _, page, text in every_case:
        for shown in (words(page), text):
            repeated = [s for s, n in Counter(sentences(shown)).items() if n > 1]
            assert not repeated, f"{slug}: {repeated}"
        assert "switch to heat after the first few days" not in words(page).replace(
            "Then switch to heat after the first few days", ""
        )


def test_the_safety_net_is_sentences_and_never_repeats_the_reason_given(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        if plan.outcome.level == Level.EMERGENCY:
            continue
        net = section(page, "watch-heading")
        items = [words(li) for li in re.findall(r"<li>(.*?)</li>", net, re.S)]
        assert items, slug
        for item in items:
            assert item.endswith("."), f"{slug}: {item!r}"
            assert item[0].isupper(), f"{slug}: {item!r}"
        for flag in plan.warning_signs:
            assert Level(flag.care_level).rank > plan.outcome.level.rank, slug


def test_what_to_tell_the_doctor_has_nothing_meaningless(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        told = words(section(page, "tell-heading"))
        if plan.shows_clinician_summary:
            assert told, slug
        for meaningless in ("None of these", " No "):
            assert meaningless not in f" {told} ", f"{slug}: {meaningless!r}"


def test_based_on_what_you_were_doing_only_when_they_said(
    every_case: list[tuple[str, Plan, str, str]],
) -> None:
    for slug, plan, page, _ in every_case:
        if "Based on what you were doing" in page:
            chosen = {c.value for c in plan.outcome.answers.get("what-happened", ())}
            assert chosen - {"dont-know", "something-else"}, slug


# The plan fits the person ----------------------------------------------------------------

SELF_CARE = next(c["answers"] for c in CASES if c["slug"] == "no-warning-signs-self-care")
LOW_BACK_MOVES = ("knee-to-chest-stretch", "pelvic-tilt", "bridge", "plank", "controlled-leg-raise")
NECK_MOVES = ("neck-turns-and-tilts", "shoulder-rolls-and-squeeze")


def plan_for(published: tuple[Flow, list[ContentItem]], **changes: list[str]) -> Plan:
    flow, pages = published
    answers = SELF_CARE | {k.replace("_", "-"): v for k, v in changes.items()}
    return build_plan(outcome_of(flow, answers), pages)


def exercise_slugs(plan: Plan) -> set[str]:
    return {e.slug for e in [*plan.easing_exercises, *plan.strengthening]}


def test_a_neck_gets_neck_moves_and_never_a_low_back_stretch(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    for where in (["neck-and-shoulders"], ["middle-or-upper-back"]):
        plan = plan_for(published, where_it_hurts=where)
        assert exercise_slugs(plan) == set(NECK_MOVES)
        assert "neck-and-upper-back-relief" in {r.slug for r in plan.now}
        page, text = rendered(plan)
        for slug in LOW_BACK_MOVES:
            assert f"/exercises/{slug}/" not in page
        assert "Gentle neck turns and tilts" in text


def test_a_low_back_gets_no_neck_moves_and_both_get_both(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    low = plan_for(published)
    assert not exercise_slugs(low) & set(NECK_MOVES)
    assert "neck-and-upper-back-relief" not in {r.slug for r in low.now}
    both = plan_for(published, where_it_hurts=["low-back", "neck-and-shoulders"])
    assert set(NECK_MOVES) <= exercise_slugs(both)
    assert "knee-to-chest-stretch" in exercise_slugs(both)


def test_pregnancy_changes_the_medicines_positions_exercises_and_safety_net(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, medicine_cautions=["pregnant"])
    assert plan.pregnancy is not None and plan.pregnancy in plan.now
    assert not exercise_slugs(plan) & set(LOW_BACK_MOVES)
    page, text = rendered(plan)
    assert "because you told us: “I am pregnant, or I might be”" in words(page)
    net = words(section(page, "watch-heading"))
    assert "Because you told us you may be pregnant" in net and "midwife" in net
    assert "midwife" in text


def test_a_pain_relief_caution_says_why_and_what_to_avoid(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, medicine_cautions=["stomach", "asthma"])
    shown = words(rendered(plan)[0])
    assert "Ask a pharmacist" in shown
    assert (
        "you told us: “A stomach ulcer or bleeding from the stomach, now or in the past”, “Asthma”"
        in shown
    )
    assert "Do not take anti-inflammatory painkillers, such as ibuprofen" in shown
    # Only ever named as something to avoid.
    assert shown.lower().count("ibuprofen") == 1


def test_what_they_tried_is_acknowledged(published: tuple[Flow, list[ContentItem]]) -> None:
    plan = plan_for(published, tried=["cold", "movement"])
    page, _ = rendered(plan)
    assert "You told us you have tried this (“A cold pack or ice”)" in words(page)
    assert "You told us you have tried this (“Gentle movement or stretches”)" in words(page)
    assert "You told us you have tried this" not in words(rendered(plan_for(published))[0])


def test_exercise_or_heat_with_little_to_drink_means_drink_water_now_and_the_minerals(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, what_happened=["exercise-or-heat"])
    now = words(section(rendered(plan)[0], "now-heading"))
    assert now.index("Drink some water now") < now.index("Find a comfortable position")
    for mineral, food in (("potassium", "bananas"), ("magnesium", "nuts"), ("calcium", "milk")):
        assert mineral in now and food in now
    assert "Drink some water now" not in words(rendered(plan_for(published))[0])


def test_chest_pain_tells_them_to_call_an_ambulance_not_to_go_by_car(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    plan = plan_for(published, chest_pain_or_breathlessness=["yes"])
    page, text = rendered(plan)
    assert "ask for an ambulance" in words(page) and "Do not go to hospital by car" in words(page)
    assert "go straight to the nearest emergency department" not in words(page)
    assert "Do not go to hospital by car" in text
    spinal = words(rendered(plan_for(published, bladder_bowel_or_saddle=["yes"]))[0])
    assert "go straight to the nearest emergency department" in spinal
    assert "Do not drive yourself" in spinal


# One home for the wording of care ------------------------------------------------------
#
# Each level of care is worded once, in content/triage/dispositions/ (signed off with the
# flow), and the emergency signs once, in content/red-flags/. Every page reads them through
# backcare.triage.care; nothing in templates/ or backcare/ may say them again.

ROOT = Path(settings.BASE_DIR)
CONTENT = Path(settings.BACKCARE_CONTENT_DIR)
SOURCE_SUFFIXES = {".html", ".txt", ".js", ".py"}

# The words pages used to hard-code, whatever the content now says.
HARD_CODED = [
    re.compile(
        r"call\s+(<strong>)?(\{\{\s*emergency_number\s*\}\}|\{emergency_number\}|999)"
        r"(</strong>)?\s+now",
        re.I,
    ),
    re.compile(r"get (medical )?help (today|the same day)", re.I),
    re.compile(r"see a doctor (in the next few days|soon)", re.I),
    re.compile(r"urgent: (today|get help)", re.I),
    re.compile(r"trouble passing urine", re.I),  # the emergency signs, listed by hand
]


def source_files() -> list[Path]:
    return sorted(
        path
        for folder in ("templates", "backcare")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in SOURCE_SUFFIXES and "migrations" not in path.parts
    )


def reviewed_phrases() -> set[str]:
    """The reviewed words of each level and the emergency signs' names, as written in
    content/ and as a page shows them."""
    texts = []
    for path in (CONTENT / "triage" / "dispositions").glob("*.yaml"):
        raw = yaml.safe_load(path.read_text())
        texts += [raw["title"], raw["summary"], raw["label"]]
    for path in (CONTENT / "red-flags").glob("*.md"):
        meta = yaml.safe_load(path.read_text().split("---")[1])
        if meta["care_level"] == "emergency":
            texts.append(meta["title"])
    phrases = set()
    for text in texts:
        if len(text) < 12:  # "Emergency", "Self-care": too common to look for
            continue
        phrases.add(text.lower())
        phrases.add(
            text.replace("{emergency_number}", "999").replace("{urgent_service}", "NHS 111").lower()
        )
        phrases.add(
            text.replace("{emergency_number}", "{{ emergency_number }}")
            .replace("{urgent_service}", "{{ urgent_service }}")
            .lower()
        )
    return phrases


def test_care_level_wording_is_written_only_in_content() -> None:
    phrases = reviewed_phrases()
    assert len(phrases) > 10
    found = []
    for path in source_files():
        text = re.sub(r"\s+", " ", path.read_text())
        lowered = text.lower()
        found += [f"{path.relative_to(ROOT)}: {p!r}" for p in phrases if p in lowered]
        found += [
            f"{path.relative_to(ROOT)}: {m.group(0)!r}"
            for pattern in HARD_CODED
            for m in pattern.finditer(text)
        ]
    assert not found, "Say it through backcare.triage.care instead:\n" + "\n".join(found)


def test_the_hard_coding_check_finds_what_it_looks_for() -> None:
    """The scan above is only worth something if it can fail."""
    samples = [
        '<p class="care-title">Call {{ emergency_number }} now if you have</p>',
        "Urgent: get help today",
        "See a doctor in the next few days",
        "like new numbness or weakness, trouble passing urine, or chest pain",
    ]
    for sample in samples:
        assert any(p.search(sample) for p in HARD_CODED), sample
    assert "get medical help today" in reviewed_phrases()
    assert "chest pain or trouble breathing" in reviewed_phrases()


@pytest.fixture
def reworded(content: object, django_capture_on_commit_callbacks: Any) -> None:
    """The levels reworded in the admin and the flow published again."""
    from backcare.triage.flows import publish_working_flow
    from backcare.triage.models import Disposition

    Disposition.objects.filter(level="emergency").update(
        title="Ring {emergency_number} straight away",
        label="Very urgent",
        summary="Or go to the emergency department, with someone else driving.",
    )
    Disposition.objects.filter(level="urgent").update(
        title="Find a doctor today", label="Today, please"
    )
    Disposition.objects.filter(level="gp").update(summary="Make an appointment this week.")
    Disposition.objects.filter(level="self_care").update(
        summary="Still sore after a week, or worse? Then book a doctor."
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_working_flow() is not None


def test_every_page_shows_the_levels_in_the_published_words(client: Any, reworded: None) -> None:
    from backcare.articles.models import RedFlag

    emergency = RedFlag.objects.published().filter(care_level="emergency").first()
    urgent = RedFlag.objects.published().filter(care_level="urgent").first()
    assert emergency and urgent
    pages = {
        "/": ["Ring 999 straight away"],
        "/check/": ["Ring 999 straight away if you have back pain and any of these:"],
        "/when-to-see-a-doctor/": [
            "Ring 999 straight away if you have",
            "Find a doctor today if you have",
            "Make an appointment this week.",
            "Or go to the emergency department, with someone else driving.",
        ],
        emergency.get_absolute_url(): ["Very urgent", "Ring 999 straight away"],
        urgent.get_absolute_url(): ["Today, please", "Find a doctor today"],
        "/relief/cold-therapy/": ["Ring 999 straight away.", "Find a doctor today."],
        "/offline/": ["Ring 999 straight away if you have back pain"],
        "/no-such-page/": ["Ring 999 straight away if you have back pain"],
        "/about-this-site/": ["Find a doctor today."],
    }
    for url, expected in pages.items():
        page = unescape(client.get(url).content.decode())
        for words in expected:
            assert words in page, f"{url}: {words!r}"
        # (A warning sign's own page may say it in its own reviewed words.)
        if url != emergency.get_absolute_url():
            assert "Call 999 now" not in page, url
        assert "Get medical help today" not in page, url


def test_a_page_cached_after_a_publish_never_shows_the_words_before_it(
    client: Any, content: object
) -> None:
    """Two processes without Redis: one publishes new words; the other still holds the old
    flow's pointer in its own cache, but must not store a page under the new content
    version with the old words (it would be served for BACKCARE_PAGE_CACHE_SECONDS)."""
    from backcare.articles.models import RedFlag
    from backcare.core.models import current_content_version
    from backcare.triage.flows import CACHE_KEY, publish_working_flow
    from backcare.triage.models import Disposition

    urgent = RedFlag.objects.published().filter(care_level="urgent").first()
    assert urgent
    pages = {"/": "Call 999 now", urgent.get_absolute_url(): "Get medical help today"}
    for url, words in pages.items():
        assert words in unescape(client.get(url).content.decode()), url
    old_pointer = cache.get(CACHE_KEY)
    assert old_pointer is not None
    before = current_content_version()
    Disposition.objects.filter(level="emergency").update(title="Ring {emergency_number} now")
    Disposition.objects.filter(level="urgent").update(title="Find a doctor today")
    assert publish_working_flow() is not None
    assert current_content_version() > before
    # The other process: its cache still points at the flow it read before the publish.
    cache.set(CACHE_KEY, old_pointer, settings.BACKCARE_FLOW_CACHE_SECONDS)
    new = {"/": "Ring 999 now", urgent.get_absolute_url(): "Find a doctor today"}
    for url, words in new.items():
        page = unescape(client.get(url).content.decode())
        assert words in page, url
        assert pages[url] not in page, url
        # And the copy the page cache kept under the new version says the same.
        assert words in unescape(client.get(url).content.decode()), url


def test_the_outcome_and_its_plan_show_the_published_words(client: Any, reworded: None) -> None:
    from tests.test_triage_views import SELF_CARE, result_page

    client.post("/check/")
    page = unescape(result_page(client, SELF_CARE))
    assert "Still sore after a week, or worse? Then book a doctor." in page
    assert "Ring 999 straight away" in page  # the warning signs' heading
    assert "If it is no better after several days" not in page
    text = client.get("/check/result/plan.txt").content.decode()
    assert "Still sore after a week, or worse? Then book a doctor." in text


def test_with_no_published_flow_pages_fall_back_on_the_reviewed_files_loudly(
    client: Any, content: object, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.cache import cache

    from backcare.triage import care
    from backcare.triage.models import FlowVersion

    FlowVersion.objects.all().delete()
    cache.clear()
    care.forget()
    page = unescape(client.get("/when-to-see-a-doctor/").content.decode())
    for words in ("Call 999 now if you have", "Get medical help today if you have"):
        assert words in page
    assert "No published wording for" in caplog.text
    unavailable = unescape(client.get("/check/").content.decode())
    assert "Call 999 now if you have back pain and any of these:" in unavailable
    assert 'href="tel:999"' in unavailable


def test_with_the_database_down_error_pages_still_say_when_to_call(
    content: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import DatabaseError

    from backcare.core.middleware import database_unavailable
    from backcare.triage import care

    def down(*args: object, **kwargs: object) -> None:
        raise DatabaseError("down")

    monkeypatch.setattr(care, "published_flow", down)
    monkeypatch.setattr(care, "all_published_pages", down)
    care.forget()
    page = unescape(database_unavailable().content.decode())
    assert "Call 999 now if you have back pain and any of these:" in page
    assert "Chest pain or trouble breathing" in page
    assert '<a class="button button-call" href="tel:999">Call 999</a>' in page
    assert "using the reviewed content files" in caplog.text


def test_the_fallback_emergency_signs_keep_a_sign_whose_public_copy_is_under_edit(
    content: object, tmp_path: Path, settings: Any
) -> None:
    """A published emergency sign being edited again is exported as `status: in_review`
    with a `published:` block: it is still public, so the 503/500/offline pages' fallback
    list must keep it, in its public words. A sign never published stays out."""
    from io import StringIO

    from django.core.management import call_command

    from backcare.articles.models import RedFlag, Status
    from backcare.triage import care

    chest = RedFlag.objects.get(slug="chest-pain-or-breathlessness")
    public_title = chest.published_version().title
    chest.title = "Chest pain, reworded and not yet reviewed"
    chest.status = Status.IN_REVIEW
    chest.save()
    call_command("export_content", "--dir", str(tmp_path), stdout=StringIO())
    exported = (tmp_path / "red-flags" / "chest-pain-or-breathlessness.md").read_text()
    assert "\nstatus: in_review\n" in exported and "\npublished:\n" in exported
    (tmp_path / "red-flags" / "a-new-sign.md").write_text(
        "---\nslug: a-new-sign\ntitle: A sign still in draft\nsummary: Not public yet.\n"
        "order: 1\nstatus: draft\ncare_level: emergency\n---\nNot public yet.\n"
    )
    settings.BACKCARE_CONTENT_DIR = tmp_path
    care.forget()
    titles = [sign.title for sign in care.signs_from_files()]
    assert public_title in titles
    assert "Chest pain, reworded and not yet reviewed" not in titles
    assert "A sign still in draft" not in titles
    # The fallback lists what the published pages list.
    assert titles == [sign.title for sign in care.emergency_signs()]


def test_with_no_wording_anywhere_a_page_still_says_to_get_help(
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from backcare.triage import care

    monkeypatch.setattr(care, "published_flow", lambda: None)
    settings.BACKCARE_CONTENT_DIR = tmp_path  # no files at all
    care.forget()
    try:
        html = render_to_string(
            "care/emergency_box.html",
            {
                "emergency": care.care_for("emergency"),
                "signs": [],
                "button": True,
                "emergency_number": "999",
                "emergency_tel": "999",
            },
        )
        assert "Get medical help" in html and "call 999" in html and 'href="tel:999"' in html
        assert all(c.title and c.summary for c in care.care_levels().values())
        assert "showing the last resort" in caplog.text
        problems = care.check_reviewed_wording()
        ids = [p.id for p in problems]
        assert ids == ["backcare.triage.E001"] * 4 + ["backcare.triage.E002"]  # levels, signs
    finally:
        care.forget()


def test_the_site_refuses_to_start_if_a_level_is_not_fully_worded(
    content_dir: Path, settings: Any
) -> None:
    from backcare.triage import care

    assert care.check_reviewed_wording() == []
    path = content_dir / "triage" / "dispositions" / "urgent.yaml"
    path.write_text(
        path.read_text().replace("summary:", "summary_: ").replace("label:", "summary: ''\nlabel:")
    )
    settings.BACKCARE_CONTENT_DIR = content_dir
    care.forget()
    try:
        problems = care.check_reviewed_wording()
        assert [p.id for p in problems] == ["backcare.triage.E001"]
        assert "'urgent'" in problems[0].msg
    finally:
        care.forget()


def test_a_flow_with_a_level_not_fully_worded_cannot_be_published(
    published: tuple[Flow, list[ContentItem]],
) -> None:
    from dataclasses import replace

    from backcare.triage.validation import validate

    flow, _ = published
    gp = replace(flow.dispositions[Level.GP], summary=" ")
    broken = replace(flow, dispositions={**flow.dispositions, Level.GP: gp})
    assert validate(flow) == []
    assert validate(broken) == ["Disposition 'gp' has no summary."]


def test_a_reviewer_edits_every_part_of_a_levels_wording_in_the_admin(
    admin_client: Any, content: object
) -> None:
    from backcare.triage.models import Disposition

    gp = Disposition.objects.get(level="gp")
    page = admin_client.get(f"/admin/triage/disposition/{gp.pk}/change/").content.decode()
    for name in ("label", "title", "summary", "instruction", "meanwhile"):
        assert f'name="{name}"' in page, name
