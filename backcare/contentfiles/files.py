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
# One canonical layout, so that an unchanged item exports byte-for-byte as it was loaded.


def dump_value(value: Any) -> str:
    """One YAML value on one line: plain where YAML allows, quoted where it must be."""
    if isinstance(value, list):
        return "[" + ", ".join(dump_value(item) for item in value) + "]"
    if isinstance(value, dict):
        raise TypeError("nested mappings are written by dump_mapping")
    # Text with line breaks is written as a block by dump_mapping; anywhere else it is
    # double-quoted, with \n escapes, so that it still takes one line.
    style = '"' if isinstance(value, str) and _has_line_break(value) else None
    text = yaml.safe_dump(
        value, default_flow_style=True, default_style=style, width=1_000_000, allow_unicode=True
    )
    text = text.removesuffix("\n...\n").removesuffix("\n")
    return text


def dump_mapping(data: dict[str, Any], indent: int = 0) -> str:
    pad = " " * indent
    out = []
    for name, value in data.items():
        key = dump_value(name)
        if isinstance(value, dict) and value:
            out.append(f"{pad}{key}:\n{dump_mapping(value, indent + 2)}")
        elif isinstance(value, dict):
            out.append(f"{pad}{key}: {{}}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{pad}{key}:")
            for item in value:
                block = dump_mapping(item, indent + 4).split("\n")
                out.append(f"{pad}  - {block[0].lstrip()}")
                out.extend(block[1:])
        elif isinstance(value, str) and "\n" in value and (literal := _literal_block(value)):
            header, lines = literal
            out.append(f"{pad}{key}: {header}")
            out.extend(f"{pad}{line}" if line else "" for line in lines)
        else:
            out.append(f"{pad}{key}: {dump_value(value)}")
    return "\n".join(out)


def _has_line_break(text: str) -> bool:
    return any(c in text for c in "\n\r\x85\u2028\u2029")


def _literal_block(text: str) -> tuple[str, list[str]] | None:
    """Multi-line text as a YAML literal block (`|`): its header, and its lines indented
    by two, relative to the key. None if a block cannot hold the text exactly (then it is
    written quoted)."""
    # Chomping: "-" drops the final line break, none keeps one, "+" keeps them all.
    if text.endswith("\n\n"):
        chomp, content = "+", text[:-1]
    elif text.endswith("\n"):
        chomp, content = "", text[:-1]
    else:
        chomp, content = "-", text
    lines = content.split("\n")
    first = next((line for line in lines if line.strip()), "")
    # Text whose first line starts with a space must say how far the block is indented.
    header = "|" + ("2" if first[:1] in (" ", "\t") else "") + chomp
    indented = [f"  {line}" if line else "" for line in lines]
    try:
        back = yaml.safe_load("\n".join([f"k: {header}", *indented, "e: 0"]))
    except yaml.YAMLError:
        return None
    if back != {"k": text, "e": 0}:
        return None
    return header, indented


def markdown_text(meta: dict[str, Any], body: str) -> str:
    return f"{FRONT_MATTER_FENCE}\n{dump_mapping(meta)}\n{FRONT_MATTER_FENCE}\n{body}\n"


def yaml_text(data: dict[str, Any]) -> str:
    return dump_mapping(data) + "\n"
