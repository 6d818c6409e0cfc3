"""Watching processes from /proc, and waiting for something to happen."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from .config import CheckFailed


def child_pids(parent: int) -> set[int]:
    """The live child processes of `parent` (from /proc; Linux)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == parent and state != "Z":
                children.add(int(stat.parent.name))
    return children


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise CheckFailed(f"{what} did not happen within {seconds:.0f}s")
        time.sleep(0.05)
