"""The processes this run starts (two gunicorn instances and nginx), and stopping them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .browser import Browser
from .commands import run
from .config import HOST, PORTS, PROXY, ROOT, VENV_BIN, CheckFailed, SetupFailed
from .nginx import write_proxy_config
from .processes import child_pids, wait_for


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
        return write_proxy_config(self.prefix, down)

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
