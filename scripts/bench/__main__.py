"""`make bench` (`python -m scripts.bench`): see the package's docstring."""

from __future__ import annotations

import os
import platform
import signal
import sys
import time
import traceback
from importlib.metadata import version

from .checker import finish_check, measure_step, start_check
from .config import (
    APP,
    ARTICLE,
    BARE,
    BARE_LABEL,
    SEARCH,
    SEARCH_LABEL,
    SESSION,
    SESSION_LABEL,
    WEIGHT_PATHS,
    CouldNotRun,
    Settings,
    say,
)
from .load import Target, load_targets, soak
from .memory import Memory, Sampler
from .report import Figures, print_report
from .servers import (
    Server,
    app_environment,
    errors_logged,
    prepare_data,
    start_servers,
    stop_server,
)
from .tools import ensure_tools
from .weight import page_weights


def say_versions(settings: Settings) -> None:
    import django

    say(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before starting; "
        f"Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {version('gunicorn')}; workers {settings.workers}"
    )


def targets(step: str, step_cookie: str, outcome_cookie: str) -> list[Target]:
    counting = "on" if os.environ.get("BACKCARE_COUNT_CHECKS", "true") != "false" else "off"
    return [
        ("home /", APP + "/", {}),
        (f"article {ARTICLE}", APP + ARTICLE, {}),
        (f"htmx step {step}", APP + step, {"HX-Request": "true", "Cookie": step_cookie}),
        (SEARCH_LABEL, APP + SEARCH, {}),
        (
            f"outcome /check/result/ (counting {counting})",
            APP + "/check/result/",
            {"Cookie": outcome_cookie},
        ),
        (BARE_LABEL, BARE + "/", {}),
        (SESSION_LABEL, SESSION + "/", {"Cookie": step_cookie}),
    ]


def measure(servers: list[Server], settings: Settings, sampler: Sampler) -> Figures:
    """With the servers up: every wrk run, page weight, the soak and the memory."""
    app = servers[0]
    masters = tuple(server.process.pid for server in servers)
    check = start_check()
    say(f"symptom checker session: answered {', '.join(check.answered)}")
    say(f"htmx target: GET {check.next_step} with HX-Request: true and the session cookie")
    pages = targets(check.next_step, check.cookie, finish_check())
    results = load_targets(pages, settings, masters)
    say("page weight: first visit in Chromium, fresh context each")
    weights = page_weights([APP + path for path in WEIGHT_PATHS] + [BARE + "/"])
    step = measure_step(check)
    for memory in sampler.memories:
        memory.before_soak = memory.total()
    soaked = soak(APP, settings, masters)
    sampler.stopped.set()
    for memory in sampler.memories:
        memory.finish()
    return Figures(
        settings, check, results, weights, step, soaked, sampler.memories, errors_logged(app)
    )


def main() -> int:
    started = time.monotonic()
    settings = Settings.from_env()
    ensure_tools()
    say_versions(settings)
    env = app_environment()
    prepare_data(env)
    servers: list[Server] = []
    sampler: Sampler | None = None
    try:
        start_servers(env, servers)
        sampler = Sampler([Memory(servers[0].process.pid), Memory(servers[1].process.pid)])
        sampler.start()
        figures = measure(servers, settings, sampler)
    finally:
        if sampler:
            sampler.stopped.set()
        for server in servers:
            stop_server(server)
    print_report(figures, time.monotonic() - started)
    return 1 if figures.soak.errors else 0


def run() -> int:
    # SIGTERM (e.g. from CI) stops the servers through the finally above, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return main()
    except CouldNotRun as exc:
        print(f"bench: could not run: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception:  # anything else: report it and say the benchmark could not run
        traceback.print_exc()
        print("bench: could not run (see the traceback above)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(run())
