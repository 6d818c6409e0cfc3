"""Load with wrk: one run per target, a warm-up first, and the soak over several pages."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .config import SOAK_PATHS, WORK, CouldNotRun, Settings, say
from .cpu import Cpu

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}

SOAK_LUA = """-- Rotate over the pages of the soak; each thread starts at a different one.
local paths = {%s}
local i = 0
function setup(thread)
  thread:set("i", i)
  i = i + 1
end
function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""

# (label, URL, extra request headers)
Target = tuple[str, str, dict[str, str]]


@dataclass
class WrkResult:
    label: str
    url: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    output: str
    cpu: str = ""
    cpu_ms: float = 0.0  # gunicorn CPU time (master + workers) per request

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


def to_ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def latency_ms(text: str) -> float:
    """wrk's "12.34ms" or "1.20s" in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(\w+)", text)
    if not found:
        raise CouldNotRun(f"could not read wrk's latency {text!r}")
    return to_ms(*found.groups())


def parse_wrk(label: str, url: str, output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", output, re.M))
    if not (rps and total and "50" in latency and "99" in latency):
        raise CouldNotRun(f"could not read wrk's output for {url}:\n{output}")
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = dict.fromkeys(("connect", "read", "write", "timeout"), 0)
    if sock:
        socket_errors = dict(zip(socket_errors, map(int, sock.groups()), strict=True))
    return WrkResult(
        label=label,
        url=url,
        requests=int(total.group(1)),
        rps=float(rps.group(1)),
        p50_ms=latency_ms(latency["50"]),
        p99_ms=latency_ms(latency["99"]),
        non_2xx_3xx=int(non.group(1)) if non else 0,
        socket_errors=socket_errors,
        output=output,
    )


def wrk_command(
    seconds: int,
    connections: int,
    threads: int,
    headers: dict[str, str] | None,
    script: Path | None,
) -> list[str]:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "2s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    return command


def wrk(
    label: str,
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    masters: tuple[int, ...] = (),
) -> WrkResult:
    command = wrk_command(seconds, connections, threads, headers, script)
    with Cpu(masters) as cpu:
        done = subprocess.run(  # noqa: S603 (wrk with our own arguments)
            [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
        )
    if done.returncode:
        raise CouldNotRun(f"wrk failed on {url}: {done.stderr or done.stdout}")
    result = parse_wrk(label, url, done.stdout)
    result.cpu = cpu.summary()
    if result.requests and cpu.used:
        per_request = 1000 * cpu.used["servers"] / result.requests
        result.cpu_ms = per_request
        result.cpu += f"; server CPU {per_request:.2f} ms per request"
    return result


def load_targets(
    targets: list[Target], settings: Settings, masters: tuple[int, ...]
) -> dict[str, WrkResult]:
    """A warm-up on every target, then the measured run on each in turn."""
    if settings.warmup:
        say(f"warming up: {settings.warmup} s per target")
        for label, url, headers in targets:
            wrk(
                label,
                url,
                seconds=settings.warmup,
                connections=settings.connections,
                threads=settings.threads,
                headers=headers,
                masters=masters,
            )
    results: dict[str, WrkResult] = {}
    for label, url, headers in targets:
        s = settings
        say(f"wrk -t{s.threads} -c{s.connections} -d{s.seconds}s --latency {url}")
        r = wrk(
            label,
            url,
            seconds=s.seconds,
            connections=s.connections,
            threads=s.threads,
            headers=headers,
            masters=masters,
        )
        results[label] = r
        say(
            f"  {r.rps:.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
            f"{r.requests} requests, {r.errors} errors; {r.cpu}"
        )
    return results


def soak(base: str, settings: Settings, masters: tuple[int, ...]) -> WrkResult:
    """wrk rotating over SOAK_PATHS for the soak's length, at the soak's connections."""
    say(
        f"soak: {settings.soak_seconds} s, {settings.soak_connections} connections "
        f"over {SOAK_PATHS}"
    )
    lua = WORK / "soak.lua"
    lua.write_text(SOAK_LUA % ", ".join(f'"{p}"' for p in SOAK_PATHS))
    return wrk(
        "soak",
        base + "/",
        seconds=settings.soak_seconds,
        connections=settings.soak_connections,
        threads=settings.threads,
        script=lua,
        masters=masters,
    )
