"""The throwaway database and the three gunicorn servers: backcare, bare Django, and bare
Django reading backcare's sessions (a reference)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .config import (
    APP_PORT,
    BARE_PORT,
    GUNICORN,
    GUNICORN_CONF,
    HOST,
    PYTHON,
    ROOT,
    SESSION_PORT,
    WORK,
    CouldNotRun,
    say,
)

BARE_APP = ["--pythonpath", str(ROOT / "scripts"), "bench_bare:application"]


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


def start_servers(env: dict[str, str], servers: list[Server]) -> None:
    """backcare, bare Django and bare Django reading backcare's sessions, appended to
    `servers` as each starts (so the caller can stop whatever did start), then ready."""
    bare_env = {k: v for k, v in env.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    servers.append(start_server("backcare", APP_PORT, ["backcare.wsgi:application"], env))
    servers.append(start_server("bare", BARE_PORT, BARE_APP, bare_env))
    session_env = {
        **bare_env,
        "BENCH_BARE_SESSIONS": "1",
        "BENCH_BARE_SECRET_KEY": env["SECRET_KEY"],  # to read backcare's sessions
        **({"REDIS_URL": env["REDIS_URL"]} if "REDIS_URL" in env else {}),
    }
    servers.append(start_server("bare-session", SESSION_PORT, BARE_APP, session_env))
    app, bare, with_session = servers
    wait_ready(app, "/healthz")
    wait_ready(bare, "/")
    wait_ready(with_session, "/")
    say(
        f"backcare on {app.url} (pid {app.process.pid}), "
        f"bare on {bare.url} (pid {bare.process.pid})"
    )


def errors_logged(server: Server) -> list[str]:
    """Lines of a server's log that look like errors."""
    return [
        line
        for line in server.log.read_text(errors="replace").splitlines()
        if re.search(r"\b(ERROR|CRITICAL|Traceback|WORKER TIMEOUT)\b", line)
    ]
