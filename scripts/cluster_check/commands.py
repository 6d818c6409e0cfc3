"""Commands run to completion: system packages, the database, manage.py."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
from itertools import chain
from pathlib import Path

from .config import (
    ADMIN,
    ADMIN_USER,
    DATABASE,
    HOST,
    MAINTENANCE_DB_URL,
    PORTS,
    REDIRECT_PORT,
    REDIS_DB,
    ROOT,
    VENV_BIN,
    SetupFailed,
)


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


def ports_are_free() -> None:
    for port in (*PORTS.values(), 8200, 8243, REDIRECT_PORT):
        if not port_is_free(port):
            raise SetupFailed(f"port {port} on {HOST} is in use: is another cluster check running?")


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
