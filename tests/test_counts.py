"""Anonymous counts of where symptom checks end: one per check, nothing about anyone."""

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections
from django.test import Client

from backcare.contentfiles.loader import LoadReport
from backcare.triage import counting
from backcare.triage.engine import Level
from backcare.triage.flows import published_flow
from backcare.triage.models import OutcomeCount, StopCount
from backcare.triage.state import VisitState

from .checker import walk

pytestmark = pytest.mark.django_db


def outcomes() -> dict[tuple[str, str], int]:
    return {(r.level, r.rule): r.count for r in OutcomeCount.objects.all() if r.count}


def stops() -> dict[str, int]:
    return {r.question: r.count for r in StopCount.objects.all() if r.count}


def test_a_finished_check_is_counted_once_with_its_level_and_deciding_rule(
    client: Client, content: LoadReport
) -> None:
    walk(client, {"numbness-or-weakness": ["yes"]})
    assert outcomes() == {("emergency", "numbness-or-weakness"): 1}
    for _ in range(3):
        assert client.get("/check/result/").status_code == 200
    assert outcomes() == {("emergency", "numbness-or-weakness"): 1}
    assert stops() == {}


def test_a_self_care_check_is_counted_with_no_rule(client: Client, content: LoadReport) -> None:
    outcome = walk(client)
    assert outcome.level == Level.SELF_CARE
    assert outcomes() == {("self_care", ""): 1}
    row = OutcomeCount.objects.get()
    assert row.day == date.today()
    assert row.flow_version_id == int(published_flow().version)  # type: ignore[union-attr]


def test_each_check_counts_once_so_two_visitors_count_two(content: LoadReport) -> None:
    walk(Client())
    walk(Client())
    assert outcomes() == {("self_care", ""): 2}


def test_an_unfinished_check_is_counted_where_it_stopped(
    client: Client, content: LoadReport
) -> None:
    flow = published_flow()
    assert flow is not None
    first, second = flow.questions[0].slug, flow.questions[1].slug
    client.post("/check/")
    assert stops() == {first: 1}
    client.post(f"/check/{first}/", {"answer": ["no"]})
    assert stops() == {second: 1}
    client.get(f"/check/{second}/")  # looking again moves nothing
    assert stops() == {second: 1}
    assert outcomes() == {}


def test_a_check_waiting_on_its_answers_page_is_counted_there(
    client: Client, content: LoadReport
) -> None:
    walk(client)
    client.post("/check/how-bad/", {"answer": ["severe"]})  # back to change an answer
    assert stops() == {"answers": 1}
    assert outcomes() == {}


def test_changing_an_answer_moves_the_count_instead_of_adding_one(
    client: Client, content: LoadReport
) -> None:
    walk(client)
    assert outcomes() == {("self_care", ""): 1}
    client.post("/check/how-bad/", {"answer": ["severe"]})
    client.post("/check/answers/")
    assert outcomes() == {("gp", "severe-pain"): 1}
    assert stops() == {}


def test_starting_again_begins_a_new_count_and_leaves_the_old_one(
    client: Client, content: LoadReport
) -> None:
    walk(client)
    client.post("/check/restart/")
    first = published_flow().questions[0].slug  # type: ignore[union-attr]
    assert outcomes() == {("self_care", ""): 1}
    assert stops() == {first: 1}


def test_nothing_is_counted_when_counting_is_off(
    client: Client, content: LoadReport, settings: Any
) -> None:
    settings.BACKCARE_COUNT_CHECKS = False
    walk(client)
    assert not OutcomeCount.objects.exists()
    assert not StopCount.objects.exists()


def test_a_failure_to_count_never_stops_anyone_reaching_their_outcome(
    client: Client, content: LoadReport, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(place: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(counting, "add_one", broken)
    outcome = walk(client, {"numbness-or-weakness": ["yes"]})
    page = client.get("/check/result/").content.decode()
    assert outcome.disposition.title.split("{")[0] in page
    assert not OutcomeCount.objects.exists()
    assert "could not be written" in caplog.text
    assert "numbness" not in caplog.text  # no answer in the log


def test_the_count_tables_hold_no_column_that_could_identify_anyone() -> None:
    columns = {f.column for f in OutcomeCount._meta.concrete_fields}
    assert columns == {"id", "day", "flow_version_id", "level", "rule", "count"}
    columns = {f.column for f in StopCount._meta.concrete_fields}
    assert columns == {"id", "day", "flow_version_id", "question", "count"}
    day = OutcomeCount._meta.get_field("day")
    assert day.get_internal_type() == "DateField"  # never a time of day


def test_a_count_row_holds_only_the_day_version_outcome_and_number(
    client: Client, content: LoadReport
) -> None:
    walk(client, {"other-signs": ["fever"]})
    session_key = client.session.session_key
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {OutcomeCount._meta.db_table}")  # noqa: S608
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1
    row = {name: str(value) for name, value in zip(names, rows[0], strict=True)}
    del row["id"]
    version = published_flow().version  # type: ignore[union-attr]
    assert row == {
        "day": date.today().isoformat(),
        "flow_version_id": version,
        "level": "urgent",
        "rule": "fever",
        "count": "1",
    }
    assert session_key and session_key not in str(rows)
    assert "127.0.0.1" not in str(rows)


# Many instances at once ---------------------------------------------------------------


@pytest.fixture
def content_loaded(transactional_db: None) -> None:
    from pathlib import Path

    from django.conf import settings

    from backcare.contentfiles.loader import load
    from backcare.contentfiles.registry import all_kinds

    load(Path(settings.BACKCARE_CONTENT_DIR), all_kinds())


@pytest.fixture
def instances(content_loaded: None, tmp_path: Any) -> Iterator[None]:
    """Threads that stand for app instances, each with its own database connection.

    On PostgreSQL they share the test database. SQLite's in-memory test database is a
    shared cache, whose table locks fail at once instead of waiting as a real database
    file does; so on SQLite the test database is copied to a file, set up exactly as in
    production (write-ahead log, IMMEDIATE transactions, a busy timeout), for the threads."""
    if connection.vendor != "sqlite":
        yield
        return
    import sqlite3

    path = str(tmp_path / "instances.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    config = connections.settings["default"]
    memory = config["NAME"]
    config["NAME"] = path
    try:
        yield
    finally:
        config["NAME"] = memory


def in_threads(work: Any, count: int) -> list[BaseException]:
    failures: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # reported by the caller
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


THREADS = 12
CHECKS_EACH = 5


def test_checks_finishing_at_once_on_many_connections_lose_no_count(instances: None) -> None:
    """Every thread finishes its checks into the same counter rows, created by whichever
    gets there first, at the same moment."""
    from backcare.triage.engine import evaluate

    flow = published_flow()
    assert flow is not None
    emergency = evaluate(flow, {flow.questions[0].slug: ["yes"]})

    def finish_checks() -> None:
        for _ in range(CHECKS_EACH):
            state = VisitState(flow=int(flow.version))
            counting.record(state, flow, evaluate(flow, {}))
            counting.record(state, flow, emergency)
            assert state.counted is not None and state.counted[0] == "o", state.counted

    assert in_threads(finish_checks, THREADS) == []
    seen: dict[str, Any] = {}

    def read() -> None:
        seen["outcomes"], seen["stops"] = outcomes(), list(StopCount.objects.values("count"))

    assert in_threads(read, 1) == []
    assert seen["outcomes"] == {("emergency", "numbness-or-weakness"): THREADS * CHECKS_EACH}
    assert seen["stops"] == [{"count": 0}]  # every start moved on to its outcome
