"""Where everything runs, the names this run uses, and the two ways a run fails."""

from __future__ import annotations

import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
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

STREAM_VISITORS = 4

# Each run changes titles and texts to something new, so a stale copy cannot pass.
RUN_TAG = secrets.token_hex(3)


class CheckFailed(Exception):
    """A check did not hold: the message says what was seen instead."""


class SetupFailed(Exception):
    """The cluster could not be set up, so nothing can be checked."""
