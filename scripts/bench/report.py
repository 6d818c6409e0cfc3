"""The printed report: the table, where the CPU went, page weight, soak, memory, targets."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .checker import CheckSession, StepSize
from .config import (
    APP,
    ARTICLE,
    BARE,
    BARE_LABEL,
    KB,
    SEARCH_LABEL,
    SESSION_LABEL,
    SOAK_PATHS,
    TARGET_P99_MS,
    TARGET_RATIO,
    TARGET_REQUESTS,
    TARGET_STEP,
    TARGET_STEP_CPU_MS,
    TARGET_STEP_RATIO,
    TARGET_WEIGHT,
    WEIGHT_PATHS,
    Settings,
)
from .load import WrkResult
from .memory import Memory, memory_lines
from .weight import Weight

NOISY_OTHER_PCT = 10


@dataclass
class Figures:
    """Everything one run measured."""

    settings: Settings
    check: CheckSession
    results: dict[str, WrkResult]
    weights: list[Weight]
    step: StepSize
    soak: WrkResult
    memories: list[Memory]  # backcare's, then bare Django's
    errors_logged: list[str]  # lines of backcare's gunicorn log that look like errors

    @property
    def bare(self) -> WrkResult:
        return self.results[BARE_LABEL]

    def weight_of(self, url: str) -> Weight:
        return next(w for w in self.weights if w.url == url)

    def ratio(self, result: WrkResult) -> float:
        return result.rps / self.bare.rps if self.bare.rps else 0.0


def other_share(cpu: str) -> float:
    found = re.search(r"other processes (\d+)%", cpu)
    return float(found.group(1)) if found else 0.0


def cpu_ratio(result: WrkResult, bare: WrkResult) -> float:
    return bare.cpu_ms / result.cpu_ms if result.cpu_ms else 0.0


def kb(size: float) -> str:
    return f"{size / KB:.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def weight_cells(f: Figures, label: str) -> tuple[str, str]:
    """The page weight and request count columns of one row."""
    weighed = {"home /": APP + "/", f"article {ARTICLE}": APP + ARTICLE, BARE_LABEL: BARE + "/"}
    if label in weighed:
        w = f.weight_of(weighed[label])
        return kb(w.cdp_bytes), str(w.requests)
    if label in {SESSION_LABEL, SEARCH_LABEL} or label.startswith("outcome "):
        return "n/a", "n/a"
    return f"{kb(f.step.transferred)} ({kb(f.step.body_bytes)} body)", "1"


def print_table(f: Figures) -> None:
    s = f.settings
    print()
    print(
        f"## backcare vs bare Django: wrk -t{s.threads} -c{s.connections} -d{s.seconds}s, "
        f"{s.workers} gunicorn sync workers each, {os.cpu_count()} cores shared with wrk"
    )
    print()
    print(
        "| page | req/s | p50 ms | p99 ms | ratio to bare | page weight KB | requests | errors "
        "| server CPU ms/req | CPU ratio to bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, result in f.results.items():
        weight, count = weight_cells(f, label)
        print(
            f"| {label} | {result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            f"{f.ratio(result):.2f} | {weight} | {count} | {result.errors} | "
            f"{result.cpu_ms:.2f} | {cpu_ratio(result, f.bare):.2f} |"
        )
    check_page = f.weight_of(APP + "/check/")
    none = "| n/a " * 4
    print(
        f"| check start /check/ (weight only) {none}| {kb(check_page.cdp_bytes)} | "
        f"{check_page.requests} | n/a | n/a | n/a |"
    )


def print_notes() -> None:
    print()
    print(
        "KB = 1024 bytes. Page weight: Chromium (headless, fresh context, first visit), sum of "
        "CDP Network.loadingFinished encodedDataLength over every http request (response "
        "headers + body as transferred). The htmx step: raw response, headers + body."
    )
    print(
        "Server CPU ms/req: CPU time of the gunicorn master and workers during the run, per "
        "request. CPU ratio to bare: bare's CPU per request over the page's, an estimate of "
        "the throughput ratio that other processes on the machine do not skew."
    )
    print(
        f"{SESSION_LABEL}: the bare view plus SessionMiddleware, reading the htmx step's "
        "own session from backcare's database (through Redis when set): the floor of any "
        "Django page that must read a visitor's session. The htmx step's throughput target "
        f"is {TARGET_STEP_RATIO} of it."
    )


def print_cpu(f: Figures) -> None:
    print()
    print("Where the CPU went during each run (wrk shares the machine with the servers):")
    for label, result in f.results.items():
        print(f"- {label}: {result.cpu}")
    noisy = [r.label for r in f.results.values() if other_share(r.cpu) > NOISY_OTHER_PCT]
    if noisy:
        print(
            f"- WARNING: other processes took more than {NOISY_OTHER_PCT}% of the CPU during "
            f"{', '.join(noisy)}: those figures are low; run again on a quiet machine"
        )


def print_weights(f: Figures) -> None:
    print()
    print("### Page weight details")
    for w in f.weights:
        print(
            f"- {w.url} (status {w.status}): {w.requests} requests, {w.cdp_bytes} B by CDP, "
            f"{w.pw_bytes} B by Playwright request.sizes(); Chromium sent "
            f"Accept-Encoding: {w.accept_encoding}"
        )
        for path, encoding, size in w.resources:
            print(f"    - {path}: {size} B, content-encoding {encoding}")
    step = f.step
    print(
        f"- htmx step GET {f.check.next_step}: {step.html_bytes} B of HTML; with "
        f"Accept-Encoding gzip/br: body {step.body_bytes} B (content-encoding {step.encoding}) "
        f"+ headers {step.header_bytes} B = {step.transferred} B"
    )


def print_soak(f: Figures) -> None:
    s, soak = f.settings, f.soak
    print()
    print("### Soak")
    print(
        f"- {s.soak_seconds} s, {s.soak_connections} connections, {s.threads} threads, "
        f"rotating over {', '.join(SOAK_PATHS)}"
    )
    print(
        f"- {soak.requests} requests, {soak.rps:.0f} req/s, p50 {soak.p50_ms:.1f} ms, "
        f"p99 {soak.p99_ms:.1f} ms"
    )
    print(
        f"- errors: {soak.errors} (non-2xx/3xx {soak.non_2xx_3xx}, socket errors "
        + ", ".join(f"{k} {v}" for k, v in soak.socket_errors.items())
        + ")"
    )
    print(f"- {soak.cpu}")
    print(f"- lines in backcare's gunicorn log that look like errors: {len(f.errors_logged)}")
    for line in f.errors_logged[:10]:
        print(f"    {line}")


def print_memory(f: Figures) -> None:
    print()
    print("### Memory (gunicorn workers)")
    backcare, bare = f.memories
    for line in memory_lines("backcare", backcare) + memory_lines("bare", bare):
        print(line)


def step_target_lines(f: Figures, result: WrkResult) -> list[tuple[bool, str]]:
    """The htmx step against the bare view reading the same session, and its CPU."""
    reference = f.results[SESSION_LABEL]
    ratio = result.rps / reference.rps if reference.rps else 0.0
    return [
        (
            ratio >= TARGET_STEP_RATIO,
            f"throughput {ratio:.2f} x bare Django reading the same session (target >= "
            f"{TARGET_STEP_RATIO}; by CPU per request {cpu_ratio(result, reference):.2f})",
        ),
        (
            0 < result.cpu_ms < TARGET_STEP_CPU_MS,
            f"server CPU {result.cpu_ms:.2f} ms per step (target < {TARGET_STEP_CPU_MS:.0f} ms;"
            f" the bare view reading the session takes {reference.cpu_ms:.2f} ms)",
        ),
    ]


def page_target_lines(f: Figures, result: WrkResult) -> list[tuple[bool, str]]:
    if result.label.startswith("htmx step"):
        throughput = step_target_lines(f, result)
    else:
        ratio = f.ratio(result)
        throughput = [
            (
                ratio >= TARGET_RATIO,
                f"throughput {ratio:.2f} x bare (target >= {TARGET_RATIO}; by CPU per request "
                f"{cpu_ratio(result, f.bare):.2f})",
            )
        ]
    return [
        *throughput,
        (
            result.p99_ms < TARGET_P99_MS,
            f"p99 {result.p99_ms:.1f} ms at {f.settings.connections} connections "
            f"(target < {TARGET_P99_MS:.0f} ms)",
        ),
    ]


def print_page_targets(f: Figures) -> int:
    """Throughput and p99 of each page against its target; returns the misses."""
    misses = 0
    for label, result in f.results.items():
        if label in {BARE_LABEL, SESSION_LABEL} or label.startswith("outcome "):
            continue  # references; the outcome row is compared with a run with counting off
        for ok, text in page_target_lines(f, result):
            misses += not ok
            print(f"- {mark(ok)} {label}: {text}")
        if result.errors:
            print(f"- WARN {label}: {result.errors} errors during the run (see wrk output)")
            print("    " + result.output.replace("\n", "\n    "))
    return misses


def print_weight_targets(f: Figures) -> int:
    """First visits and the htmx step against their size targets; returns the misses."""
    misses = 0
    for path in WEIGHT_PATHS:
        w = f.weight_of(APP + path)
        for ok, text in (
            (w.cdp_bytes < TARGET_WEIGHT, f"{kb(w.cdp_bytes)} KB transferred (target < 60 KB)"),
            (w.requests <= TARGET_REQUESTS, f"{w.requests} requests (target <= 5)"),
        ):
            misses += not ok
            print(f"- {mark(ok)} first visit {path}: {text}")
    ok = f.step.transferred < TARGET_STEP
    misses += not ok
    print(
        f"- {mark(ok)} htmx step {f.check.next_step}: {f.step.transferred} B transferred "
        f"({f.step.body_bytes} B body) (target < 4 KB = 4096 B)"
    )
    return misses


def print_targets(f: Figures) -> int:
    print()
    print("### Targets")
    misses = print_page_targets(f) + print_weight_targets(f)
    ok = f.soak.errors == 0
    print(f"- {mark(ok)} soak: {f.soak.errors} errors in {f.soak.requests} requests (target 0)")
    return misses


def print_report(f: Figures, elapsed: float) -> None:
    print_table(f)
    print_notes()
    print_cpu(f)
    print_weights(f)
    print_soak(f)
    print_memory(f)
    misses = print_targets(f)
    print()
    print(
        f"{misses} target(s) missed (reported, not an error); soak errors: {f.soak.errors}. "
        f"Took {elapsed:.0f} s."
    )
