"""The Makefile's scripts name real content: a renamed triage case must not break them."""

from pathlib import Path

from django.conf import settings

from scripts.cluster_check import config

CASES = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"


def test_the_cluster_check_walks_cases_that_exist() -> None:
    for slug in (config.EMERGENCY_CASE, config.SELF_CARE_CASE):
        assert (CASES / f"{slug}.yaml").is_file(), slug
