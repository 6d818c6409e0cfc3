"""The apps form a stack: an app imports only apps in the layers below it.

Every import in backcare/ is read with `ast`, those inside functions included (an import
moved into a function still ties the two apps together), migrations left out (they name
other apps' migrations by design). The layers are stated once, here, and drawn in
docs/architecture.md.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PACKAGE = "backcare"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Bottom first. Apps in one layer are peers: neither imports the other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("contentfiles",),
    ("articles",),
    ("triage",),
    ("offline", "editorial", "governance"),
)
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


@dataclass(frozen=True)
class AppImport:
    path: Path
    line: int
    source: str  # the app that imports
    target: str  # the app it imports

    def __str__(self) -> str:
        return (
            f"{self.path.relative_to(ROOT.parent)}:{self.line}: {self.source} imports {self.target}"
        )


def app_of_module(module: str) -> str | None:
    """`backcare.triage.flows` -> "triage"; the project's own modules (settings, urls) and
    anything outside backcare -> None."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1] if (ROOT / parts[1]).is_dir() else None


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, however deeply nested (in functions, classes, ifs, trys...).

    Imports are statements, so expressions need not be walked: this is ast.walk without
    its slowest part."""
    for node in body:
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from statements(inner)


def imported_modules(path: Path, code: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, at any depth."""
    module = module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if code is None:
        code = path.read_text(encoding="utf-8")
    for node in statements(ast.parse(code, filename=str(path)).body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
            # `from backcare import triage` imports the app itself.
            for alias in node.names:
                yield node.lineno, f"{name}.{alias.name}"


@functools.cache
def every_import() -> tuple[tuple[Path, int, str], ...]:
    """(file, line, module) for every import in backcare/, migrations left out."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.relative_to(ROOT).parts:
            found += [(path, line, name) for line, name in imported_modules(path)]
    return tuple(found)


@functools.cache
def app_imports() -> tuple[AppImport, ...]:
    found: dict[tuple[Path, int, str], AppImport] = {}
    for path, line, name in every_import():
        source = app_of_module(module_of(path))
        target = app_of_module(name)
        if source is not None and target is not None and target != source:
            found.setdefault((path, line, target), AppImport(path, line, source, target))
    return tuple(found.values())


def app_graph(imports: tuple[AppImport, ...]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {app: set() for app in LEVEL}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of apps (first app repeated at the end), or None."""
    done: set[str] = set()

    def visit(app: str, trail: list[str]) -> list[str] | None:
        if app in trail:
            return [*trail[trail.index(app) :], app]
        if app in done:
            return None
        for target in sorted(graph.get(app, ())):
            cycle = visit(target, [*trail, app])
            if cycle:
                return cycle
        done.add(app)
        return None

    for app in sorted(graph):
        cycle = visit(app, [])
        if cycle:
            return cycle
    return None


def test_every_app_is_in_exactly_one_layer() -> None:
    folders = {p.parent.name for p in ROOT.glob("*/apps.py")}
    stated = [app for layer in LAYERS for app in layer]
    assert len(stated) == len(set(stated)), "an app is in two layers"
    assert folders == set(stated), "every app in backcare/ has its place in LAYERS"


def test_no_app_imports_an_app_above_it_or_beside_it() -> None:
    wrong = [str(imp) for imp in app_imports() if LEVEL[imp.target] >= LEVEL[imp.source]]
    assert not wrong, "imports against the stack (see docs/architecture.md):\n" + "\n".join(wrong)


def test_apps_import_each_other_in_no_cycle() -> None:
    imports = app_imports()
    cycle = find_cycle(app_graph(imports))
    edges = set(zip(cycle or [], (cycle or [])[1:], strict=False))
    where = [str(imp) for imp in imports if (imp.source, imp.target) in edges]
    assert cycle is None, f"apps import each other in a cycle {cycle}:\n" + "\n".join(where)


def test_only_url_modules_import_views() -> None:
    # What two modules share lives in a module of its own (articles/pages.py), so that
    # a view module is never a library.
    wrong = [
        f"{path.relative_to(ROOT.parent)}:{line}: imports {name}"
        for path, line, name in every_import()
        if name.startswith(f"{PACKAGE}.") and "views" in name.split(".") and path.name != "urls.py"
    ]
    assert not wrong, "\n".join(wrong)


def test_installed_apps_list_the_stack_bottom_first() -> None:
    # ready() runs in this order, so content kinds register (and load) a lower app's
    # first: a kind only ever names kinds of its own app or of apps below it.
    installed = [
        app.rpartition(".")[2]
        for app in settings.INSTALLED_APPS
        if app.startswith(f"{PACKAGE}.") and app.count(".") == 1
    ]
    assert [LEVEL[app] for app in installed] == sorted(LEVEL[app] for app in installed)


def test_the_walk_sees_imports_inside_functions_and_relative_ones() -> None:
    # The check is only as good as the walk: it must see what the old cycles hid in.
    code = (
        "from .models import Thing\n"
        "def later():\n"
        "    from backcare.triage.flows import flow_state\n"
        "    import backcare.core.models\n"
        "class Admin:\n"
        "    def index(self):\n"
        "        try:\n"
        "            pass\n"
        "        except ImportError:\n"
        "            from backcare import editorial\n"
    )
    names = list(imported_modules(ROOT / "articles" / "probe.py", code))
    assert names == [
        (1, "backcare.articles.models"),
        (1, "backcare.articles.models.Thing"),
        (3, "backcare.triage.flows"),
        (3, "backcare.triage.flows.flow_state"),
        (4, "backcare.core.models"),
        (10, "backcare"),
        (10, "backcare.editorial"),
    ]
    graph = {"articles": {"triage"}, "triage": {"editorial"}, "editorial": {"articles"}}
    assert find_cycle(graph) == ["articles", "triage", "editorial", "articles"]
