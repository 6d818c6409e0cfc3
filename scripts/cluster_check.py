#!/usr/bin/env python3
"""Prove that backcare runs as several instances behind a proxy (`make cluster-check`).

On loopback only, this starts PostgreSQL and Redis (scripts/services), a fresh database,
two gunicorn instances (A on :8201, B on :8202) and nginx running deploy/nginx.conf with
only its ports and paths changed (plain http on :8200, TLS on :8243). Then it checks that:

- /healthz answers through the proxy, and TLS ends at nginx;
- a symptom check can move between instances (shared sessions and CSRF tokens);
- an edit published through A is served by B at once (shared cache invalidation);
- nginx caches static files and nothing else, and logs no query strings;
- an unknown Host is closed by nginx (444) and gets a plain 400 from the app;
- a flood of failed log-ins through nginx is refused there, and a public page keeps
  answering in well under a second;
- under a steady stream of visitors no request is lost while B reloads its workers
  (SIGHUP), A is drained at nginx and stopped (SIGTERM), and A is listed again while
  still stopped (nginx passes refused requests on to B); the proxy uses A again once it
  is back, and with no instance left nginx shows its fallback page.

It prints a line per check and exits 1 if any fails. Everything it started is stopped,
and its temporary folder removed, even on failure.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from html import escape
from html.parser import HTMLParser
from itertools import chain, cycle, repeat
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NGINX_EXAMPLE = ROOT / "deploy" / "nginx.conf"
CASES_DIR = ROOT / "content" / "triage" / "cases"

HOST = "127.0.0.1"
PORTS = {"A": 8201, "B": 8202}
PROXY = f"http://{HOST}:8200"
PROXY_TLS = f"https://{HOST}:8243"
REDIRECT_PORT = 8280
A = f"http://{HOST}:{PORTS['A']}"
B = f"http://{HOST}:{PORTS['B']}"
INSTANCE_BY_ADDRESS = {f"{HOST}:{port}": name for name, port in PORTS.items()}

DATABASE = "backcare_cluster"
MAINTENANCE_DB_URL = f"postgres://backcare:backcare@{HOST}:5432/postgres"
REDIS_DB = 2
ADMIN = "/admin/"
ADMIN_USER = "cluster-check"
REMEDY = "cold-therapy"
FIRST_QUESTION = "numbness-or-weakness"
EMERGENCY_CASE = "numbness-is-an-emergency"
SELF_CARE_CASE = "a-bit-worse-early-self-care"
GP_CASE = "gp-flag-and-situation"

STREAM_VISITORS = 4

# Each run changes titles and texts to something new, so a stale copy cannot pass.
RUN_TAG = secrets.token_hex(3)


class CheckFailed(Exception):
    """A check did not hold: the message says what was seen instead."""


class SetupFailed(Exception):
    """The cluster could not be set up, so nothing can be checked."""


# Running commands -------------------------------------------------------------------


def run(command: list[str | Path], env: dict[str, str] | None = None) -> str:
    """Run a command to completion; its output only shows when it fails."""
    done = subprocess.run(  # noqa: S603 (our own commands, no shell)
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-3000:]
        raise SetupFailed(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{output}")
    return done.stdout


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise SetupFailed(f"{', '.join(packages)} missing: run as root or apt-get install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env)
    run(["apt-get", "install", "-y", "-qq", *packages], env)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


def ensure_system_packages() -> str:
    """PostgreSQL and Redis running (scripts/services), nginx and openssl installed."""
    run([ROOT / "scripts" / "services"])
    missing = [] if nginx_binary() else ["nginx"]
    missing += [] if shutil.which("openssl") else ["openssl"]
    if missing:
        apt_install(*missing)
    nginx = nginx_binary()
    if nginx is None:
        raise SetupFailed("nginx is still missing after apt-get install nginx")
    return nginx


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


# The cluster ------------------------------------------------------------------------


def production_env() -> dict[str, str]:
    """What every instance (and every manage.py command) runs with."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "BACKCARE_HTTPS": "false",
        "BACKCARE_BEHIND_PROXY": "true",
        "BACKCARE_ADMIN_PATH": ADMIN.strip("/"),
        "DATABASE_URL": f"postgres://backcare:backcare@{HOST}:5432/{DATABASE}",
        "REDIS_URL": f"redis://{HOST}:6379/{REDIS_DB}",
        "BACKCARE_LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> str:
    return run([VENV_BIN / "python", "manage.py", *args], env)


def fresh_database() -> None:
    """Drop and recreate the run's own database, and empty its own Redis database."""
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{DATABASE}"')
    run(["redis-cli", "-h", HOST, "-n", str(REDIS_DB), "FLUSHDB"])


def psql(*statements: str) -> None:
    commands = chain.from_iterable(("-c", statement) for statement in statements)
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", MAINTENANCE_DB_URL, *commands])


def drop_database() -> None:
    with contextlib.suppress(SetupFailed):
        psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        run(["redis-cli", "-h", HOST, "-n", str(REDIS_DB), "FLUSHDB"])


def prepare_app(env: dict[str, str], password: str) -> None:
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v0")
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": password},
        "createsuperuser",
        "--no-input",
        "--username",
        ADMIN_USER,
        "--email",
        "cluster-check@example.org",
    )


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


@dataclass
class Cluster:
    """The processes this run started, each in its own process group, and nginx's files."""

    tmp: Path
    env: dict[str, str]
    nginx: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def prefix(self) -> Path:
        return self.tmp / "nginx"

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (our own commands, no shell)
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.prefix / "error.log" if name == "nginx" else self.tmp / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # gunicorn instances

    def start_instance(self, name: str) -> None:
        env = {**self.env, "BACKCARE_BIND": f"{HOST}:{PORTS[name]}", "WEB_CONCURRENCY": "2"}
        command = [str(VENV_BIN / "gunicorn"), "backcare.wsgi", "-c", "deploy/gunicorn.conf.py"]
        process = self.start(name, command, env)
        wait_until_healthy(f"http://{HOST}:{PORTS[name]}/healthz", name, process, self)

    def stop_instance(self, name: str) -> None:
        """SIGTERM to gunicorn's master, as an operator would: requests in hand finish."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)

    def reload_instance(self, name: str) -> tuple[set[int], set[int]]:
        """SIGHUP to gunicorn's master: new workers (with new code) on the same socket, the
        old ones finish what they hold. Returns the old and the new worker ids."""
        process = self.processes[name]
        old = child_pids(process.pid)
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: len(child_pids(process.pid) - old) == len(old), 20, f"{name}'s reload")
        wait_for(lambda: not child_pids(process.pid) & old, 30, f"{name}'s old workers leaving")
        wait_until_healthy(f"http://{HOST}:{PORTS[name]}/healthz", name, process, self)
        return old, child_pids(process.pid)

    # nginx

    def write_proxy_config(self, down: Iterable[str] = ()) -> Path:
        """An nginx.conf that includes deploy/nginx.conf, changed only where it must be to
        run here: loopback ports, files under our folder, a throwaway certificate, the
        instances marked `down` (taken out to be stopped), and one extra header saying which
        instance answered (so the checks can count them)."""
        prefix, down = self.prefix, set(down)
        upstream_header = "add_header X-Backcare-Upstream $upstream_addr always;"
        changes = [
            ("/etc/ssl/backcare/", f"{prefix}/ssl/"),
            ("/var/cache/nginx-backcare ", f"{prefix}/cache/static "),
            ("/var/log/nginx/", f"{prefix}/logs/"),
            ("listen 80;", f"listen {HOST}:{REDIRECT_PORT};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl http2;", f"listen {HOST}:8200;\n    listen {HOST}:8243 ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 80 default_server;", f"listen {HOST}:{REDIRECT_PORT} default_server;"),
            ("listen [::]:80 default_server;", ""),
            # Only plain http: the TLS check connects by address, which sends no server
            # name (SNI), so the example's handshake-refusing default would refuse it.
            ("listen 443 ssl http2 default_server;", f"listen {HOST}:8200 default_server;"),
            ("listen [::]:443 ssl http2 default_server;", ""),
            # Here the site's name is the loopback address; any other name still gets 444.
            ("server_name backcare.example.org;", f"server_name backcare.example.org {HOST};"),
            (
                "proxy_pass http://backcare;",
                f"proxy_pass http://backcare;\n        {upstream_header}",
            ),
        ]
        for name, example in (("A", "127.0.0.1:8001"), ("B", "127.0.0.1:8002")):
            flag = "down " if name in down else ""
            changes.append((f"server {example} ", f"server {HOST}:{PORTS[name]} {flag}"))
        text = NGINX_EXAMPLE.read_text()
        for old, new in changes:
            if old not in text:
                raise SetupFailed(f"deploy/nginx.conf no longer has {old!r}: update {__file__}")
            text = text.replace(old, new)
        listening = re.findall(r"^\s*listen\s+(\S+)", text, re.M)
        if any(not address.startswith(f"{HOST}:") for address in listening):
            raise SetupFailed(f"the generated config would listen beyond loopback: {listening}")
        (prefix / "backcare.conf").write_text(text)

        temp_paths = "\n".join(
            f"    {kind}_temp_path {prefix}/temp/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach our folder
        config = prefix / "nginx.conf"
        config.write_text(
            f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 512; }}\n"
            f"http {{\n{temp_paths}\n    include {prefix}/backcare.conf;\n}}\n"
        )
        return config

    def nginx_command(self) -> list[str]:
        config = self.prefix / "nginx.conf"
        return [
            self.nginx,
            "-p",
            str(self.prefix),
            "-c",
            str(config),
            "-e",
            str(self.prefix / "error.log"),
        ]

    def start_proxy(self) -> None:
        for folder in ("ssl", "cache", "logs", "temp"):
            (self.prefix / folder).mkdir(parents=True, exist_ok=True)
        make_certificate(self.prefix / "ssl")
        self.write_proxy_config()
        run([*self.nginx_command(), "-t"])
        process = self.start("nginx", [*self.nginx_command(), "-g", "daemon off;"], self.env)
        wait_until_healthy(f"{PROXY}/healthz", "nginx", process, self)

    def reload_proxy(self, down: Iterable[str] = ()) -> None:
        """Change the upstream and reload nginx gracefully (SIGHUP, as `nginx -s reload`):
        returns once the old workers, with the old upstream, have finished and gone."""
        self.write_proxy_config(down)
        run([*self.nginx_command(), "-t"])
        master = self.processes["nginx"]
        old = child_pids(master.pid)
        master.send_signal(signal.SIGHUP)
        wait_for(lambda: not (child_pids(master.pid) & old), 20, "nginx's reload")

    def stop_all(self) -> None:
        for name, process in reversed(self.processes.items()):
            if process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"     {name} did not stop on SIGTERM: killing it", flush=True)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def wait_until_healthy(
    url: str, name: str, process: subprocess.Popen[bytes], cluster: Cluster, seconds: float = 40
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SetupFailed(f"{name} exited ({process.returncode}):\n{cluster.log_tail(name)}")
        with contextlib.suppress(CheckFailed):
            if Browser().get(url, "").status == 200:
                return
        time.sleep(0.2)
    raise SetupFailed(
        f"{name} not healthy at {url} after {seconds:.0f}s:\n{cluster.log_tail(name)}"
    )


def make_certificate(folder: Path) -> None:
    """A self-signed certificate for the example's TLS server, valid for a day."""
    run([
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=backcare.example.org",
        "-keyout", folder / "privkey.pem", "-out", folder / "fullchain.pem",
    ])  # fmt: skip


# A visitor: standard-library HTTP with a cookie jar -----------------------------------


@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: Message
    text: str

    @property
    def where(self) -> str:
        """The path this redirect points to."""
        if self.status not in (301, 302, 303, 307, 308):
            raise CheckFailed(f"{self.method} {self.url}: expected a redirect, got {self.status}")
        parts = urllib.parse.urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def upstream(self) -> str:
        """The instance that answered through the proxy ("A" or "B"; "A>B" when A refused
        and nginx passed the request on to B)."""
        tried = [a.strip() for a in self.headers.get("X-Backcare-Upstream", "").split(",")]
        return ">".join(INSTANCE_BY_ADDRESS.get(address, address) for address in tried if address)

    def expect(self, status: int) -> Response:
        if self.status != status:
            raise CheckFailed(f"{self.method} {self.url}: expected {status}, got {self.status}")
        return self


@dataclass
class Outcome:
    """One request made during the stream of visitors."""

    at: float
    method: str
    path: str
    status: int | None
    upstream: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 400

    def __str__(self) -> str:
        return (
            f"{self.method} {self.path} -> {self.status or self.error} via {self.upstream or '?'}"
        )


class RequestLog:
    """What the stream of visitors saw: every request, every check that went wrong."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.problems: list[tuple[float, str]] = []
        self.finished = 0
        self._lock = threading.Lock()

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def problem(self, message: str) -> None:
        with self._lock:
            self.problems.append((time.monotonic(), message))

    def finish(self) -> None:
        with self._lock:
            self.finished += 1


class _EveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it is: redirects are followed by hand, to the instance
    each check chooses, and error statuses are for the checks to judge."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


class Browser:
    """One visitor. Cookies are kept per host, not per port, so the same cookies go to
    every instance, as they would from one browser behind one address."""

    def __init__(self, log: RequestLog | None = None, context: ssl.SSLContext | None = None):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never through an http_proxy from the env
            urllib.request.HTTPCookieProcessor(self.cookies),
            urllib.request.HTTPSHandler(context=context),
            _EveryResponse(),
        )
        self.log = log

    def get(self, base: str, path: str) -> Response:
        request = urllib.request.Request(base + path, method="GET")  # noqa: S310 (ours)
        return self._send(request)

    def post(self, base: str, path: str, fields: Iterable[tuple[str, str]]) -> Response:
        body = urllib.parse.urlencode(list(fields)).encode()
        request = urllib.request.Request(base + path, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Response:
        request.add_header("User-Agent", "backcare-cluster-check")
        method, url = request.get_method(), request.full_url
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=20) as raw:
                response = Response(
                    method, url, raw.status, raw.headers, raw.read().decode("utf-8", "replace")
                )
        except (OSError, http.client.HTTPException) as exc:
            if self.log:
                path = urllib.parse.urlsplit(url).path
                self.log.add(Outcome(started, method, path, None, "", f"{exc!r}"))
            raise CheckFailed(f"{method} {url}: {exc!r}") from exc
        if self.log:
            path = urllib.parse.urlsplit(url).path
            self.log.add(Outcome(started, method, path, response.status, response.upstream))
        return response


# Reading pages --------------------------------------------------------------------------

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DISPOSITION = re.compile(r'<main\b[^>]*\bdata-disposition="([^"]+)"')


def csrf_token(page: Response) -> str:
    match = CSRF_TOKEN.search(page.text)
    if not match:
        raise CheckFailed(f"{page.url}: no CSRF token on the page")
    return match.group(1)


def disposition(page: Response) -> str:
    match = DISPOSITION.search(page.text)
    return match.group(1) if match else "(none)"


def expect_text(page: Response, text: str, why: str) -> None:
    if escape(text) not in page.text:
        raise CheckFailed(f"{page.url} does not show {text!r}: {why}")


class FormFields(HTMLParser):
    """What a browser would submit from the form with this id: inputs, ticked boxes,
    chosen options and text areas (a button's name is added by the caller)."""

    SKIPPED = {"submit", "button", "image", "reset", "file"}

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: dict[str, Any] | None = None
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = a.get("id") == self.form_id
            self.found = self.found or self._inside
        if not self._inside or "disabled" in a or not (a.get("name") or tag == "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in self.SKIPPED:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop the newline that starts a text area (Django writes one).
            self.fields.append((self._textarea, text.removeprefix("\r").removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [value for value, selected in options if selected]
            if not self._select["multiple"] and not chosen and options:
                chosen = [options[0][0]]
            self.fields.extend((self._select["name"], value) for value in chosen)
            self._select = None


def form_fields(page: Response, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(page.text)
    if not parser.found:
        raise CheckFailed(f"{page.url}: no form with id {form_id!r}")
    return parser.fields


def replace_field(fields: list[tuple[str, str]], name: str, value: str) -> tuple[str, str]:
    """Set one field; returns (old value, new value)."""
    for i, (key, old) in enumerate(fields):
        if key == name:
            fields[i] = (name, value)
            return old, value
    raise CheckFailed(f"the form has no field {name!r}")


# The symptom checker ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    slug: str
    expected: str
    answers: dict[str, list[str]]


def load_case(slug: str) -> Case:
    data = yaml.safe_load((CASES_DIR / f"{slug}.yaml").read_text())
    return Case(slug, str(data["expected"]), {k: list(v) for k, v in data["answers"].items()})


def start_check(browser: Browser, bases: Iterator[str]) -> str:
    """Press "Start now"; returns the first question's path."""
    page = browser.get(next(bases), "/check/").expect(200)
    return browser.post(next(bases), "/check/", [("csrfmiddlewaretoken", csrf_token(page))]).where


def walk_check(browser: Browser, case: Case, bases: Iterator[str]) -> Response:
    """Answer a whole symptom check as `case` says, sending each request to the next of
    `bases`, and return the result page."""
    where = start_check(browser, bases)
    for _ in range(40):
        if where == "/check/result/":
            return browser.get(next(bases), where).expect(200)
        page = browser.get(next(bases), where).expect(200)
        fields = [("csrfmiddlewaretoken", csrf_token(page))]
        if where != "/check/answers/":
            slug = where.strip("/").rsplit("/", 1)[-1]
            if slug not in case.answers:
                raise CheckFailed(f"{case.slug} has no answer for {where}")
            fields += [("answer", value) for value in case.answers[slug]]
        where = browser.post(next(bases), where, fields).where
    raise CheckFailed(f"{case.slug}: the check did not end")


def expect_disposition(result: Response, case: Case) -> str:
    seen = disposition(result)
    if seen != case.expected:
        raise CheckFailed(f"{case.slug}: expected {case.expected}, the result page says {seen}")
    return seen


# The admin ----------------------------------------------------------------------------


def log_in(browser: Browser, base: str, password: str) -> str:
    path = f"{ADMIN}login/?next={ADMIN}"
    page = browser.get(base, path).expect(200)
    fields = [
        ("csrfmiddlewaretoken", csrf_token(page)),
        ("username", ADMIN_USER),
        ("password", password),
        ("next", ADMIN),
    ]
    if browser.post(base, path, fields).where != ADMIN:
        raise CheckFailed("the admin login did not go through")
    return f"logged in as {ADMIN_USER} (superuser)"


def admin_change_url(browser: Browser, base: str, model: str, slug: str) -> str:
    """The change form of the item with this slug (found with the changelist's filter)."""
    page = browser.get(base, f"{ADMIN}{model}/?slug={slug}").expect(200)
    ids = set(re.findall(rf'href="{ADMIN}{model}/(\d+)/change/', page.text))
    if len(ids) != 1:
        raise CheckFailed(f"expected one {model} called {slug}, found {sorted(ids)}")
    return f"{ADMIN}{model}/{ids.pop()}/change/"


def save_in_admin(browser: Browser, base: str, url: str, fields: list[tuple[str, str]]) -> None:
    saved = browser.post(base, url, fields)
    if saved.status != 302:
        errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
        text = "; ".join(re.sub(r"<[^>]+>", " ", e).strip() for e in errors)[:500]
        raise CheckFailed(f"saving {url} gave {saved.status}: {text or 'no error shown'}")


# The checks ---------------------------------------------------------------------------


def check_healthz_through_proxy() -> str:
    page = Browser().get(PROXY, "/healthz").expect(200)
    if page.text.strip() != "ok":
        raise CheckFailed(f"/healthz said {page.text.strip()!r}")
    return f"answered by {page.upstream}"


def check_tls_ends_at_proxy(certificate: Path) -> str:
    """The example's TLS server answers, and Django trusts its X-Forwarded-Proto: the
    absolute URL it writes in robots.txt is https through TLS and http otherwise."""
    context = ssl.create_default_context(cafile=str(certificate))
    context.check_hostname = False  # the throwaway certificate names backcare.example.org
    secure = Browser(context=context).get(PROXY_TLS, "/robots.txt").expect(200)
    plain = Browser().get(PROXY, "/robots.txt").expect(200)
    if "Sitemap: https://" not in secure.text or "Sitemap: http://" not in plain.text:
        raise CheckFailed(f"robots.txt: {secure.text!r} over TLS, {plain.text!r} over http")
    redirect = Browser().get(f"http://{HOST}:{REDIRECT_PORT}", "/relief/?a=b")
    location = redirect.headers.get("Location", "")
    if redirect.status != 301 or location != "https://backcare.example.org/relief/?a=b":
        raise CheckFailed(f"http server: {redirect.status} to {location!r}")
    return "Django sees https via X-Forwarded-Proto; http redirects to https"


def check_started_on_a_finishes_on_b() -> str:
    case = load_case(EMERGENCY_CASE)
    result = walk_check(Browser(), case, chain([A, A], repeat(B)))
    return (
        f"{case.slug}: started on A, answered on B, result on B: {expect_disposition(result, case)}"
    )


def check_alternating_instances() -> str:
    results = []
    for slug in (SELF_CARE_CASE, GP_CASE):
        case = load_case(slug)
        result = walk_check(Browser(), case, cycle([A, B]))
        results.append(f"{case.slug}: {expect_disposition(result, case)}")
    return "every request to the other instance; " + ", ".join(results)


def check_content_edit_served_by_other_instance(admin: Browser) -> str:
    public = f"/relief/{REMEDY}/"
    Browser().get(B, public).expect(200)  # B has served the old version
    url = admin_change_url(admin, A, "articles/remedy", REMEDY)
    fields = form_fields(admin.get(A, url).expect(200), "remedy_form")
    old = dict(fields)["title"]
    _, new = replace_field(fields, "title", f"{old} (edited on A, {RUN_TAG})")
    save_in_admin(admin, A, url, [*fields, ("_publish", "Save and publish")])
    expect_text(Browser().get(B, public).expect(200), new, "B does not serve what A published")
    return f"title {old!r} -> {new!r}, published on A, shown by B at once"


def check_flow_publish_served_by_other_instance(admin: Browser) -> str:
    earlier = Browser()  # a visitor who starts before the publish, on B
    first = start_check(earlier, repeat(B))
    old_page = earlier.get(B, first).expect(200)

    url = admin_change_url(admin, A, "triage/question", FIRST_QUESTION)
    fields = form_fields(admin.get(A, url).expect(200), "question_form")
    old_text = dict(fields)["text"]
    expect_text(old_page, old_text, "B does not show the published question")
    _, new_text = replace_field(fields, "text", f"{old_text} (edited on A, {RUN_TAG})")
    save_in_admin(admin, A, url, [*fields, ("_save", "Save")])

    flow_page = admin.get(A, f"{ADMIN}triage/flowversion/").expect(200)
    published = admin.post(
        A,
        f"{ADMIN}triage/flowversion/publish/",
        [
            ("csrfmiddlewaretoken", csrf_token(flow_page)),
            ("checksum", re.search(r'name="checksum" value="([^"]+)"', flow_page.text).group(1)),
        ],
    )
    after = admin.get(A, published.where).expect(200)
    if "Published version" not in after.text:
        raise CheckFailed("publishing the symptom checker on A did not say it was published")

    fresh = Browser()
    expect_text(
        fresh.get(B, start_check(fresh, repeat(B))).expect(200),
        new_text,
        "B still serves the old symptom checker",
    )
    restarted = earlier.get(B, first)
    if restarted.status != 303 or restarted.where != "/check/":
        raise CheckFailed(f"a check begun before the publish got {restarted.status}, not a restart")
    expect_text(
        earlier.get(B, "/check/").expect(200),
        "We have updated the questions since you started",
        "the restarted visitor is not told why",
    )
    return "new question text on B at once; a check begun before it restarts with a message"


def check_static_cached_by_proxy_only() -> str:
    home = Browser().get(PROXY, "/").expect(200)
    match = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home.text)
    if not match:
        raise CheckFailed("the home page links no hashed stylesheet")
    css = match.group(1)
    statuses = []
    for _ in range(10):  # nginx stores a copy just after its first answer
        again = Browser().get(PROXY, css).expect(200)
        statuses.append(again.headers.get("X-Cache-Status", "-"))
        if statuses[-1] == "HIT":
            break
        time.sleep(0.1)
    else:
        raise CheckFailed(f"{css} was never served from nginx's cache: {statuses}")
    if "immutable" not in again.headers.get("Cache-Control", ""):
        raise CheckFailed(f"{css} is not marked immutable: {again.headers['Cache-Control']}")
    if Browser().get(PROXY, "/").expect(200).headers.get("X-Cache-Status"):
        raise CheckFailed("a page went through nginx's cache")
    return f"{css}: {' then '.join(statuses)}; pages never cached"


def check_access_log_has_no_query_strings(tmp: Path) -> str:
    secret = f"sciatica{RUN_TAG}"
    Browser().get(PROXY, f"/search/?q={secret}").expect(200)
    logs = list((tmp / "nginx" / "logs").glob("*.log"))

    def logged() -> str:
        return "".join(path.read_text() for path in logs)

    # nginx writes the line just after it has answered.
    wait_for(lambda: "/search/" in logged(), 5, "logging the search")
    if secret in logged():
        raise CheckFailed("nginx's access log holds the search words")
    line = next(line for line in logged().splitlines() if "/search/" in line)
    return f"logged as: {line}"


def check_unknown_host_refused() -> str:
    """nginx closes the connection for a name that is not ours (444); the app itself
    answers a plain 400 if such a request reaches it."""
    conn = http.client.HTTPConnection(HOST, 8200, timeout=5)
    try:
        conn.request("GET", "/relief/", headers={"Host": "evil.example"})
        status = conn.getresponse().status
    except (http.client.RemoteDisconnected, ConnectionResetError):
        status = None
    finally:
        conn.close()
    if status is not None:
        raise CheckFailed(f"nginx answered {status} for Host: evil.example instead of closing")
    conn = http.client.HTTPConnection(HOST, PORTS["A"], timeout=5)
    try:
        conn.request("GET", "/relief/", headers={"Host": "evil.example"})
        response = conn.getresponse()
        kind = response.getheader("Content-Type", "")
        body = response.read().decode()
    finally:
        conn.close()
    if response.status != 400 or not kind.startswith("text/plain") or "Traceback" in body:
        raise CheckFailed(f"instance A answered {response.status} {kind} for a bad Host")
    return "nginx closed the connection (444); instance A answered a plain 400"


def time_relief(count: int = 0, stop: threading.Event | None = None) -> list[float]:
    times: list[float] = []
    while (stop is not None and not stop.is_set()) or (stop is None and len(times) < count):
        started = time.perf_counter()
        Browser().get(PROXY, "/relief/").expect(200)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def check_login_flood_leaves_public_pages_fast() -> str:
    """24 clients post failed log-ins (valid CSRF tokens, a new user name each time)
    through nginx for 10 s while /relief/ is timed: nginx's limit_req must refuse at least
    95% of them, and /relief/ keep its 95th percentile under a second."""
    quiet = time_relief(60)
    stop, statuses = threading.Event(), Counter[int]()

    def flood(n: int) -> None:
        browser = Browser()
        token = csrf_token(browser.get(PROXY, f"{ADMIN}login/").expect(200))
        tries = 0
        while not stop.is_set():
            tries += 1
            fields = [("csrfmiddlewaretoken", token), ("username", f"x{n}-{tries}")]
            try:
                page = browser.post(PROXY, f"{ADMIN}login/", [*fields, ("password", "no")])
                statuses[page.status] += 1
            except CheckFailed:
                statuses[0] += 1

    with ThreadPoolExecutor(max_workers=24) as pool:
        for n in range(24):
            pool.submit(flood, n)
        time.sleep(0.5)
        threading.Timer(10, stop.set).start()
        during = time_relief(stop=stop)
    median = lambda t: t[len(t) // 2]  # noqa: E731
    p95 = lambda t: t[max(0, int(len(t) * 0.95) - 1)]  # noqa: E731
    figures = (
        f"/relief/ quiet: median {median(quiet):.1f} ms, p95 {p95(quiet):.1f} ms; "
        f"during the flood: median {median(during):.1f} ms, p95 {p95(during):.1f} ms "
        f"({len(during)} requests); log-in answers {dict(sorted(statuses.items()))}"
    )
    # The flooding threads share this process (and the machine's cores) with the timing,
    # so the figure is an upper bound: what matters is that nginx refuses the flood and
    # /relief/ keeps answering well under a second (without the limits: many seconds).
    refused = statuses[429] / max(1, sum(statuses.values()))
    if p95(during) > 1000 or refused < 0.95:
        raise CheckFailed(figures)
    return figures


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


# Running it all -----------------------------------------------------------------------


@dataclass
class Report:
    failures: int = 0

    def check(self, description: str, check: Callable[[], str]) -> None:
        started = time.monotonic()
        try:
            detail = check()
        except CheckFailed as exc:
            self.failures += 1
            print(f"FAIL {description}: {exc}", flush=True)
        except Exception as exc:
            self.failures += 1
            print(f"FAIL {description}: {exc!r}", flush=True)
            traceback.print_exc()
        else:
            print(f"ok   {description} [{time.monotonic() - started:.1f}s]", flush=True)
            print(f"       {detail}", flush=True)


def ports_are_free() -> None:
    for port in (*PORTS.values(), 8200, 8243, REDIRECT_PORT):
        if not port_is_free(port):
            raise SetupFailed(f"port {port} on {HOST} is in use: is another cluster check running?")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still clean up when stopped
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="backcare-cluster-"))
    password = secrets.token_urlsafe(18)
    report = Report()
    cluster: Cluster | None = None
    try:
        step = time.monotonic()
        ports_are_free()
        cluster = Cluster(tmp, production_env(), ensure_system_packages())
        fresh_database()
        prepare_app(cluster.env, password)
        print(f"set up: services, database {DATABASE}, content, static, superuser", end=" ")
        print(f"[{time.monotonic() - step:.1f}s]", flush=True)
        step = time.monotonic()
        cluster.start_instance("A")
        cluster.start_instance("B")
        cluster.start_proxy()
        print(f"started gunicorn A {A} and B {B}, nginx {PROXY}", end=" ")
        print(f"[{time.monotonic() - step:.1f}s]", flush=True)
        run_checks(report, cluster, password)
    except SetupFailed as exc:
        report.failures += 1
        print(f"FAIL setting up the cluster: {exc}", flush=True)
    finally:
        if cluster is not None:
            cluster.stop_all()
            drop_database()
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - began
    if report.failures:
        print(f"cluster check FAILED: {report.failures} problem(s) [{took:.0f}s]")
        return 1
    print(f"cluster check passed; everything stopped and removed [{took:.0f}s]")
    return 0


def run_checks(report: Report, cluster: Cluster, password: str) -> None:
    admin = Browser()
    certificate = cluster.prefix / "ssl" / "fullchain.pem"
    report.check("/healthz through the proxy is 200", check_healthz_through_proxy)
    report.check("TLS ends at nginx", lambda: check_tls_ends_at_proxy(certificate))
    report.check("a symptom check started on A finishes on B", check_started_on_a_finishes_on_b)
    report.check("symptom checks alternating A and B step by step", check_alternating_instances)
    report.check("log into the admin on A", lambda: log_in(admin, A, password))
    report.check(
        "a remedy published on A is served by B at once",
        lambda: check_content_edit_served_by_other_instance(admin),
    )
    report.check(
        "a symptom checker published on A is served by B at once",
        lambda: check_flow_publish_served_by_other_instance(admin),
    )
    report.check("nginx caches /static/ and nothing else", check_static_cached_by_proxy_only)
    report.check(
        "nginx's access log has no query strings",
        lambda: check_access_log_has_no_query_strings(cluster.tmp),
    )
    report.check("an unknown Host is refused by nginx and the app", check_unknown_host_refused)
    report.check(
        "a log-in flood through nginx leaves public pages fast",
        check_login_flood_leaves_public_pages_fast,
    )
    streams: list[Stream] = []

    def stream_of_visitors() -> str:
        streams.append(run_stream(cluster))
        return check_stream_through_proxy(streams[0])

    report.check("a steady stream of visitors through nginx", stream_of_visitors)
    if not streams:
        return
    stream = streams[0]
    report.check(
        "SIGHUP to B under load: no request lost", lambda: check_reload_loses_no_request(stream)
    )
    report.check(
        "A drained at nginx, then SIGTERM, under load: no request lost",
        lambda: check_drain_and_stop_loses_no_request(stream),
    )
    report.check(
        "A back in the upstream while stopped: refused requests go to B",
        lambda: check_refused_requests_passed_on(stream),
    )
    report.check(
        "A restarted: the proxy uses it again", lambda: check_restarted_instance_used_again(cluster)
    )
    report.check("no instance left: nginx's fallback page", lambda: check_no_instance_left(cluster))


if __name__ == "__main__":
    sys.exit(main())
