"""The Makefile's scripts name real content: a renamed triage case must not break them."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(settings.BACKCARE_CONTENT_DIR) / "triage" / "cases"


def case_names_in(path: Path) -> dict[str, str]:
    """Module-level NAME_CASE = "slug" constants (read, not imported: scripts are not a package)."""
    names = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.endswith("_CASE"):
                    names[target.id] = str(node.value.value)
    return names


def test_the_cluster_check_walks_cases_that_exist() -> None:
    named = case_names_in(ROOT / "scripts" / "cluster_check" / "config.py")
    assert set(named) == {"EMERGENCY_CASE", "SELF_CARE_CASE"}
    for slug in named.values():
        assert (CASES / f"{slug}.yaml").is_file(), slug
