"""Medical review dates: when each page is next due, its status today, and the `review` report
(dates and reading grades; git history comes with a later issue)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass

from .content import Page
from .data import Site

STATUS_ORDER = ("overdue", "due-soon", "ok")


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day months later, or the month's last day where it has no such day."""
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def next_review_due(page: Page, site: Site) -> dt.date | None:
    """Reviewed date + the page's interval, else the site's policy."""
    reviewed = page.meta.get("medically_reviewed")
    if reviewed is None:
        return None
    return add_months(reviewed, page.meta.get("review_interval_months") or site.review_interval_months)


def review_status(next_due: dt.date, today: dt.date, due_soon_days: int) -> str:
    if next_due < today:
        return "overdue"
    if (next_due - today).days <= due_soon_days:
        return "due-soon"
    return "ok"


@dataclass
class ReviewRow:
    path: str
    url: str
    title: str
    reviewed: str
    reviewer: str
    next_due: str
    status: str
    grade: float


def review_rows(model, grades: dict[str, float]) -> list[ReviewRow]:
    """One row per medical page, the most urgent first, then by next due date."""
    site = model.data.site
    rows = []
    for page in model.pages:
        if not page.medical:
            continue
        due = next_review_due(page, site)
        reviewer = model.providers.get(page.meta.get("reviewed_by", ""))
        rows.append(
            ReviewRow(
                path=page.path,
                url=page.url,
                title=page.title,
                reviewed=page.meta["medically_reviewed"].isoformat(),
                reviewer=reviewer.full_name if reviewer else page.meta.get("reviewed_by", ""),
                next_due=due.isoformat(),
                status=review_status(due, model.today, site.due_soon_days),
                grade=grades[page.url],
            )
        )
    rows.sort(key=lambda r: (STATUS_ORDER.index(r.status), r.next_due, r.path))
    return rows


def format_rows(rows: list[ReviewRow], form: str) -> str:
    if form == "json":
        return json.dumps([asdict(r) for r in rows], indent=2) + "\n"
    if form == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(ReviewRow.__dataclass_fields__), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
        return out.getvalue()
    headers = ("status", "next due", "reviewed", "grade", "reviewer", "path")
    table = [(r.status, r.next_due, r.reviewed, f"{r.grade:.1f}", r.reviewer, r.path) for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in table)) if table else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(t, widths)).rstrip() for t in table]
    counts = {s: sum(r.status == s for r in rows) for s in STATUS_ORDER}
    lines.append(f"{len(rows)} medical pages: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"
