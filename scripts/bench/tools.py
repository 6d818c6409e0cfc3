"""The programs the benchmark drives: wrk, Chromium and the venv's gunicorn."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.chromium import CHROMIUM

from .config import GUNICORN, PYTHON, ROOT, CouldNotRun, say


def install_wrk() -> None:
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


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        install_wrk()
    if not Path(CHROMIUM).exists():
        say("installing chromium (scripts/ensure-chromium)")
        ensure = [str(ROOT / "scripts" / "ensure-chromium")]
        if subprocess.run(ensure, check=False).returncode:  # noqa: S603 (our own script)
            raise CouldNotRun(f"Chromium is missing at {CHROMIUM} and could not be installed")
    for tool in (PYTHON, GUNICORN):
        if not tool.exists():
            raise CouldNotRun(f"{tool} is missing: run 'make' targets through the venv stamp")
