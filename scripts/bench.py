"""`make bench`: backcare against bare Django, under the same gunicorn config.

Not a test: it prints figures and compares them with targets. Target misses are
reported (exit 0); the script exits 1 when the soak saw any error and 2 when something
could not run at all.

What it does, all on loopback:
 1. installs wrk (and Chromium, through scripts/ensure-chromium) when missing;
 2. builds a throwaway database (SQLite in /tmp/backcare-bench, or BENCH_DATABASE_URL
    with BENCH_REDIS_URL), migrates, loads content/, collects static files;
 3. starts backcare (127.0.0.1:8301) and scripts/bench_bare.py (127.0.0.1:8302) under
    deploy/gunicorn.conf.py with the same worker count, the access log and worker
    recycling off, and as a
    reference the bare view reading backcare's session (127.0.0.1:8303);
 4. starts a symptom checker session and answers two steps;
 5. warms up, then runs wrk on each target (same threads, connections, duration);
 6. measures first-visit page weight in Chromium (headless, Debian's /usr/bin/chromium);
 7. soaks a mix of pages with wrk and counts every error;
 8. reads the gunicorn workers' memory, stops both servers, prints the table.

Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
BENCH_WARMUP_SECONDS (3), BENCH_SOAK_SECONDS (60), BENCH_SOAK_CONNECTIONS (64),
BENCH_DATABASE_URL, BENCH_REDIS_URL; BACKCARE_COUNT_CHECKS=false for the outcome row with
counting off; WEB_CONCURRENCY and GUNICORN_CMD_ARGS (e.g. --preload)
reach both servers, other BACKCARE_* settings reach backcare.
"""

from __future__ import annotations

import http.cookiejar
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The browser tests' own Chromium and flags.
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

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
# A reference, not a target: bare Django reading the same session as the htmx step.
SESSION_LABEL = "bare Django reading the session /"

# Sizes are in KB of 1024 bytes, as the project's tests count an htmx step's 4 KB.
KB = 1024
TARGET_RATIO = 0.5  # each page at least half the bare view's throughput
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


# Tools -------------------------------------------------------------------------------


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise CouldNotRun("wrk is missing: run 'sudo apt-get install wrk'")
        say("installing wrk with apt-get")
        apt = shutil.which("apt-get") or "apt-get"
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], check=True, env=apt_env)  # noqa: S603
        subprocess.run(  # noqa: S603 (a fixed apt-get command)
            [apt, "install", "-y", "-qq", "wrk"],
            check=True,
            env=apt_env,
            stdout=subprocess.DEVNULL,
        )
    if not Path(CHROMIUM).exists():
        say("installing chromium (scripts/ensure-chromium)")
        ensure = [str(ROOT / "scripts" / "ensure-chromium")]
        if subprocess.run(ensure, check=False).returncode:  # noqa: S603 (our own script)
            raise CouldNotRun(f"Chromium is missing at {CHROMIUM} and could not be installed")
    for tool in (PYTHON, GUNICORN):
        if not tool.exists():
            raise CouldNotRun(f"{tool} is missing: run 'make' targets through the venv stamp")


# Data and servers -----------------------------------------------------------------------


def app_environment() -> dict[str, str]:
    # Other BACKCARE_* settings pass through, so a run can try them (e.g. the flow cache).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backcare.settings",
        DEBUG="false",
        BACKCARE_HTTPS="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK / 'db.sqlite3'}",
    )
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def prepare_data(env: dict[str, str]) -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    log = WORK / "setup.log"
    for command in (
        ["migrate", "--no-input", "-v0"],
        ["load_content"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        with log.open("a") as out:
            done = subprocess.run(  # noqa: S603 (our own manage.py)
                [str(PYTHON), "manage.py", *command],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode:
            print(log.read_text(), file=sys.stderr)
            raise CouldNotRun(f"manage.py {' '.join(command)} failed (see {log})")
    say(f"data ready: {env['DATABASE_URL'].split('@')[-1]} ({log})")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def start_server(name: str, port: int, app: list[str], env: dict[str, str]) -> Server:
    if port_in_use(port):
        raise CouldNotRun(f"port {port} is already in use: stop whatever listens there")
    env = {**env, "BACKCARE_BIND": f"{HOST}:{port}", "BACKCARE_ACCESS_LOG": "/dev/null"}
    log = WORK / f"{name}-gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own venv's gunicorn)
            # No worker recycling (max_requests) while measuring: starting a new worker
            # costs about a second of CPU, which would land in whichever 10-second run
            # happened to be going, and only backcare, which serves far more requests
            # over the whole benchmark, reaches the limit. The soak's memory figures are
            # then without the help of recycling too.
            [str(GUNICORN), "-c", str(GUNICORN_CONF), "--max-requests", "0", *app],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log)


def wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            print(server.log.read_text(), file=sys.stderr)
            raise CouldNotRun(f"{server.name} exited with {server.process.returncode}")
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise CouldNotRun(f"{server.name} did not answer {path} within {timeout:.0f} s")


def stop_server(server: Server) -> None:
    if server.process.poll() is not None:
        return
    try:
        # The master and its workers, in the session we started them in.
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    except ProcessLookupError:
        pass


# Memory --------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces or parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def pss_kb(pid: int) -> int:
    """Proportional set size: RSS with pages shared between workers split among them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


TICK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def tree_seconds(master: int) -> float:
    """CPU time of a gunicorn master, the workers it reaped and the workers alive now."""

    def own(pid: int, reaped: bool) -> float:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        # After ")": state ppid ... utime is field 14 of the whole line, index 11 here.
        ticks = int(stat[11]) + int(stat[12])
        if reaped:
            ticks += int(stat[13]) + int(stat[14])
        return ticks / TICK

    return own(master, True) + sum(own(pid, False) for pid in children(master))


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


# Symptom checker session -------------------------------------------------------------------


class FormParser(HTMLParser):
    """The first POST form: its action, CSRF token and the answers it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.csrf = ""
        self.answers: list[str] = []
        self.in_form = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self.done:
            return
        if tag == "form" and a.get("method", "").lower() == "post":
            self.in_form, self.action = True, a.get("action", "")
        elif tag == "input" and self.in_form:
            if a.get("name") == "csrfmiddlewaretoken":
                self.csrf = a.get("value", "")
            elif a.get("name") == "answer":
                self.answers.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def parse_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    if not parser.action or not parser.csrf:
        raise CouldNotRun("no POST form with a CSRF token on the symptom checker page")
    return parser


@dataclass
class CheckSession:
    next_step: str  # the path of the step now pending, e.g. /check/when-started/
    cookie: str  # the Cookie header holding the session (and the CSRF cookie)
    answered: list[str]


def start_check(steps: int = 2) -> CheckSession:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(APP + "/check/", timeout=10) as response:
        form = parse_form(response.read().decode())
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": form.csrf}).encode()
    with opener.open(APP + form.action, data=data, timeout=10) as response:
        url, html = response.geturl(), response.read().decode()
    answered = []
    for _ in range(steps):
        form = parse_form(html)
        # "No" or "None of these" to a warning sign, so the walk never ends the check early.
        answer = next((a for a in ("no", "none") if a in form.answers), form.answers[0])
        answered.append(f"{urllib.parse.urlsplit(url).path} = {answer}")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": form.csrf, "answer": answer}).encode()
        with opener.open(APP + form.action, data=data, timeout=10) as response:
            url, html = response.geturl(), response.read().decode()
    path = urllib.parse.urlsplit(url).path
    if not re.fullmatch(r"/check/[\w-]+/", path) or path in {"/check/answers/", "/check/result/"}:
        raise CouldNotRun(f"after {steps} answers the check went to {path}, not a question")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "sessionid=" not in cookie:
        raise CouldNotRun("the symptom checker did not set a session cookie")
    return CheckSession(path, cookie, answered)


def finish_check(limit: int = 40) -> str:
    """A check answered to its outcome and confirmed: the Cookie header that shows it.

    Finishing is what moves the anonymous count (triage.counting); showing the outcome
    page counts nothing, so its row should read the same with BACKCARE_COUNT_CHECKS off."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(APP + "/check/", timeout=10) as response:
        form = parse_form(response.read().decode())
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": form.csrf}).encode()
    with opener.open(APP + form.action, data=data, timeout=10) as response:
        url, html = response.geturl(), response.read().decode()
    for _ in range(limit):
        path = urllib.parse.urlsplit(url).path
        if path == "/check/result/":
            break
        form = parse_form(html)
        fields = {"csrfmiddlewaretoken": form.csrf}
        if path != "/check/answers/":
            calm = [a for a in ("no", "none", "better", "today") if a in form.answers]
            fields["answer"] = calm[0] if calm else form.answers[0]
        data = urllib.parse.urlencode(fields).encode()
        with opener.open(APP + form.action, data=data, timeout=10) as response:
            url, html = response.geturl(), response.read().decode()
    else:
        raise CouldNotRun(f"the check did not reach its outcome in {limit} answers")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


@dataclass
class StepSize:
    status: int
    html_bytes: int
    body_bytes: int  # as transferred
    header_bytes: int
    encoding: str

    @property
    def transferred(self) -> int:
        return self.body_bytes + self.header_bytes


def fetch_raw(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes, int]:
    """GET over a plain socket so we see the bytes exactly as they are sent."""
    parts = urllib.parse.urlsplit(url)
    request = f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
    lines = [f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    raw = (request + "\r\n".join(lines) + "\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), found, body, len(head) + 4


def measure_step(check: CheckSession) -> StepSize:
    headers = {
        "HX-Request": "true",
        "Cookie": check.cookie,
        "Accept-Encoding": "gzip, deflate, br, zstd",
    }
    status, found, body, head = fetch_raw(APP + check.next_step, headers)
    plain_status, _, plain, _ = fetch_raw(
        APP + check.next_step, {"HX-Request": "true", "Cookie": check.cookie}
    )
    if status != 200 or plain_status != 200:
        raise CouldNotRun(f"htmx GET {check.next_step} answered {status}, not 200")
    if b"<html" in plain or b'id="check"' not in plain:
        raise CouldNotRun(f"htmx GET {check.next_step} did not return the #check fragment")
    return StepSize(status, len(plain), len(body), head, found.get("content-encoding", "none"))


# wrk ---------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


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


def parse_wrk(label: str, url: str, output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", output, re.M))
    if not (rps and total and "50" in latency and "99" in latency):
        raise CouldNotRun(f"could not read wrk's output for {url}:\n{output}")

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        return to_ms(number, unit)

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
        p50_ms=ms(latency["50"]),
        p99_ms=ms(latency["99"]),
        non_2xx_3xx=int(non.group(1)) if non else 0,
        socket_errors=socket_errors,
        output=output,
    )


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


# Page weight ---------------------------------------------------------------------------------


@dataclass
class Weight:
    url: str
    requests: int
    cdp_bytes: int  # sum of Network.loadingFinished encodedDataLength (headers + body)
    pw_bytes: int  # sum of Playwright request.sizes() responseHeadersSize + responseBodySize
    status: int
    accept_encoding: str
    resources: list[tuple[str, str, int]]  # (path, content-encoding, encoded bytes)


def page_weights(urls: list[str]) -> list[Weight]:
    from playwright.sync_api import sync_playwright

    weights = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for url in urls:
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                sent: dict[str, str] = {}
                encoding: dict[str, str] = {}
                accept: dict[str, str] = {}
                finished: dict[str, int] = {}
                requests: list[Any] = []

                def on_sent(event: dict[str, Any], sent: dict[str, str] = sent) -> None:
                    if event["request"]["url"].startswith("http"):
                        sent[event["requestId"]] = event["request"]["url"]

                def on_extra(event: dict[str, Any], accept: dict[str, str] = accept) -> None:
                    headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
                    accept[event["requestId"]] = headers.get("accept-encoding", "")

                def on_response(event: dict[str, Any], encoding: dict[str, str] = encoding) -> None:
                    headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
                    encoding[event["requestId"]] = headers.get("content-encoding", "none")

                def on_done(event: dict[str, Any], finished: dict[str, int] = finished) -> None:
                    finished[event["requestId"]] = int(event["encodedDataLength"])

                cdp.on("Network.requestWillBeSent", on_sent)
                cdp.on("Network.requestWillBeSentExtraInfo", on_extra)
                cdp.on("Network.responseReceived", on_response)
                cdp.on("Network.loadingFinished", on_done)
                page.on("requestfinished", lambda r, requests=requests: requests.append(r))
                response = page.goto(url, wait_until="networkidle")
                page.wait_for_timeout(300)  # let the last CDP events arrive
                pw_bytes = 0
                for request in requests:
                    if request.url.startswith("http"):
                        sizes = request.sizes()
                        pw_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
                first = next(iter(sent), "")
                weights.append(
                    Weight(
                        url=url,
                        requests=len(sent),
                        cdp_bytes=sum(finished.get(rid, 0) for rid in sent),
                        pw_bytes=pw_bytes,
                        status=response.status if response else 0,
                        accept_encoding=accept.get(first, "?"),
                        resources=[
                            (
                                urllib.parse.urlsplit(u).path,
                                encoding.get(rid, "?"),
                                finished.get(rid, 0),
                            )
                            for rid, u in sent.items()
                        ],
                    )
                )
                context.close()
        finally:
            browser.close()
    return weights


# Report --------------------------------------------------------------------------------------


NOISY_OTHER_PCT = 10


def other_share(cpu: str) -> float:
    found = re.search(r"other processes (\d+)%", cpu)
    return float(found.group(1)) if found else 0.0


def cpu_ratio(result: WrkResult, bare: WrkResult) -> float:
    return bare.cpu_ms / result.cpu_ms if result.cpu_ms else 0.0


def kb(size: float) -> str:
    return f"{size / KB:.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


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


def main() -> int:
    started = time.monotonic()
    seconds = env_int("BENCH_SECONDS", 10)
    connections = env_int("BENCH_CONNECTIONS", 32)
    threads = env_int("BENCH_THREADS", 2)
    warmup = env_int("BENCH_WARMUP_SECONDS", 3, minimum=0)
    soak_seconds = env_int("BENCH_SOAK_SECONDS", 60)
    soak_connections = env_int("BENCH_SOAK_CONNECTIONS", 64)
    threads = min(threads, connections)

    ensure_tools()
    import django
    import gunicorn

    workers = os.environ.get("WEB_CONCURRENCY") or f"{(os.cpu_count() or 1) * 2} (cpu count x 2)"
    say(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before starting; "
        f"Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {gunicorn.__version__}; workers {workers}"
    )
    env = app_environment()
    prepare_data(env)
    bare_env = {k: v for k, v in env.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    bare_app = ["--pythonpath", str(ROOT / "scripts"), "bench_bare:application"]

    servers: list[Server] = []
    sampler: Sampler | None = None
    try:
        servers.append(start_server("backcare", APP_PORT, ["backcare.wsgi:application"], env))
        servers.append(start_server("bare", BARE_PORT, bare_app, bare_env))
        session_env = {
            **bare_env,
            "BENCH_BARE_SESSIONS": "1",
            "BENCH_BARE_SECRET_KEY": env["SECRET_KEY"],  # to read backcare's sessions
            **({"REDIS_URL": env["REDIS_URL"]} if "REDIS_URL" in env else {}),
        }
        servers.append(start_server("bare-session", SESSION_PORT, bare_app, session_env))
        app, bare, with_session = servers
        wait_ready(app, "/healthz")
        wait_ready(bare, "/")
        wait_ready(with_session, "/")
        say(f"backcare on {APP} (pid {app.process.pid}), bare on {BARE} (pid {bare.process.pid})")
        memories = [Memory(app.process.pid), Memory(bare.process.pid)]
        sampler = Sampler(memories)
        sampler.start()

        check = start_check()
        say(f"symptom checker session: answered {', '.join(check.answered)}")
        say(f"htmx target: GET {check.next_step} with HX-Request: true and the session cookie")
        step_headers = {"HX-Request": "true", "Cookie": check.cookie}
        counting = "on" if os.environ.get("BACKCARE_COUNT_CHECKS", "true") != "false" else "off"
        outcome = {"Cookie": finish_check()}
        targets: list[tuple[str, str, dict[str, str]]] = [
            ("home /", APP + "/", {}),
            (f"article {ARTICLE}", APP + ARTICLE, {}),
            (f"htmx step {check.next_step}", APP + check.next_step, step_headers),
            (SEARCH_LABEL, APP + SEARCH, {}),
            (f"outcome /check/result/ (counting {counting})", APP + "/check/result/", outcome),
            ("bare Django /", BARE + "/", {}),
            (SESSION_LABEL, SESSION + "/", {"Cookie": check.cookie}),
        ]
        masters = (app.process.pid, bare.process.pid, with_session.process.pid)
        options: dict[str, Any] = {
            "connections": connections,
            "threads": threads,
            "masters": masters,
        }
        if warmup:
            say(f"warming up: {warmup} s per target")
            for label, url, headers in targets:
                wrk(label, url, seconds=warmup, headers=headers, **options)
        results: dict[str, WrkResult] = {}
        for label, url, headers in targets:
            say(f"wrk -t{threads} -c{connections} -d{seconds}s --latency {url}")
            results[label] = wrk(label, url, seconds=seconds, headers=headers, **options)
            r = results[label]
            say(
                f"  {r.rps:.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
                f"{r.requests} requests, {r.errors} errors; {r.cpu}"
            )

        say("page weight: first visit in Chromium, fresh context each")
        weights = page_weights([APP + path for path in WEIGHT_PATHS] + [BARE + "/"])
        step = measure_step(check)

        for memory in memories:
            memory.before_soak = memory.total()
        say(f"soak: {soak_seconds} s, {soak_connections} connections over {SOAK_PATHS}")
        lua = WORK / "soak.lua"
        lua.write_text(SOAK_LUA % ", ".join(f'"{p}"' for p in SOAK_PATHS))
        soak = wrk(
            "soak",
            APP + "/",
            seconds=soak_seconds,
            connections=soak_connections,
            threads=threads,
            script=lua,
            masters=masters,
        )
        sampler.stopped.set()
        for memory in memories:
            memory.finish()
        errors_logged = [
            line
            for line in app.log.read_text(errors="replace").splitlines()
            if re.search(r"\b(ERROR|CRITICAL|Traceback|WORKER TIMEOUT)\b", line)
        ]
    finally:
        if sampler:
            sampler.stopped.set()
        for server in servers:
            stop_server(server)

    # The report ---------------------------------------------------------------------------
    bare_result = results["bare Django /"]
    by_url = {w.url: w for w in weights}
    weight_of = {
        "home /": by_url[APP + "/"],
        f"article {ARTICLE}": by_url[APP + ARTICLE],
        "bare Django /": by_url[BARE + "/"],
    }
    print()
    print(
        f"## backcare vs bare Django: wrk -t{threads} -c{connections} -d{seconds}s, "
        f"{workers} gunicorn sync workers each, {os.cpu_count()} cores shared with wrk"
    )
    print()
    print(
        "| page | req/s | p50 ms | p99 ms | ratio to bare | page weight KB | requests | errors "
        "| server CPU ms/req | CPU ratio to bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, result in results.items():
        ratio = result.rps / bare_result.rps if bare_result.rps else 0.0
        if label in weight_of:
            w = weight_of[label]
            weight, count = kb(w.cdp_bytes), str(w.requests)
        elif label in {SESSION_LABEL, SEARCH_LABEL} or label.startswith("outcome "):
            weight, count = "n/a", "n/a"
        else:
            weight, count = f"{kb(step.transferred)} ({kb(step.body_bytes)} body)", "1"
        print(
            f"| {label} | {result.rps:.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            f"{ratio:.2f} | {weight} | {count} | {result.errors} | {result.cpu_ms:.2f} | "
            f"{cpu_ratio(result, bare_result):.2f} |"
        )
    check_page = by_url[APP + "/check/"]
    none = "| n/a " * 4
    print(
        f"| check start /check/ (weight only) {none}| {kb(check_page.cdp_bytes)} | "
        f"{check_page.requests} | n/a | n/a | n/a |"
    )
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
        "Django page that must read a visitor's session. A reference, with no target."
    )
    print()
    print("Where the CPU went during each run (wrk shares the machine with the servers):")
    for label, result in results.items():
        print(f"- {label}: {result.cpu}")
    noisy = [r.label for r in results.values() if other_share(r.cpu) > NOISY_OTHER_PCT]
    if noisy:
        print(
            f"- WARNING: other processes took more than {NOISY_OTHER_PCT}% of the CPU during "
            f"{', '.join(noisy)}: those figures are low; run again on a quiet machine"
        )

    print()
    print("### Page weight details")
    for w in weights:
        print(
            f"- {w.url} (status {w.status}): {w.requests} requests, {w.cdp_bytes} B by CDP, "
            f"{w.pw_bytes} B by Playwright request.sizes(); Chromium sent "
            f"Accept-Encoding: {w.accept_encoding}"
        )
        for path, encoding, size in w.resources:
            print(f"    - {path}: {size} B, content-encoding {encoding}")
    print(
        f"- htmx step GET {check.next_step}: {step.html_bytes} B of HTML; with Accept-Encoding "
        f"gzip/br: body {step.body_bytes} B (content-encoding {step.encoding}) + headers "
        f"{step.header_bytes} B = {step.transferred} B"
    )

    print()
    print("### Soak")
    soak_errors = soak.errors
    print(
        f"- {soak_seconds} s, {soak_connections} connections, {threads} threads, rotating over "
        f"{', '.join(SOAK_PATHS)}"
    )
    print(
        f"- {soak.requests} requests, {soak.rps:.0f} req/s, p50 {soak.p50_ms:.1f} ms, "
        f"p99 {soak.p99_ms:.1f} ms"
    )
    print(
        f"- errors: {soak_errors} (non-2xx/3xx {soak.non_2xx_3xx}, socket errors "
        + ", ".join(f"{k} {v}" for k, v in soak.socket_errors.items())
        + ")"
    )
    print(f"- {soak.cpu}")
    print(f"- lines in backcare's gunicorn log that look like errors: {len(errors_logged)}")
    for line in errors_logged[:10]:
        print(f"    {line}")

    print()
    print("### Memory (gunicorn workers)")
    for line in memory_lines("backcare", memories[0]) + memory_lines("bare", memories[1]):
        print(line)

    print()
    print("### Targets")
    misses = 0
    for label, result in results.items():
        if label in {"bare Django /", SESSION_LABEL} or label.startswith("outcome "):
            continue  # references; the outcome row is compared with a run with counting off
        ratio = result.rps / bare_result.rps if bare_result.rps else 0.0
        for ok, text in (
            (
                ratio >= TARGET_RATIO,
                f"throughput {ratio:.2f} x bare (target >= {TARGET_RATIO}; by CPU per request "
                f"{cpu_ratio(result, bare_result):.2f})",
            ),
            (
                result.p99_ms < TARGET_P99_MS,
                f"p99 {result.p99_ms:.1f} ms at {connections} connections "
                f"(target < {TARGET_P99_MS:.0f} ms)",
            ),
        ):
            misses += not ok
            print(f"- {mark(ok)} {label}: {text}")
        if result.errors:
            print(f"- WARN {label}: {result.errors} errors during the run (see wrk output)")
            print("    " + result.output.replace("\n", "\n    "))
    for path in WEIGHT_PATHS:
        w = by_url[APP + path]
        for ok, text in (
            (w.cdp_bytes < TARGET_WEIGHT, f"{kb(w.cdp_bytes)} KB transferred (target < 60 KB)"),
            (w.requests <= TARGET_REQUESTS, f"{w.requests} requests (target <= 5)"),
        ):
            misses += not ok
            print(f"- {mark(ok)} first visit {path}: {text}")
    ok = step.transferred < TARGET_STEP
    misses += not ok
    print(
        f"- {mark(ok)} htmx step {check.next_step}: {step.transferred} B transferred "
        f"({step.body_bytes} B body) (target < 4 KB = 4096 B)"
    )
    ok = soak_errors == 0
    print(f"- {mark(ok)} soak: {soak_errors} errors in {soak.requests} requests (target 0)")

    print()
    elapsed = time.monotonic() - started
    print(
        f"{misses} target(s) missed (reported, not an error); soak errors: {soak_errors}. "
        f"Took {elapsed:.0f} s."
    )
    return 1 if soak_errors else 0


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
