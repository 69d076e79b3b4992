"""The `review` report printed as a table, CSV, JSON or a standalone HTML page (with, for
every page changed since its review, what changed: sitegen/changes.py), and what to do next
about each status."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .changes import page_changes
from .review import JSON_KEYS, ReviewReport, ReviewRow

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LAST_CHANGE = ("date", "commit", "author")
# The JSON's flat fields, in its order, with last_change spread over three columns; sources as
# their count (a cell of titles and addresses would not sort or sum).
CSV_FIELDS = [
    column
    for key in JSON_KEYS
    if key not in ("history", "changes_since_review")
    for column in ([f"last_change_{part}" for part in LAST_CHANGE] if key == "last_change" else [key])
]


def format_report(report: ReviewReport, form: str, wide: bool = False) -> str:
    if form == "table":
        return table(report, wide)
    return {"csv": csv_text, "json": json_text, "html": html_page}[form](report)


def summary(report: ReviewReport) -> str:
    # The statuses some page has, most urgent first (eight zeros would hide the one that counts).
    counts = ", ".join(f"{count} {status}" for status, count in report.counts().items() if count) or "none"
    return f"{len(report.rows)} medical page{'' if len(report.rows) == 1 else 's'}: {counts}"


# The narrow table's columns and the most each may take: it fits in 100 columns.
NARROW = (("status", 20), ("next due", 10), ("reviewer", 18), ("grade", 9), ("page", 35))
GRADE_NOTE = (
    "grade: how hard the page's text is to read, in US school years (Flesch-Kincaid); aim for 8 or lower. A Spanish page "
    "shows its English page's grade and its own reading ease (FH, Fernández Huerta: higher is easier); aim for 70 or more."
)
# How to record a review: the terminal shows it with PATH and ID, the HTML report with each
# page's path and reviewer.
STAMP = "review --stamp {path} --by {by} --commit"


@dataclass(frozen=True)
class NextStep:
    """What to do about the pages of a status. pages: the table's closing line about all of them
    ({n} pages, {s} a plural's s, {command}; empty: no line). page: the HTML report's sentence
    about one ({reviewer}, {due}, {note}), followed by its command ({path}, {by})."""

    pages: str
    page: str
    command: str = ""


# Most urgent first, one for every status.
NEXT_STEPS = {
    "unknown": NextStep(
        "{n} page{s} with no known review: see the warning lines below",
        "Git cannot trace this page's review ({note}): see the notes above.",
    ),
    "uncommitted": NextStep(
        "{n} page{s} with edits not committed: commit them, then have each reviewed",
        "Commit the page first, then have it reviewed. To commit it:",
        "git commit {path}",
    ),
    "never-reviewed": NextStep(
        "{n} draft{s} never reviewed: once a doctor has reviewed each, run {command}",
        "Once a doctor has reviewed this draft, they stamp it:",
        STAMP,
    ),
    "unverified-review": NextStep(
        "{n} page{s} whose review names no reviewer: have the doctor stamp each again with {command}",
        "Ask {reviewer} to stamp it with --commit, so that the commit carries their Reviewed-by line:",
        STAMP,
    ),
    "changed-since-review": NextStep(
        "{n} page{s} changed since review: open review.html (review --format html > review.html), then stamp each with {command}",
        "Read the changes below, then stamp it:",
        STAMP,
    ),
    "translation-outdated": NextStep(
        "{n} translation{s} older than their English page: bring each up to date, then run {command}",
        "Its English page has changed since it was translated: bring the translation up to date, then record it:",
        "review --retranslated {path} --commit",
    ),
    "overdue": NextStep(
        "{n} page{s} overdue: ask the reviewer to review each, then run {command}",
        "Re-read the page and stamp it again:",
        STAMP,
    ),
    "due-soon": NextStep("{n} page{s} due soon: plan their reviews", "Plan its review before {due}, then stamp it:", STAMP),
    "ok": NextStep("", "Nothing to do until {due}."),
}
# The HTML report gives the stamp as a whole command line, to run from the site's folder.
BUILD = "python build.py "


def _grade(row) -> str:
    """A row's grade as the table shows it; a translation's with its reading ease: 7.9 FH 72."""
    return f"{row.grade:.1f}" + (f" FH {row.reading_ease:.0f}" if row.reading_ease is not None else "")


def table(report: ReviewReport, wide: bool = False) -> str:
    """The report as text: a table that fits in 100 columns (wide: every column, as wide as
    it needs), a count of each status, what grade means, and what to do next."""
    if wide:
        headers = ("status", "next due", "reviewed", "reviewer", "last change", "grade", "path", "title")
        cells = [(r.status, r.next_due, r.reviewed, r.reviewer, _last_change(r), _grade(r), r.path, r.title) for r in report.rows]
        limits = [None] * len(headers)
    else:
        headers = tuple(name for name, _ in NARROW)
        cells = [(r.status, r.next_due or "-", r.reviewer or "-", _grade(r), _page(r.path)) for r in report.rows]
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
    steps = [
        step.pages.format(n=counts[status], s="" if counts[status] == 1 else "s", command=step.command.format(path="PATH", by="ID"))
        for status, step in NEXT_STEPS.items()
        if counts[status] and step.pages
    ]
    if report.rows and not steps:
        return ["Next: nothing to do; every page's review is current."]
    return [f"Next: {step}." for step in steps]


def page_step(row: ReviewRow) -> tuple[str, str]:
    """What to do next about one page, as the HTML report says it: a sentence and the command
    to run (empty where there is none)."""
    step = NEXT_STEPS[row.status]
    sentence = step.page.format(reviewer=row.reviewer or "the reviewer", due=row.next_due or "its due date", note=row.note)
    command = step.command.format(path=row.path, by=row.reviewer_id or "REVIEWER_ID")
    return sentence, (BUILD if step.command.startswith("review ") else "") + command


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
        flat["sources"] = len(row.sources)
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
    diffs = [
        (row, page_changes(row.reviewed_text, row.current_text, report.shown_claims))
        for row in report.rows
        if row.reviewed_text is not None and row.current_text is not None
    ]
    return env.get_template("review-report.html").render(
        report=report,
        summary=summary(report),
        diffs=diffs,
        step=page_step,
        warnings=[p.format() for p in sorted(report.problems.warnings)],
        anchor=lambda row, part="diff": f"{part}-" + re.sub(r"[^a-z0-9]+", "-", row.path.lower()),
    )
