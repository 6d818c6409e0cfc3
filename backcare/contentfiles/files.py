"""Reading and writing the files in content/: Markdown with YAML front matter, or plain YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's parser (in PyYAML's wheels) reads about ten times faster than the pure-Python
# one; both build the same plain data.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(Exception):
    """A content file that cannot be loaded: says which file, which field, and what is wrong."""

    def __init__(self, path: Path | str, field: str | None, message: str) -> None:
        self.path = str(path)
        self.field = field
        self.message = message
        where = f"{self.path}: {field}" if field else self.path
        super().__init__(f"{where}: {message}")


FRONT_MATTER_FENCE = "---"


def read_markdown(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its front matter (a mapping) and its body."""
    text = read_text(path)
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ContentError(path, None, "must start with a line of three dashes (---)")
    try:
        # Only an unindented fence closes: an indented one is text inside a block (the
        # body of a `published:` version may hold a Markdown rule, ---).
        end = next(i for i, line in enumerate(lines[1:], 1) if line.rstrip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise ContentError(path, None, "front matter is not closed by a line of ---") from None
    meta = parse_yaml(path, "".join(line + "\n" for line in lines[1:end]))
    body = "\n".join(lines[end + 1 :]).strip("\n")
    return meta, body


def read_yaml(path: Path) -> dict[str, Any]:
    return parse_yaml(path, read_text(path))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise ContentError(path, None, f"is not UTF-8 text ({exc.reason})") from None


def parse_yaml(path: Path, text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, None, f"bad YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ContentError(path, None, "must hold a YAML mapping of field: value")
    return data


# Writing --------------------------------------------------------------------------
# One canonical layout, so that an unchanged item exports byte-for-byte as it was loaded:
# keys in the order given, lists of plain values on one line ([a, b]), lists of mappings
# as blocks indented under their key, text with line breaks as a literal block (|) where
# YAML can hold it exactly and double-quoted otherwise, and no line ever folded.


class ContentDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, told our layout through its public representer API.

    The pure-Python dumper, not libyaml's: the C emitter cannot indent a list under its
    key (increase_indent below)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # "key:\n  - item", not PyYAML's "key:\n- item" (the layout content/ has always had).
        super().increase_indent(flow, indentless=False)

    def ignore_aliases(self, data: Any) -> bool:
        # Never &id001/*id001, even when two fields share one object (a date, say).
        return True


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # A literal block where PyYAML can write the text exactly as a block; it falls back to
    # double quotes by itself (text in a [..] list, trailing spaces, tabs).
    style = "|" if _has_line_break(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    flow = not any(isinstance(item, (dict, list)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


ContentDumper.add_representer(str, _represent_text)
ContentDumper.add_representer(list, _represent_list)


def _has_line_break(text: str) -> bool:
    return any(c in text for c in "\n\r\x85\u2028\u2029")


def yaml_text(data: dict[str, Any]) -> str:
    """A mapping as a YAML file's text, in the canonical layout."""
    return yaml.dump(
        data,
        Dumper=ContentDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )


def markdown_text(meta: dict[str, Any], body: str) -> str:
    return f"{FRONT_MATTER_FENCE}\n{yaml_text(meta)}{FRONT_MATTER_FENCE}\n{body}\n"
