"""The `review` report printed as a table, CSV, JSON or a standalone HTML page, and the
word-level diff the HTML page shows for every page whose text changed since its review."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .review import JSON_KEYS, ReviewReport, ReviewRow

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LAST_CHANGE = ("date", "commit", "author")
# The JSON's flat fields, in its order, with last_change spread over three columns.
CSV_FIELDS = [
    column
    for key in JSON_KEYS
    if key not in ("history", "changes_since_review")
    for column in ([f"last_change_{part}" for part in LAST_CHANGE] if key == "last_change" else [key])
]
DIFF_CONTEXT = 2  # unchanged lines shown around each change
WORD = re.compile(r"\w+|\s+|[^\w\s]+")


def format_report(report: ReviewReport, form: str, wide: bool = False) -> str:
    if form == "table":
        return table(report, wide)
    return {"csv": csv_text, "json": json_text, "html": html_page}[form](report)


def summary(report: ReviewReport) -> str:
    # The statuses some page has, most urgent first (eight zeros would hide the one that counts).
    counts = ", ".join(f"{count} {status}" for status, count in report.counts().items() if count) or "none"
    return f"{len(report.rows)} medical page{'' if len(report.rows) == 1 else 's'}: {counts}"


# The narrow table's columns and the most each may take: it fits in 100 columns.
NARROW = (("status", 20), ("next due", 10), ("reviewer", 18), ("grade", 5), ("page", 39))
GRADE_NOTE = "grade: how hard the page's text is to read, in US school years (Flesch-Kincaid); aim for 8 or lower."
# What to do about the pages of each status, most urgent first; {n} pages, {s} a plural's s.
NEXT_STEPS = {
    "unknown": "{n} page{s} with no known review: see the warning lines below",
    "uncommitted": "{n} page{s} with edits not committed: commit them, then have each reviewed",
    "never-reviewed": "{n} draft{s} never reviewed: once a doctor has reviewed each, run review --stamp PATH --by ID --commit",
    "unverified-review": "{n} page{s} whose review names no reviewer: have the doctor stamp each again with review --stamp PATH --by ID --commit",
    "changed-since-review": "{n} page{s} changed since review: open review.html (review --format html > review.html), "
    "then stamp each with review --stamp PATH --by ID --commit",
    "overdue": "{n} page{s} overdue: ask the reviewer to review each, then run review --stamp PATH --by ID --commit",
    "due-soon": "{n} page{s} due soon: plan their reviews",
}


def table(report: ReviewReport, wide: bool = False) -> str:
    """The report as text: a table that fits in 100 columns (wide: every column, as wide as
    it needs), a count of each status, what grade means, and what to do next."""
    if wide:
        headers = ("status", "next due", "reviewed", "reviewer", "last change", "grade", "path", "title")
        cells = [(r.status, r.next_due, r.reviewed, r.reviewer, _last_change(r), f"{r.grade:.1f}", r.path, r.title) for r in report.rows]
        limits = [None] * len(headers)
    else:
        headers = tuple(name for name, _ in NARROW)
        cells = [(r.status, r.next_due or "-", r.reviewer or "-", f"{r.grade:.1f}", _page(r.path)) for r in report.rows]
        limits = [limit for _, limit in NARROW]
    cells = [tuple(_cut(text, limit) for text, limit in zip(row, limits)) for row in cells]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip() for row in [headers, *cells]]
    lines.append(summary(report))
    if report.rows:
        lines.append(GRADE_NOTE)
    lines.extend(next_steps(report))
    return "\n".join(lines) + "\n"


def next_steps(report: ReviewReport) -> list[str]:
    counts = report.counts()
    steps = [step.format(n=counts[status], s="" if counts[status] == 1 else "s") for status, step in NEXT_STEPS.items() if counts[status]]
    if report.rows and not steps:
        return ["Next: nothing to do; every page's review is current."]
    return [f"Next: {step}." for step in steps]


def _page(path: str) -> str:
    return path.removeprefix("content/")


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _last_change(row: ReviewRow) -> str:
    change = row.last_change
    return f"{change['date']} {change['commit'][:7]} {change['author']}" if change else "-"


def csv_text(report: ReviewReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        flat = {key: value for key, value in row.as_json().items() if key in CSV_FIELDS}
        for key in LAST_CHANGE:
            flat[f"last_change_{key}"] = row.last_change[key] if row.last_change else ""
        writer.writerow(flat)
    return out.getvalue()


def json_text(report: ReviewReport) -> str:
    """A list with one page a line (compact: indenting would take longer than the rest of a
    cached run at 4,000 pages)."""
    lines = [json.dumps(row.as_json(), ensure_ascii=False) for row in report.rows]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def html_page(report: ReviewReport) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    diffs = [(row, text_diff(row.reviewed_text, row.current_text)) for row in report.rows if row.reviewed_text is not None]
    return env.get_template("review-report.html").render(
        report=report,
        summary=summary(report),
        diffs=diffs,
        warnings=[p.format() for p in sorted(report.problems.warnings)],
        anchor=lambda row: "diff-" + re.sub(r"[^a-z0-9]+", "-", row.path.lower()),
    )


@dataclass
class Hunk:
    """A stretch of the text with a change in it: its lines before and after, and its text as
    parts, each ("", unchanged), ("del", removed) or ("ins", added)."""

    before: tuple[int, int]  # first and last line, 1-based; last < first where there is none
    after: tuple[int, int]
    parts: list[tuple[str, str]]

    @property
    def where(self) -> str:
        return f"{_span(*self.before)} of the reviewed text, {_span(*self.after)} now"


def _span(first: int, last: int) -> str:
    if last < first:
        return "no lines"
    return f"line {first}" if first == last else f"lines {first} to {last}"


def text_diff(before: str, after: str) -> list[Hunk]:
    """Line by line, then word by word within the lines that changed."""
    old, new = before.removesuffix("\n").split("\n"), after.removesuffix("\n").split("\n")
    hunks = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(DIFF_CONTEXT):
        parts: list[tuple[str, str]] = []
        for tag, i1, i2, j1, j2 in group:
            removed, added = _lines(old[i1:i2]), _lines(new[j1:j2])
            if tag == "equal":
                parts.append(("", removed))
            elif tag == "delete":
                parts.append(("del", removed))
            elif tag == "insert":
                parts.append(("ins", added))
            else:
                parts += _word_diff(removed, added)
        hunks.append(Hunk((group[0][1] + 1, group[-1][2]), (group[0][3] + 1, group[-1][4]), _merged(parts)))
    return hunks


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _word_diff(before: str, after: str) -> list[tuple[str, str]]:
    old, new = WORD.findall(before), WORD.findall(after)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(old[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(new[j1:j2])))
    return parts


def _merged(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    merged: list[tuple[str, str]] = []
    for kind, text in parts:
        if not text:
            continue
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged
