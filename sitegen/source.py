"""Reading the editors' files: encodings, links out of the source folder, front matter and YAML
with the line number of every key, so each problem can point at the line to fix."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

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
    item_raw: list  # each item as written, where it is a scalar, else None


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


# Characters no text of the site may hold: controls other than tab and line ends (NUL, BEL,
# escape) and the bidirectional overrides and isolates that make text read otherwise than it
# shows (U+202A-U+202E, U+2066-U+2069).
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# The largest file of each kind the build reads: anything bigger is a mistake, not a page.
# Media and static files: 25 MB, the most one file may have on common CDNs.
SIZE_LIMITS = {"page": 1_000_000, "data": 5_000_000, "media": 25_000_000, "static": 25_000_000}
# YAML: how deep collections may nest, and how many values a document may expand to where
# aliases repeat a part of it (data files only: front matter may not use aliases).
YAML_DEPTH, YAML_VALUES = 40, 200_000


def hidden_problem(text: str) -> str | None:
    """What a text holds that no reader would see (a control character, a bidirectional
    override), named in plain words; None where it holds nothing of the kind."""
    found = HIDDEN.search(text)
    if found is None:
        return None
    char = found.group()
    if "\u202a" <= char <= "\u2069":
        return f"holds a hidden character that changes the direction of text (U+{ord(char):04X}); delete it and type the text again"
    return f"holds a control character (U+{ord(char):04X}) that no reader would see; delete it"


def read_plain(path: str | Path, kind: str) -> bytes | str:
    """The bytes of a regular file of at most SIZE_LIMITS[kind] bytes, or why they cannot be
    read, as a sentence for the file's problem: a pipe or a device (opened without waiting, so
    a pipe never hangs the build), too big, or not readable."""
    limit = SIZE_LIMITS[kind]
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        return f"cannot be read ({err.strerror})"
    with os.fdopen(fd, "rb") as file:
        stat = os.fstat(file.fileno())
        if not S_ISREG(stat.st_mode):
            instead = "a text file" if kind in ("page", "data") else "the file itself"
            return f"is not a plain file (a pipe, a device or a socket); replace it with {instead}"
        if stat.st_size > limit:
            fix = "split it" if kind in ("page", "data") else "make it smaller"
            return f"is {stat.st_size:,} bytes, more than the {limit:,} a {kind} file may have; {fix}"
        data = file.read(limit + 1)
    if len(data) > limit:
        return f"grew past the {limit:,} bytes a {kind} file may have while it was read"
    return data


def read_text(path: str | Path, rel: str, problems: Problems, kind: str = "page") -> str | None:
    """The file's text as UTF-8 with or without a BOM and with LF line endings, or None after
    recording why it cannot be read: not a regular file (a pipe, a device), too big, not
    UTF-8, or holding characters no reader would see."""
    data = read_plain(path, kind)
    if isinstance(data, str):
        problems.error(rel, 1, "file", data)
        return None
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
    found = HIDDEN.search(text)
    if found is not None:
        problems.error(rel, text.count("\n", 0, found.start()) + 1, "file", hidden_problem(found.group()))
        return None
    if not text.strip():
        problems.error(rel, 1, "file", "the file is empty; write the page or delete the file")
        return None
    return text


def _link_loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as err:
        return err.errno == 40  # ELOOP
    return False


def inside(root: Path, path: Path) -> bool:
    """Whether path, with every link followed, stays inside root."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, RuntimeError, OSError):  # outside, or a loop of links
        return False
    return True


def walk_files(root: Path, folder: Path, problems: Problems, dot_names: tuple[str, ...] = ()) -> list[str]:
    """The path of every file below folder (beginning with str(folder)), sorted, following
    links only where they stay inside root; names that begin with a dot are left out, but for
    dot_names. A link that leaves the source folder is reported, never read. Paths are
    strings: a warm build walks thousands of files, and Path objects would cost more than the
    walk."""
    found: list[str] = []
    seen: set[str] = set()

    def visit(directory: str) -> None:
        real = os.path.realpath(directory)
        if real in seen:
            return
        seen.add(real)
        # scandir knows each entry's type from the folder itself: no stat per file
        for entry in sorted(os.scandir(directory), key=lambda entry: entry.name):
            if entry.name.startswith(".") and entry.name not in dot_names:
                continue
            if HIDDEN.search(entry.name):
                problems.error(
                    _rel(entry, root).encode("unicode_escape").decode(),
                    1,
                    "file",
                    f"its name {hidden_problem(entry.name)}; rename the file",
                )
                continue
            if entry.is_symlink():
                if _link_loops(entry.path):
                    problems.error(
                        _rel(entry, root),
                        1,
                        "file",
                        "is a link that leads back to itself (a loop of links); delete it or point it at a file",
                    )
                    continue
                if not inside(root, Path(entry.path)):
                    problems.error(_rel(entry, root), 1, "file", "is a link to a place outside the source folder; copy the file in instead")
                    continue
            if entry.is_dir():
                visit(entry.path)
            elif entry.is_file():
                found.append(entry.path)
            else:
                problems.error(_rel(entry, root), 1, "file", "is not a plain file or folder (a pipe, a device or a socket); remove it")

    if folder.is_dir():
        visit(str(folder))
    return found


def _rel(entry: os.DirEntry, root: Path) -> str:
    """An entry's path from the source folder, for its problem (only then: a warm build walks
    thousands of files, and os.path.relpath costs more than the rest of the walk)."""
    return Path(entry.path).relative_to(root).as_posix()


def plain_yaml(text: str):
    """YAML as plain values, without line numbers, for comparing versions of a file; None
    where it is not valid YAML."""
    yaml, loader, _ = _yaml()
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return None


def load_yaml(text: str, rel: str, first_line: int, problems: Problems, aliases: bool = False):
    """Parse YAML, returning YMap/YList/scalars with 1-based line numbers (offset by first_line,
    the file line the text starts on), or None after recording the problem. Collections may
    nest YAML_DEPTH deep; aliases (*name) are refused unless allowed, and where allowed the
    document may expand to YAML_VALUES values, never to itself."""
    yaml, loader, _ = _yaml()
    deep = _too_deep(text)
    if deep is not None:
        problems.error(rel, first_line + deep, "yaml", f"lists and maps nest more than {YAML_DEPTH} levels deep here; write it flatter")
        return None
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at, message = yaml_problem(text, mark.line if mark else 0, mark.column if mark else 0, err.problem or err.context or "")
        problems.error(rel, first_line + at, "yaml", message)
        return None
    except yaml.YAMLError as err:  # pragma: no cover - reader errors carry no mark
        problems.error(rel, first_line, "yaml", f"not valid YAML ({err})")
        return None
    if node is None:
        return None
    walk = _Walk(aliases)
    try:
        return _convert(node, rel, first_line, problems, walk)
    except _Refused as err:
        line = _first_alias_line(text) if err.at_alias else err.line
        problems.error(rel, first_line + line, "yaml", str(err))
        return None


def yaml_problem(text: str, line: int, column: int, said: str) -> tuple[int, str]:
    """(line, message) for what the YAML parser found at (line, column), both 0-based, in the
    words of someone editing the file: a tab used to indent is named at its own line."""
    lines = text.split("\n")
    tab_said = "'\\t'" in said or "tab" in said
    for index in range(line + 1) if tab_said else range(max(0, line - 1), line + 1):
        content = lines[index] if index < len(lines) else ""
        if "\t" in content[: len(content) - len(content.lstrip(" \t"))]:
            return index, "this line starts with a tab; indent with spaces (YAML does not allow tabs there)"
    if "cannot start any token" in said and line < len(lines) and column < len(lines[line]):
        char = lines[line][column]
        return line, f"a value cannot start with {char}; put the whole value in quotes"
    return line, f"{said or 'not valid YAML'}; check the indentation, colons and quotes"


class _Refused(Exception):
    def __init__(self, message: str, line: int, at_alias: bool = False) -> None:
        super().__init__(message)
        self.line, self.at_alias = line, at_alias


def _first_alias_line(text: str) -> int:
    """The line (0-based) of the document's first alias: where an editor must look when the
    composed document only says which value was repeated. Parsed again, on this error only."""
    yaml, loader, _ = _yaml()
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line
    return 0  # pragma: no cover - a repeated node comes from an alias


class _Walk:
    """What converting one document has met: the collections on the way down (a collection
    met again inside itself is an alias loop), every node met (met twice: an alias), and how
    many values it has made."""

    def __init__(self, aliases: bool) -> None:
        self.aliases, self.met, self.path, self.values = aliases, set(), set(), 0

    def enter(self, node) -> None:
        self.values += 1
        if self.values > YAML_VALUES:
            raise _Refused(
                f"expands to more than {YAML_VALUES:,} values (aliases repeating aliases); write the values out",
                node.start_mark.line,
                at_alias=True,
            )
        if id(node) in self.path:
            raise _Refused(
                "an alias (*name) refers to the list or map it stands in, which never ends; write the values out",
                node.start_mark.line,
                at_alias=True,
            )
        if id(node) in self.met and not self.aliases:
            raise _Refused(
                "uses a YAML alias (*name) to repeat a value; front matter must write each value out", node.start_mark.line, at_alias=True
            )
        self.met.add(id(node))


def _too_deep(text: str) -> int | None:
    """The line (0-based) where collections nest deeper than YAML_DEPTH, by indentation or by
    brackets, before the parser (which recurses, in C) is given the text; None if nowhere."""
    indents: list[int] = []
    for number, line in enumerate(text.split("\n")):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent, dashes = len(line) - len(stripped), 0
        while stripped.startswith("- "):  # "- - a": a list in a list on one line
            dashes, stripped = dashes + 1, stripped[2:].lstrip(" ")
        while indents and indents[-1] >= indent:
            indents.pop()
        indents.append(indent)
        depth, quote = len(indents) + dashes, ""
        if "[" not in stripped and "{" not in stripped:  # most lines: no brackets to count
            if stripped and depth > YAML_DEPTH:
                return number
            continue
        for char in stripped:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            if depth > YAML_DEPTH:
                return number
    return None


def _convert(node, rel: str, first_line: int, problems: Problems, walk: _Walk, field: str = "yaml"):
    yaml = _yaml()[0]
    walk.enter(node)
    line = first_line + node.start_mark.line
    if not isinstance(node, yaml.ScalarNode):
        walk.path.add(id(node))
        try:
            return _convert_collection(node, rel, first_line, problems, walk, line, field)
        finally:
            walk.path.discard(id(node))
    value = _scalar(node)
    if isinstance(value, str) and HIDDEN.search(value):  # written as an escape, like "\u202e"
        problems.error(rel, line, field, hidden_problem(value))
    return value


def _convert_collection(node, rel: str, first_line: int, problems: Problems, walk: _Walk, line: int, field: str):
    yaml = _yaml()[0]
    if isinstance(node, yaml.MappingNode):
        result = YMap()
        result.line, result.key_lines, result.raw = line, {}, {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            key_line = first_line + key_node.start_mark.line
            if key in result:
                problems.error(rel, key_line, key, f"written twice (first on line {result.key_lines[key]}); keep one")
                continue
            if HIDDEN.search(key):
                problems.error(rel, key_line, key.encode("unicode_escape").decode(), hidden_problem(key))
            result[key] = _convert(value_node, rel, first_line, problems, walk, key)
            result.key_lines[key] = key_line
            if isinstance(value_node, yaml.ScalarNode):
                result.raw[key] = value_node.value
        return result
    if isinstance(node, yaml.SequenceNode):
        result = YList()
        result.line, result.item_lines, result.item_raw = line, [], []
        for item in node.value:
            result.append(_convert(item, rel, first_line, problems, walk, field))
            result.item_lines.append(first_line + item.start_mark.line)
            result.item_raw.append(item.value if isinstance(item, yaml.ScalarNode) else None)
        return result
    return _scalar(node)  # pragma: no cover - a node is a scalar, a mapping or a sequence


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
