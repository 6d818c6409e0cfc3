"""Where everything runs, the targets, and the settings a run reads from the environment."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
GUNICORN = BIN / "gunicorn"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
WORK = Path("/tmp/backcare-bench")  # noqa: S108 (a fixed, throwaway place, wiped each run)
HOST = "127.0.0.1"
APP_PORT = 8301
BARE_PORT = 8302
APP = f"http://{HOST}:{APP_PORT}"
BARE = f"http://{HOST}:{BARE_PORT}"
SESSION_PORT = 8303
SESSION = f"http://{HOST}:{SESSION_PORT}"
# A reference: bare Django reading the same session as the htmx step (its target is a share of it).
SESSION_LABEL = "bare Django reading the session /"
BARE_LABEL = "bare Django /"

# Sizes are in KB of 1024 bytes, as the project's tests count an htmx step's 4 KB.
KB = 1024
TARGET_RATIO = 0.5  # each public page at least half the bare view's throughput
# The htmx step must read a session, which alone costs more than half of a bare view: its
# throughput is held against the bare view reading the same session (issue 14).
TARGET_STEP_RATIO = 0.8
TARGET_STEP_CPU_MS = 1.0  # server CPU per htmx step
TARGET_P99_MS = 25.0  # at BENCH_CONNECTIONS connections
TARGET_WEIGHT = 60 * KB  # first visit, transferred
TARGET_REQUESTS = 5  # first visit
TARGET_STEP = 4 * KB  # one htmx step, transferred

ARTICLE = "/relief/cold-therapy/"
# Search is never served from the page cache: every request runs the query (a misspelt
# word, people's words and a warning sign, so every part of search does its work).
SEARCH = "/search/?q=cant+feel+my+bum+after+lifting+paracetmol"
SEARCH_LABEL = f"search {SEARCH}"
SOAK_PATHS = ["/", ARTICLE, "/when-to-see-a-doctor/", "/search/?q=heat"]
WEIGHT_PATHS = ["/", ARTICLE, "/check/"]


class CouldNotRun(Exception):
    """Something the benchmark needs did not work: exit 2."""


def env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise CouldNotRun(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise CouldNotRun(f"{name} must be at least {minimum}, not {value}")
    return value


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass(frozen=True)
class Settings:
    """How long and how hard each wrk run is (from BENCH_* variables)."""

    seconds: int
    connections: int
    threads: int
    warmup: int
    soak_seconds: int
    soak_connections: int
    workers: str

    @classmethod
    def from_env(cls) -> Settings:
        connections = env_int("BENCH_CONNECTIONS", 32)
        cores = os.cpu_count() or 1
        return cls(
            seconds=env_int("BENCH_SECONDS", 10),
            connections=connections,
            threads=min(env_int("BENCH_THREADS", 2), connections),
            warmup=env_int("BENCH_WARMUP_SECONDS", 3, minimum=0),
            soak_seconds=env_int("BENCH_SOAK_SECONDS", 60),
            soak_connections=env_int("BENCH_SOAK_CONNECTIONS", 64),
            workers=os.environ.get("WEB_CONCURRENCY") or f"{cores * 2} (cpu count x 2)",
        )
