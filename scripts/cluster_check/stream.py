"""A steady stream of visitors through nginx while instances reload, stop and restart."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat

from .browser import Browser, Outcome, RequestLog
from .cluster import Cluster
from .config import (
    EMERGENCY_CASE,
    PORTS,
    PROXY,
    REMEDY,
    SELF_CARE_CASE,
    STREAM_VISITORS,
    CheckFailed,
)
from .journeys import Case, expect_disposition, load_case, walk_check


def visitor(stop: threading.Event, log: RequestLog, case: Case) -> None:
    """One visitor after another, through the proxy, until told to stop: the home page, a
    remedy, then a whole symptom check."""
    while not stop.is_set():
        browser = Browser(log)
        try:
            browser.get(PROXY, "/").expect(200)
            browser.get(PROXY, f"/relief/{REMEDY}/").expect(200)
            expect_disposition(walk_check(browser, case, repeat(PROXY)), case)
            log.finish()
        except CheckFailed as exc:
            log.problem(str(exc))


@dataclass
class Stream:
    """A steady stream of visitors through nginx while the instances change under it."""

    log: RequestLog
    marks: dict[str, float]
    b_workers: tuple[set[int], set[int]]

    def between(self, start: str, end: str) -> list[Outcome]:
        since, until = self.marks[start], self.marks[end]
        return [o for o in self.log.outcomes if since <= o.at < until]

    def failures(self, start: str, end: str) -> str:
        since, until = self.marks[start], self.marks[end]
        failed = [str(o) for o in self.between(start, end) if not o.ok]
        failed += [p for at, p in self.log.problems if since <= at < until]
        return "; ".join(failed[:5]) if failed else ""


def run_stream(cluster: Cluster) -> Stream:
    """Visitors through nginx for about 12 s, meanwhile:
    1. SIGHUP to B: gunicorn replaces its workers on the same socket;
    2. A is taken out of nginx's upstream (`down`, graceful reload), then sent SIGTERM;
    3. A is put back in the upstream while it is still stopped: nginx finds the connection
       refused and passes each such request on to B, then leaves A alone (max_fails).
    A SIGTERM alone, without step 2's draining, is not enough: see deploy/nginx.conf."""
    log, stop, marks = RequestLog(), threading.Event(), {}
    cases = [load_case(EMERGENCY_CASE), load_case(SELF_CARE_CASE)]

    def mark(name: str) -> None:
        marks[name] = time.monotonic()

    with ThreadPoolExecutor(STREAM_VISITORS) as pool:
        mark("start")
        visitors = [pool.submit(visitor, stop, log, cases[i % 2]) for i in range(STREAM_VISITORS)]
        try:
            time.sleep(2.5)
            mark("reload B")
            b_workers = cluster.reload_instance("B")
            time.sleep(1.5)
            mark("drain A")
            cluster.reload_proxy(down={"A"})
            mark("stop A")
            cluster.stop_instance("A")
            mark("A gone")
            time.sleep(2.5)
            mark("relist A")
            cluster.reload_proxy(down=())
            time.sleep(2.5)
        finally:
            stop.set()
            for future in visitors:
                future.result()
            mark("end")
    return Stream(log, marks, b_workers)


def check_stream_through_proxy(stream: Stream) -> str:
    outcomes = stream.log.outcomes
    problems = stream.failures("start", "end")
    if problems:
        raise CheckFailed(problems)
    first = stream.between("start", "reload B")
    served = {name: sum(o.upstream == name for o in first) for name in PORTS}
    if not all(served.values()):
        raise CheckFailed(f"at first the proxy did not use both instances: {served}")
    posts = sum(o.method == "POST" for o in outcomes)
    seconds = stream.marks["end"] - stream.marks["start"]
    return (
        f"{len(outcomes)} requests ({posts} POST) by {STREAM_VISITORS} visitors in "
        f"{seconds:.0f}s, 0 failed, {stream.log.finished} symptom checks finished; "
        f"at first A {served['A']} / B {served['B']}"
    )


def check_reload_loses_no_request(stream: Stream) -> str:
    old, new = stream.b_workers
    problems = stream.failures("reload B", "drain A")
    if problems:
        raise CheckFailed(problems)
    during = stream.between("reload B", "drain A")
    return f"B's workers {sorted(old)} -> {sorted(new)}; {len(during)} requests meanwhile, 0 failed"


def check_drain_and_stop_loses_no_request(stream: Stream) -> str:
    problems = stream.failures("drain A", "relist A")
    if problems:
        raise CheckFailed(problems)
    stopping = stream.between("stop A", "A gone")
    after = stream.between("A gone", "relist A")
    if len(after) < 20 or any(o.upstream != "B" for o in after):
        raise CheckFailed(f"after A was gone: {len(after)} requests, not all via B")
    took = stream.marks["A gone"] - stream.marks["stop A"]
    return (
        f"A stopped {took:.1f}s after SIGTERM, {len(stopping)} requests meanwhile; "
        f"{len(after)} after, all via B, 0 failed"
    )


def check_refused_requests_passed_on(stream: Stream) -> str:
    problems = stream.failures("relist A", "end")
    if problems:
        raise CheckFailed(problems)
    during = stream.between("relist A", "end")
    passed_on = [o for o in during if o.upstream == "A>B"]
    if not passed_on:
        raise CheckFailed("nginx never tried the stopped A")
    posts = sum(o.method == "POST" for o in passed_on)
    return (
        f"{len(passed_on)} refused by A and passed on to B ({posts} POST), then A left alone; "
        f"{len(during)} requests, 0 failed"
    )


def check_restarted_instance_used_again(cluster: Cluster) -> str:
    cluster.start_instance("A")
    started = time.monotonic()
    browser = Browser()
    while time.monotonic() - started < 30:
        if browser.get(PROXY, "/").expect(200).upstream == "A":
            return f"A answered through the proxy {time.monotonic() - started:.1f}s after it was up"
        time.sleep(0.25)
    raise CheckFailed("the proxy did not go back to A within 30s")


def check_no_instance_left(cluster: Cluster) -> str:
    """With every instance stopped, nginx answers with its own page and the number."""
    for name in PORTS:
        cluster.stop_instance(name)
    page = Browser().get(PROXY, "/relief/")
    if page.status != 503 or "call 999" not in page.text:
        raise CheckFailed(f"got {page.status}: {page.text[:200]!r}")
    return f"503 with Retry-After {page.headers.get('Retry-After')} and the emergency number"
