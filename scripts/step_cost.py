"""CPU per request, measured in-process: `python scripts/step_cost.py [N] [ROUNDS]`.

Not a test, and light enough for a shared machine (no server, no wrk, one core). It
builds a throwaway database (SQLite in a temporary folder, or COST_DATABASE_URL, with
COST_REDIS_URL for the Redis cache and session copy), runs under the production settings
(DEBUG off, manifest static files, connections kept between requests), and times with
Django's test client, in CPU time (time.process_time), N requests of each of:
  - the htmx step: GET of the next question with HX-Request, in a session holding two
    answers (what `make bench` times);
  - the home page, an article and a search, as a first-time visitor (no session cookie);
  - the outcome page of a check answered calmly to self-care and confirmed.
It prints the median over ROUNDS rounds of the CPU milliseconds per request. The test
client's own work is in every figure, so compare figures with each other, not with wrk.
With PROFILE set to part of a name (`PROFILE=search`), it profiles that request instead
and prints the 40 functions with the most cumulative and own time.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="backcare-step-cost-"))
# Collected static files do not change between runs: keep them for the next one.
STATIC = Path(tempfile.gettempdir()) / f"backcare-step-cost-static-{os.getuid()}"
os.environ["DATABASE_URL"] = os.environ.get("COST_DATABASE_URL") or f"sqlite:///{WORK / 'db'}"
if os.environ.get("COST_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["COST_REDIS_URL"]
else:
    os.environ.pop("REDIS_URL", None)
os.environ.update(
    DJANGO_SETTINGS_MODULE="backcare.settings",
    DEBUG="false",
    BACKCARE_HTTPS="false",
    SECRET_KEY=secrets.token_urlsafe(50),
    ALLOWED_HOSTS="testserver",
)
ARTICLE = "/relief/cold-therapy/"  # as in scripts/bench/config.py
SEARCH = "/search/?q=cant+feel+my+bum+after+lifting+paracetmol"


def need(ok: object, what: str) -> None:
    if not ok:
        raise SystemExit(f"step_cost: {what}")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client

    from tests.checker import calm_choice, walk

    settings.STATIC_ROOT = STATIC
    if not (STATIC / "staticfiles.json").exists():
        call_command("collectstatic", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("load_content", verbosity=0)
    for alias in settings.CACHES:
        caches[alias].clear()  # a Redis database may hold an earlier run's flow

    from backcare.triage.engine import Pending, evaluate
    from backcare.triage.flows import published_flow

    flow = published_flow()
    if flow is None:
        raise SystemExit("step_cost: no published flow")
    checker = Client()
    need(checker.post("/check/").status_code == 303, "could not start a check")
    answers: dict[str, list[str]] = {}
    for _ in range(2):
        result = evaluate(flow, answers)
        if not isinstance(result, Pending):
            raise SystemExit("step_cost: the check ended within two answers")
        slug = result.question.slug
        answers[slug] = [calm_choice(result.question)]
        posted = checker.post(f"/check/{slug}/", {"answer": answers[slug]})
        need(posted.status_code == 303, f"answering {slug} gave {posted.status_code}")
    pending = evaluate(flow, answers)
    if not isinstance(pending, Pending):
        raise SystemExit("step_cost: the check ended within two answers")
    step = f"/check/{pending.question.slug}/"
    visitor = Client()
    finished = Client()
    walk(finished)

    def htmx_step() -> object:
        return checker.get(step, headers={"HX-Request": "true"})

    def home() -> object:
        return visitor.get("/")

    def article() -> object:
        return visitor.get(ARTICLE)

    def search() -> object:
        return visitor.get(SEARCH)

    def outcome() -> object:
        return finished.get("/check/result/")

    targets: dict[str, Callable[[], object]] = {
        f"htmx step {step}": htmx_step,
        "home page /": home,
        f"article {ARTICLE}": article,
        "search": search,
        "outcome /check/result/": outcome,
    }
    for name, fetch in targets.items():  # warm up, and check each answers as it should
        response: Any = fetch()
        need(response.status_code == 200, f"{name} gave {response.status_code}")
        if name.startswith("htmx"):
            need(not response.content.startswith(b"<!doctype"), "the htmx step was a whole page")

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if wanted := os.environ.get("PROFILE"):
        profile(next(f for name, f in targets.items() if wanted in name), n)
        return
    figures: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, fetch in targets.items():
            started = time.process_time()
            for _ in range(n):
                fetch()
            figures[name].append((time.process_time() - started) / n * 1000)
    where = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    print(f"{where}{' + Redis' if settings.REDIS_URL else ''}, {n} requests x {rounds} rounds")
    for name, ms in figures.items():
        print(
            f"  {name:<40} median {statistics.median(ms):.3f}, least {min(ms):.3f}, "
            f"most {max(ms):.3f} ms CPU per request"
        )


def profile(fetch: Callable[[], object], n: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        fetch()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(40)
    if callers := os.environ.get("CALLERS"):
        stats.print_callers(callers)


if __name__ == "__main__":
    main()
