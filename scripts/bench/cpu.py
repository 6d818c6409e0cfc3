"""Where the machine's CPU went during one wrk run."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from .proc import busy_seconds, children_seconds, self_seconds, tree_seconds


@dataclass
class Cpu:
    """Where the machine's CPU went during one wrk run, in core-seconds."""

    masters: tuple[int, ...]
    start: tuple[float, ...] = ()
    used: dict[str, float] = field(default_factory=dict)

    def snapshot(self) -> tuple[float, ...]:
        trees = tuple(tree_seconds(m) for m in self.masters)
        return (time.monotonic(), busy_seconds(), children_seconds(), self_seconds(), *trees)

    def __enter__(self) -> Cpu:
        self.start = self.snapshot()
        return self

    def __exit__(self, *exc: object) -> None:
        end = self.snapshot()
        d = [b - a for a, b in zip(self.start, end, strict=True)]
        wall, busy, wrk_cpu, own, *trees = d
        ours = wrk_cpu + own + sum(trees)
        self.used = {
            "wall": wall,
            "busy": busy,
            "servers": sum(trees),
            "wrk": wrk_cpu,
            "other": max(0.0, busy - ours),
        }

    def summary(self) -> str:
        u, cores = self.used, os.cpu_count() or 1
        if not u or u["wall"] <= 0:
            return ""
        pct = {k: 100 * v / (u["wall"] * cores) for k, v in u.items() if k != "wall"}
        return (
            f"CPU of {cores} cores: servers {pct['servers']:.0f}%, wrk {pct['wrk']:.0f}%, "
            f"other processes {pct['other']:.0f}%, idle {max(0.0, 100 - pct['busy']):.0f}%"
        )
