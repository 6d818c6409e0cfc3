"""One line per check: ok with what was seen, or FAIL with why."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from .config import CheckFailed


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
