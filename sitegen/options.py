"""What one run is asked to do. Kept apart from the pipeline so that the process which only
coordinates a build (see publish.py) can know its options without loading the generator."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import LOCALES
from .workers import default_jobs

# A page's review status, most urgent first (review.py works them out), and how `review`
# prints its report (report.py).
STATUSES = (
    "unknown",
    "uncommitted",
    "never-reviewed",
    "unverified-review",
    "changed-since-review",
    "translation-outdated",
    "overdue",
    "due-soon",
    "ok",
)
FORMATS = ("table", "csv", "json", "html")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Options:
    source: Path
    out: Path
    today: dt.date
    base_url: str | None = None
    drafts: bool = False
    production: bool = False
    search: bool = True
    templates: Path = TEMPLATES
    locales: Path = LOCALES  # the interface's message catalogues (i18n.py)
    jobs: int = field(default_factory=default_jobs)


def base_url_problem(url: str) -> str | None:
    """Why url cannot be the site's base URL, or None."""
    if not re.match(r"^https?://[^/\s]+(/[^\s?#]*)?$", url):
        return f'"{url}" is not a full web address; write it like "https://example.org/" or "https://example.org/spine/"'
    if not url.endswith("/"):
        return f'"{url}" should end with a slash: "{url}/"'
    return None
