"""The gunicorn workers' memory: sampled through the run, read again at the end."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .proc import children, pss_kb, status_kb


@dataclass
class Memory:
    """Worker RSS (kB): sampled every half second over the whole run, and at the end."""

    master: int
    peak_by_pid: dict[int, int] = field(default_factory=dict)
    peak_total: int = 0
    end_rss: dict[int, int] = field(default_factory=dict)
    end_hwm: dict[int, int] = field(default_factory=dict)
    end_pss: dict[int, int] = field(default_factory=dict)
    master_rss: int = 0
    before_soak: int = 0  # all workers together, just before the soak

    def total(self) -> int:
        return sum(status_kb(pid, "VmRSS") or 0 for pid in children(self.master))

    def sample(self) -> None:
        total = 0
        for pid in children(self.master):
            rss = status_kb(pid, "VmRSS")
            if rss is None:
                continue
            total += rss
            self.peak_by_pid[pid] = max(self.peak_by_pid.get(pid, 0), rss)
        self.peak_total = max(self.peak_total, total)

    def finish(self) -> None:
        self.sample()
        self.master_rss = status_kb(self.master, "VmRSS") or 0
        for pid in children(self.master):
            rss, hwm = status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM")
            if rss is not None and hwm is not None:
                self.end_rss[pid], self.end_hwm[pid] = rss, hwm
                self.end_pss[pid] = pss_kb(pid)


class Sampler(threading.Thread):
    def __init__(self, memories: list[Memory]) -> None:
        super().__init__(daemon=True)
        self.memories = memories
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for memory in self.memories:
                memory.sample()


def memory_lines(name: str, memory: Memory) -> list[str]:
    end = memory.end_rss
    if not end:
        return [f"- {name}: no workers found"]
    peak_worker = max(memory.peak_by_pid.values(), default=0)
    return [
        f"- {name}: {len(end)} workers at the end, VmRSS {min(end.values()) / 1024:.1f}"
        f"-{max(end.values()) / 1024:.1f} MiB each, {sum(end.values()) / 1024:.1f} MiB "
        f"together (VmHWM up to {max(memory.end_hwm.values()) / 1024:.1f} MiB); "
        f"sampled peak {peak_worker / 1024:.1f} MiB for one worker, "
        f"{memory.peak_total / 1024:.1f} MiB for all; "
        f"{len(memory.peak_by_pid)} worker processes seen (no recycling during the benchmark); "
        f"master {memory.master_rss / 1024:.1f} MiB; PSS of the workers (shared pages split) "
        f"{sum(memory.end_pss.values()) / 1024:.1f} MiB together; "
        f"all workers {memory.before_soak / 1024:.1f} MiB before the soak, "
        f"{sum(end.values()) / 1024:.1f} MiB after it",
    ]
