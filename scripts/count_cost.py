"""What counting costs, measured in-process: `python scripts/count_cost.py [N]`.

Not a test, and light enough for a shared machine (no server, no wrk). It builds a
throwaway database (SQLite in /tmp, or COST_DATABASE_URL), then times with Django's test
client, with counting on and then off:
  - N outcome page renders (GET /check/result/ of a finished check), and
  - N whole checks (start, every answer, confirm): the POSTs that move a count.
Counting is done on those POSTs, never on showing the outcome page.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path("/tmp/backcare-count-cost.sqlite3")  # noqa: S108 (throwaway, wiped each run)
os.environ.setdefault("DATABASE_URL", os.environ.get("COST_DATABASE_URL", f"sqlite:///{DB}"))
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("BACKCARE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# The test settings serve static files without a manifest; the rest is production's.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    import django

    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    django.setup()
    from django.conf import settings

    # Keep connections between requests, as in production (the tests close them).
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tests.checker import walk

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_content", verbosity=0)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    walk(Client())  # warm up: the flow parsed and cached, templates loaded
    for counting in (True, False, True, False):
        settings.BACKCARE_COUNT_CHECKS = counting
        client = Client()
        walk(client)
        renders = []
        for _ in range(n):
            started = time.perf_counter()
            if client.get("/check/result/").status_code != 200:
                raise SystemExit("the outcome page did not answer 200")
            renders.append(time.perf_counter() - started)
        checks = []
        for _ in range(max(1, n // 10)):
            started = time.perf_counter()
            walk(Client())
            checks.append(time.perf_counter() - started)
        print(
            f"counting {'on ' if counting else 'off'}: outcome page median "
            f"{statistics.median(renders) * 1000:.2f} ms ({n} renders); whole check median "
            f"{statistics.median(checks) * 1000:.1f} ms ({len(checks)} checks)"
        )


if __name__ == "__main__":
    main()
