"""Reading the editors' files: encodings, links out of the source folder, front matter and YAML
with the line number of every key, so each problem can point at the line to fix."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from .problems import Problems


class YMap(dict):
    """A YAML mapping that remembers where it and each of its keys stand."""

    line: int = 0
    key_lines: dict
    raw: dict


class YList(list):
    """A YAML sequence that remembers where it and each of its items stand."""

    line: int = 0
    item_lines: list


@dataclass(frozen=True)
class BadDate:
    """A value written like a date that is not one on the calendar (2026-02-30)."""

    text: str

    def __str__(self) -> str:
        return self.text


@functools.cache
def _yaml():
    """PyYAML, its fastest safe loader and a constructor for scalars, imported when first
    needed: a build whose front matter and data all come from the caches never parses YAML,
    and importing the parser is a noticeable part of such a build (scripts/BENCH-NOTES.md)."""
    import yaml

    try:  # The C loader is several times faster; fall back where PyYAML was built without libyaml.
        from yaml import CSafeLoader as loader
    except ImportError:  # pragma: no cover
        from yaml import SafeLoader as loader
    return yaml, loader, yaml.constructor.SafeConstructor()


def read_text(path: str | Path, rel: str, problems: Problems) -> str | None:
    """The file's text as UTF-8 with or without a BOM and with LF line endings, or None after
    recording why it cannot be read."""
    with open(path, "rb") as file:
        data = file.read()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.error(rel, 1, "file", "saved as UTF-16; save the file as UTF-8")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        problems.error(rel, line, "file", f"not UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8")
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        problems.error(rel, 1, "file", "the file is empty; write the page or delete the file")
        return None
    return text


def inside(root: Path, path: Path) -> bool:
    """Whether path, with every link followed, stays inside root."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def walk_files(root: Path, folder: Path, problems: Problems) -> list[str]:
    """The path of every file below folder (beginning with str(folder)), sorted, following
    links only where they stay inside root. A link that leaves the source folder is reported,
    never read. Paths are strings: a warm build walks thousands of files, and Path objects
    would cost more than the walk."""
    found: list[str] = []
    seen: set[str] = set()

    def visit(directory: str) -> None:
        real = os.path.realpath(directory)
        if real in seen:
            return
        seen.add(real)
        # scandir knows each entry's type from the folder itself: no stat per file
        for entry in sorted(os.scandir(directory), key=lambda entry: entry.name):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink() and not inside(root, Path(entry.path)):
                rel = Path(entry.path).relative_to(root).as_posix()
                problems.error(
                    rel,
                    1,
                    "file",
                    "is a link to a place outside the source folder; copy the file in instead",
                )
                continue
            if entry.is_dir():
                visit(entry.path)
            elif entry.is_file():
                found.append(entry.path)

    if folder.is_dir():
        visit(str(folder))
    return found


def plain_yaml(text: str):
    """YAML as plain values, without line numbers, for comparing versions of a file; None
    where it is not valid YAML."""
    yaml, loader, _ = _yaml()
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None


def load_yaml(text: str, rel: str, first_line: int, problems: Problems):
    """Parse YAML, returning YMap/YList/scalars with 1-based line numbers (offset by first_line,
    the file line the text starts on), or None after recording the syntax error."""
    yaml, loader, _ = _yaml()
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        what = err.problem or err.context or "not valid YAML"
        problems.error(rel, line, "yaml", f"{what}; check the indentation, colons and quotes")
        return None
    except yaml.YAMLError as err:  # pragma: no cover - reader errors carry no mark
        problems.error(rel, first_line, "yaml", f"not valid YAML ({err})")
        return None
    if node is None:
        return None
    return _convert(node, rel, first_line, problems)


def _convert(node, rel: str, first_line: int, problems: Problems):
    yaml = _yaml()[0]
    line = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        result = YMap()
        result.line, result.key_lines, result.raw = line, {}, {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_line = first_line + key_node.start_mark.line
            if key in result:
                problems.error(rel, key_line, key, f"written twice (first on line {result.key_lines[key]}); keep one")
                continue
            result[key] = _convert(value_node, rel, first_line, problems)
            result.key_lines[key] = key_line
            if isinstance(value_node, yaml.ScalarNode):
                result.raw[key] = value_node.value
        return result
    if isinstance(node, yaml.SequenceNode):
        result = YList()
        result.line, result.item_lines = line, []
        for item in node.value:
            result.append(_convert(item, rel, first_line, problems))
            result.item_lines.append(first_line + item.start_mark.line)
        return result
    return _scalar(node)


def _scalar(node):
    yaml, _, scalars = _yaml()
    constructor = scalars.yaml_constructors.get(node.tag)
    if constructor is None:
        return node.value
    try:
        return constructor(scalars, node)
    except (ValueError, yaml.constructor.ConstructorError):
        if node.tag == "tag:yaml.org,2002:timestamp":
            return BadDate(node.value)
        return node.value


def split_front_matter(text: str, rel: str, problems: Problems):
    """(front matter YAML text, its first line, body, body's first line) or None."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problems.error(rel, 1, "front matter", "the page must start with a line of three dashes (---), then title and summary")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return yaml_text, 2, body, index + 2
    problems.error(rel, 1, "front matter", "the block opened on line 1 is never closed with ---")
    return None


def as_date(value) -> dt.date | None:
    """A date from YAML (unquoted or quoted YYYY-MM-DD), or None when it is not one."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            return None
    return None
