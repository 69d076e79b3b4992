"""What changed in a page since its review, as a reader of the page sees it: the body as the
site shows its text (headings, list items, link text, claims filled in, no Markdown marks),
compared sentence by sentence, and the front matter compared field by field.

A replaced sentence is kept whole on both sides, the old one and then the new one, with the
words that differ marked inside each: a reviewer reads what they signed and what replaces it,
never an alternation of single words."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from .kinds import SOURCE_FIELDS as SOURCE_SPECS
from .markdown import make_markdown
from .problems import Problems
from .source import plain_yaml, split_front_matter

WORD = re.compile(r"\w+|\s+|[^\w\s]+")
# A sentence ends at . ! or ? (with any closing quote or bracket) before a space and a capital,
# a digit or an opening quote or bracket.
SENTENCE_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "no", "fig", "approx", "e.g", "i.e", "etc", "u.s", "prof"})
# A sentence this long is compared clause by clause (at ; : and spaced dashes) where each
# clause is long enough to read on its own.
LONG_SENTENCE, SHORT_CLAUSE = 30, 8
CLAUSE_END = re.compile(r"(?<=[;:])\s+|\s+(?=[\u2014\u2013]\s)")
# Blocks compared whole: a code block's lines are not prose, a claim is one statement.
WHOLE = frozenset({"code", "claim"})
# Two sentences at least this alike (by their words) are shown as one replaced by the other.
ALIKE = 0.5
# Below this, marking the words that differ would mark nearly all of them: mark none.
WORTH_MARKING = 0.3


@dataclass
class Block:
    """One block of the text a reader sees: a heading, a paragraph, a list item, a claim's
    paragraph or a code block, with the file line it starts on."""

    kind: str  # heading, paragraph, item, claim, code
    text: str
    line: int
    level: int = 0  # a heading's level
    marker: str = ""  # an ordered list item's number, like "2."


@dataclass
class Sentence:
    """A sentence (or clause) as the diff shows it: kind "" (unchanged), "del" or "ins", and
    its text as pieces (marked, text), marked where it differs from the sentence it replaces."""

    kind: str
    pieces: list[tuple[bool, str]]

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.pieces)


@dataclass
class ShownBlock:
    """A block of the diff: the block as it is now (or was, where it was removed), its
    sentences, and whether any of them changed."""

    block: Block
    sentences: list[Sentence] = field(default_factory=list)
    removed: bool = False  # the block is the reviewed text's, gone from the page now

    @property
    def changed(self) -> bool:
        return any(s.kind for s in self.sentences)


@dataclass
class Hunk:
    """A stretch of the page with a change in it: the changed blocks, with the heading above
    them for where they are."""

    blocks: list[ShownBlock]

    @property
    def where(self) -> str:
        now = [b.block.line for b in self.blocks if not b.removed]
        if now:
            return f"near line {now[0]} of the page file"
        return f"near line {self.blocks[0].block.line} of the reviewed page file"


@dataclass
class SourceChange:
    """One source as the reviewer should see it: kind "" (as reviewed), "added", "changed"
    (was: what each changed field said before) or "removed" (the reviewed version's source)."""

    source: dict[str, str]  # title, publisher, url, accessed
    kind: str = ""
    was: list[str] = field(default_factory=list)  # "accessed was 2026-09-01"


@dataclass
class PageChanges:
    """What changed between the reviewed version of a page file and the current one."""

    fields: list[str]  # one sentence per front matter field that changed, sources aside
    hunks: list[Hunk]
    sources: list[SourceChange] = field(default_factory=list)  # the current ones, then the removed

    @property
    def none(self) -> bool:
        return not self.fields and not self.hunks and not self.sources_changed

    @property
    def sources_changed(self) -> bool:
        return any(change.kind for change in self.sources)


def page_changes(before: str, after: str, claims: dict) -> PageChanges:
    """The changes from one version of a page file to another. claims maps a claim id to
    (text, source name, source URL), as the site renders them (an id not in it is left out).
    Where both versions' front matter can be read, the sources are compared one by one, as a
    list the report shows whole, rather than as a line among the fields."""
    old_meta, old_body, old_line = _parts(before)
    new_meta, new_body, new_line = _parts(after)
    sources = []
    if old_meta is not None and new_meta is not None:
        sources = source_changes(old_meta.get("sources"), new_meta.get("sources"))
        old_meta, new_meta = ({k: v for k, v in meta.items() if k != "sources"} for meta in (old_meta, new_meta))
    return PageChanges(
        field_changes(old_meta, new_meta),
        prose_diff(prose_blocks(old_body, old_line, claims), prose_blocks(new_body, new_line, claims)),
        sources,
    )


def _parts(text: str) -> tuple[dict | None, str, int]:
    """(front matter as plain values, or None where it is not a mapping; body; its first line)."""
    split = split_front_matter(text, "", Problems())
    if split is None:
        return None, text, 1
    yaml_text, _, body, body_line = split
    meta = plain_yaml(yaml_text)
    return (meta if isinstance(meta, dict) else None), body, body_line


# The body as the reader sees it.


def prose_blocks(body: str, first_line: int, claims: dict) -> list[Block]:
    """The body's blocks of text, parsed by the site's own Markdown parser, each as the page
    shows its text: links as their text, images as their alt text, emphasis without its marks,
    a claim line as the claim's text and source."""
    tokens = make_markdown().parse(body, {})
    blocks: list[Block] = []
    items: list[Block | None] = []  # the open list items, innermost last: None until its first paragraph
    numbers: list[int | None] = []  # the open lists' next numbers (None: a bullet list)
    for index, token in enumerate(tokens):
        line = first_line + token.map[0] if token.map else first_line
        if token.type in ("bullet_list_open", "ordered_list_open"):
            numbers.append(int(token.attrs.get("start", 1) or 1) if token.type == "ordered_list_open" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            numbers.pop()
        elif token.type == "list_item_open":
            items.append(None)
        elif token.type == "list_item_close":
            items.pop()
            if numbers and numbers[-1] is not None:
                numbers[-1] += 1
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            opener = tokens[index - 1]
            if opener.type == "heading_open":
                blocks.append(Block("heading", text, line, level=int(opener.tag[1])))
            elif items and items[-1] is not None:
                items[-1].text += " " + text  # a list item's second paragraph
            elif items:
                marker = f"{numbers[-1]}." if numbers and numbers[-1] is not None else ""
                items[-1] = Block("item", text, line, marker=marker)
                blocks.append(items[-1])
            else:
                blocks.append(Block("paragraph", text, line))
        elif token.type == "claim":
            claim = claims.get(token.meta["id"])
            if claim is not None:
                blocks.append(Block("claim", f"{claim[0]} Source: {claim[1]}", line))
        elif token.type in ("fence", "code_block"):
            blocks.append(Block("code", token.content.rstrip("\n"), line))
        elif token.type == "html_block":  # the site shows raw HTML as text
            blocks.append(Block("paragraph", " ".join(token.content.split()), line))
    return [block for block in blocks if block.text.strip()]


def _inline_text(children) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())


def sentences(text: str) -> list[str]:
    """A block's sentences, each with its end punctuation; a long sentence in its clauses."""
    found, start = [], 0
    for match in SENTENCE_END.finditer(text):
        words = text[start : match.start()].split()
        if words and words[-1].rstrip(".").lower() in ABBREVIATIONS or (words and re.fullmatch(r"[A-Z]", words[-1])):
            continue  # "Dr. Lee", "J. Smith"
        found.append(text[start : match.end()].rstrip())
        start = match.end()
    found.append(text[start:].rstrip())
    return [clause for sentence in found if sentence for clause in _clauses(sentence)]


def _clauses(sentence: str) -> list[str]:
    if len(sentence.split()) < LONG_SENTENCE:
        return [sentence]
    clauses: list[str] = []
    for piece in CLAUSE_END.split(sentence):
        if clauses and (len(piece.split()) < SHORT_CLAUSE or len(clauses[-1].split()) < SHORT_CLAUSE):
            clauses[-1] += " " + piece
        else:
            clauses.append(piece)
    return clauses


# Comparing two versions of the body.


@dataclass(frozen=True)
class _Unit:
    block: int  # the index of its block
    text: str


def prose_diff(old: list[Block], new: list[Block]) -> list[Hunk]:
    """The blocks that changed, sentence by sentence, with the heading above each stretch."""
    old_units, new_units = _units(old), _units(new)
    keys = [(old[u.block].kind, u.text) for u in old_units], [(new[u.block].kind, u.text) for u in new_units]
    steps: list[tuple[_Unit | None, _Unit | None, list[Sentence]]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, *keys, autojunk=False).get_opcodes():
        if tag == "equal":
            steps += [(a, b, [Sentence("", [(False, b.text)])]) for a, b in zip(old_units[i1:i2], new_units[j1:j2])]
        else:
            steps += _replaced(old_units[i1:i2], new_units[j1:j2])
    return _hunks(_shown_blocks(steps, old, new))


def _units(blocks: list[Block]) -> list[_Unit]:
    return [
        _Unit(index, text)
        for index, block in enumerate(blocks)
        for text in ([block.text] if block.kind in WHOLE else sentences(block.text))
    ]


def _replaced(old: list[_Unit], new: list[_Unit]) -> list[tuple[_Unit | None, _Unit | None, list[Sentence]]]:
    """A replaced stretch, in order: each old sentence paired with the new one most like it
    (shown whole, then its replacement whole), the rest removed or added whole."""
    steps = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i >= len(old):
            steps.append((None, new[j], [Sentence("ins", [(False, new[j].text)])]))
            j += 1
        elif j >= len(new):
            steps.append((old[i], None, [Sentence("del", [(False, old[i].text)])]))
            i += 1
        elif _alike(old[i].text, new[j].text) >= ALIKE:
            steps.append((old[i], new[j], _pair(old[i].text, new[j].text)))
            i, j = i + 1, j + 1
        elif any(_alike(old[i].text, b.text) >= ALIKE for b in new[j + 1 :]):
            steps.append((None, new[j], [Sentence("ins", [(False, new[j].text)])]))  # added before it
            j += 1
        else:
            steps.append((old[i], None, [Sentence("del", [(False, old[i].text)])]))
            i += 1
    return steps


def _alike(a: str, b: str) -> float:
    """How alike two sentences are by their words (spaces and punctuation would make any two
    sentences look half alike)."""
    words = re.compile(r"\w+")
    return difflib.SequenceMatcher(None, words.findall(a.lower()), words.findall(b.lower()), autojunk=False).ratio()


def _pair(before: str, after: str) -> list[Sentence]:
    """The old sentence whole, then the new one whole, each with the words that differ marked."""
    old, new = WORD.findall(before), WORD.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if _alike(before, after) < WORTH_MARKING:
        return [Sentence("del", [(False, before)]), Sentence("ins", [(False, after)])]
    removed: list[tuple[bool, str]] = []
    added: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed.append((tag != "equal", "".join(old[i1:i2])))
        added.append((tag != "equal", "".join(new[j1:j2])))
    return [Sentence("del", _merged(removed)), Sentence("ins", _merged(added))]


def _merged(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    merged: list[tuple[bool, str]] = []
    for marked, text in pieces:
        if not text:
            continue
        if marked and not text.strip():
            marked = False  # a changed run of spaces alone is not worth a mark
        if merged and merged[-1][0] == marked:
            merged[-1] = (marked, merged[-1][1] + text)
        else:
            merged.append((marked, text))
    return merged


def _shown_blocks(steps, old: list[Block], new: list[Block]) -> list[ShownBlock]:
    """The steps gathered into blocks: a sentence in the block it is in now, a removed one in
    the block its old block became (or in that old block, where all of it went)."""
    became = {}
    for a, b, _ in steps:
        if a is not None and b is not None:
            became.setdefault(a.block, b.block)
    shown: list[ShownBlock] = []
    at = None
    for a, b, parts in steps:
        if b is not None:
            where = ("now", b.block)
        elif a.block in became:
            where = ("now", became[a.block])
        else:
            where = ("before", a.block)
        if where != at:
            removed = where[0] == "before"
            shown.append(ShownBlock((old if removed else new)[where[1]], removed=removed))
            at = where
        shown[-1].sentences += parts
    return shown


def _hunks(blocks: list[ShownBlock]) -> list[Hunk]:
    """The changed blocks, each stretch with the nearest heading above it."""
    shown = set()
    heading = None
    for index, block in enumerate(blocks):
        if block.block.kind == "heading" and not block.removed:
            heading = index
        if block.changed:
            shown.add(index)
            if heading is not None:
                shown.add(heading)
    hunks: list[Hunk] = []
    for index in sorted(shown):
        if hunks and index - 1 in shown:
            hunks[-1].blocks.append(blocks[index])
        else:
            hunks.append(Hunk([blocks[index]]))
    return hunks


# Comparing two versions of the front matter.


def field_changes(before: dict | None, after: dict | None) -> list[str]:
    """One sentence for each field that changed: "title: changed from "A" to "B"", a list as the
    items added and removed: "search_terms: 2 added (a, b), 1 removed (c)"."""
    if before is None or after is None:
        which = "reviewed" if before is None else "current"
        return [f"front matter: the {which} version is not valid YAML, so its fields cannot be compared; run check"]
    changes = []
    for name in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name not in after:
            changes.append(f"{name}: removed (was {_shown(old)})")
        elif name not in before:
            changes.append(f"{name}: set to {_shown(new)}")
        elif isinstance(old, list) and isinstance(new, list):
            changes.append(f"{name}: {_list_change(old, new)}")
        else:
            changes.append(f"{name}: changed from {_shown(old)} to {_shown(new)}")
    return changes


SOURCE_FIELDS = tuple(spec.name for spec in SOURCE_SPECS)  # title, publisher, url, accessed


def source_items(value) -> list[dict[str, str]]:
    """A sources field as plain {title, publisher, url, accessed} strings (a date as
    YYYY-MM-DD), whatever it holds: the report reads front matter that `check` has not passed."""
    items = value if isinstance(value, list) else []
    return [{name: _text(item.get(name)) for name in SOURCE_FIELDS} for item in items if isinstance(item, dict)]


def source_changes(before, after) -> list[SourceChange]:
    """Every current source, marked added or changed against the reviewed ones, then the
    reviewed sources that are gone. A source is the same one where its title or, retitled,
    its address is (as field_changes pairs list items by title)."""
    old, new = source_items(before), source_items(after)
    unpaired = list(old)
    pairs: list[tuple[dict, dict | None]] = []
    for source in new:
        match = next((o for o in unpaired if o["title"] == source["title"]), None)
        match = match or next((o for o in unpaired if o["url"] and o["url"] == source["url"]), None)
        if match is not None:
            unpaired.remove(match)
        pairs.append((source, match))
    changes = []
    for source, match in pairs:
        if match is None:
            changes.append(SourceChange(source, "added"))
            continue
        was = [f"{name} was {match[name] or 'empty'}" for name in SOURCE_FIELDS if match[name] != source[name]]
        changes.append(SourceChange(source, "changed" if was else "", was))
    return changes + [SourceChange(source, "removed") for source in unpaired]


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _list_change(old: list, new: list) -> str:
    added = [item for item in new if item not in old]
    removed = [item for item in old if item not in new]
    if not added and not removed:
        return "the same items, reordered"
    changed = [label for label in dict.fromkeys(map(_label, added)) if label in set(map(_label, removed))]
    added = [item for item in added if _label(item) not in changed]
    removed = [item for item in removed if _label(item) not in changed]
    parts = [
        f"{len(items)} {verb} ({', '.join(map(_label, items))})"
        for verb, items in (("changed", changed), ("added", added), ("removed", removed))
        if items
    ]
    return ", ".join(parts)


def _label(item) -> str:
    """A list item by its title where it has one (a source), else as it reads."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and item.get("title"):
        return str(item["title"])
    return _shown(item)


def _shown(value) -> str:
    if isinstance(value, str):
        return f"\u201c{value}\u201d"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or value == [] or value == {}:
        return "nothing"
    if isinstance(value, list):
        return ", ".join(_label(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)
