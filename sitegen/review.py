"""Medical review: when each page is next due (the build's review stamp uses this), and the
`review` report built on git history: which commit was each page's review, which commits
changed its content since, its status, its reading grade, and the claims about to expire.

The report reads front matter and data files only (`check` validates the rest), so that it
stays fast on a large site: bodies are rendered only for reading grades not in the cache."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .changes import source_items
from .content import Page, load_content, next_review_due, review_status, translation_digest
from .data import Claim, Data, Provider, Site, live_claims, load_data
from .history import Change, Commit, History, branch_changes, read_blobs, read_history
from .kinds import ENGLISH
from .kinds import REVIEW_FIELDS as REVIEW_FIELD_SPECS
from .options import STATUSES
from .problems import Problems
from .readability import SPANISH_AIM, SPANISH_WARN
from .source import plain_yaml, split_front_matter
from .store import Store, key

# The most urgent first: the order of the report and of the rule "the first that applies".
# The fields a review sets, from the table of kinds.
REVIEW_FIELDS = tuple(f.name for f in REVIEW_FIELD_SPECS if f.review)
# A change to these is not a change to what the reviewer signed: the review itself, whether
# the page is published, and its old addresses.
NOT_CONTENT = frozenset({*REVIEW_FIELDS, "draft", "aliases"})

# The statuses that come after unverified-review: a page with any of them has a review commit.
AFTER_VERIFIED = frozenset(STATUSES[STATUSES.index("unverified-review") + 1 :])

NEVER_COMMITTED = "never committed"
SHALLOW = "shallow clone lacks the review commit"
NO_REVIEW_COMMIT = "no commit sets medically_reviewed or reviewed_by"


# What one commit did to a page.


@dataclass(frozen=True)
class Version:
    """One version of a page file, reduced to what a review covers and the review itself."""

    content: tuple  # the front matter without NOT_CONTENT fields, and the body
    reviewed: str
    reviewer: str


@dataclass(frozen=True)
class Revision:
    """What a commit did to a page: set its review, changed its content, or both. A commit
    that does both is a review of the new text."""

    review: bool
    content: bool
    reviewed: str = ""  # medically_reviewed after the commit
    reviewer: str = ""  # reviewed_by after the commit


def page_version(data: bytes) -> Version:
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    split = split_front_matter(text, "", Problems())
    if split is None:
        return Version(("no front matter", text.rstrip()), "", "")
    yaml_text, _, body, _ = split
    meta = plain_yaml(yaml_text)
    if isinstance(meta, dict):
        fields = {key: value for key, value in meta.items() if key not in NOT_CONTENT}
        return Version((fields, body.rstrip()), _text(meta.get("medically_reviewed")), _text(meta.get("reviewed_by")))
    # Not valid YAML: compare its lines, and read the review fields from theirs.
    lines = {_key_of(line): line for line in yaml_text.split("\n")}
    content = [line for line in yaml_text.split("\n") if _key_of(line) not in NOT_CONTENT]
    reviewed, reviewer = (lines.get(key, "").partition(":")[2].strip() for key in REVIEW_FIELDS)
    return Version(("not valid YAML", content, body.rstrip()), reviewed, reviewer)


def revision(before: Version | None, after: Version) -> Revision:
    if before is None:  # the commit added the page
        return Revision(bool(after.reviewed or after.reviewer), True, after.reviewed, after.reviewer)
    return Revision(
        review=(before.reviewed, before.reviewer) != (after.reviewed, after.reviewer),
        content=before.content != after.content,
        reviewed=after.reviewed,
        reviewer=after.reviewer,
    )


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _key_of(line: str) -> str:
    match = re.match(r"^([A-Za-z_][\w-]*)[ \t]*:", line)
    return match.group(1) if match else ""


def _change_key(change: Change) -> str:
    return f"{change.before or '-'}:{change.after}"


# A page's history: its reviews and the content changes since the last one.


@dataclass
class Trail:
    unknown: str = ""  # why the review commit cannot be found
    reviews: list[tuple[Commit, Revision]] = field(default_factory=list)  # newest first
    since_review: list[Commit] = field(default_factory=list)  # content changes after the review, oldest first
    last_change: Commit | None = None
    review_version: str | None = None  # the blob the review signed


def is_review(commit: Commit, rev: Revision) -> bool:
    """Whether a commit is a review of the page as it left it: it changed the review fields,
    or it changed the page and carries a Reviewed-by trailer naming the reviewer the page then
    names (a doctor who reviewed the page earlier the same day signs an edit that way: the
    date and reviewer it would stamp are already there)."""
    return rev.review or bool(rev.reviewer and rev.reviewer in {trailer_id(value) for value in commit.reviewed_by})


def page_trail(changes: list[Change], revisions: dict[str, Revision], merged_review: Callable[[Change], bool] = lambda _: False) -> Trail:
    """The page's review is the last commit that reviewed it (is_review), or a merge that
    brought in a review as it was signed (merged_review); every later commit that changed its
    content is a change since the review. Commit order, never dates."""
    known = [(change, revisions[_change_key(change)]) for change in changes if not change.boundary]
    content = [change.commit for change, rev in known if rev.content]

    def reviewed(change: Change, rev: Revision) -> bool:
        return is_review(change.commit, rev) or (change.commit.merge and rev.content and merged_review(change))

    review_at = [index for index, (change, rev) in enumerate(known) if reviewed(change, rev)]
    if not review_at:
        # In a shallow clone, the review may be in the history left out.
        reason = SHALLOW if changes and changes[0].boundary else NO_REVIEW_COMMIT
        return Trail(unknown=reason, last_change=content[-1] if content else None)
    at = review_at[-1]
    return Trail(
        reviews=[(change.commit, rev) for change, rev in reversed(known) if reviewed(change, rev)],
        since_review=[change.commit for change, rev in known[at + 1 :] if rev.content],
        last_change=content[-1] if content else None,
        review_version=known[at][0].after,
    )


def read_revisions(store: Store, source: Path, history: History, paths: list[str]) -> dict[str, Revision]:
    """What every commit in the pages' histories did to them. A pair of versions always gives
    the same answer, so answers are kept by the pair; only new pairs read the file texts."""
    todo: dict[str, Change] = {}
    revisions: dict[str, Revision] = {}
    for path in paths:
        for change in history.files.get(path, []):
            key = _change_key(change)
            if change.boundary or key in revisions or key in todo:
                continue
            stored = store.get(REVISIONS, key)
            if stored is None:
                todo[key] = change
            else:
                revisions[key] = Revision(*stored)
    blobs = read_blobs(source, [b for c in todo.values() for b in (c.before, c.after) if b])
    versions = {blob_id: page_version(data) for blob_id, data in blobs.items()}
    for key, change in todo.items():
        if change.after not in versions or (change.before and change.before not in versions):
            revisions[key] = Revision(review=False, content=True)  # unreadable: never taken for a review
            continue
        rev = revision(versions[change.before] if change.before else None, versions[change.after])
        revisions[key] = rev
        store.put(REVISIONS, key, [rev.review, rev.content, rev.reviewed, rev.reviewer])
    return revisions


# The store's tables: what a commit did to a page, by the pair of versions; reading grades.
REVISIONS, GRADES = "revisions", "grades"


# Reading grades, cached by what the rendered text depends on.


def page_grades(store: Store, pages: list[Page], claims: dict[str, Claim], today: dt.date) -> dict[str, float]:
    """The Flesch-Kincaid grade of each page's rendered body, by URL. A grade depends only on
    the body and the claims it shows, so it is kept by a hash of those."""
    live = live_claims(claims, today)
    grades: dict[str, float] = {}
    render = None
    for page in pages:
        entry = _grade_key(page.body, live, page.language.code)
        grade = store.get(GRADES, entry)
        if grade is None:
            render = render or _grade_renderer(live)
            grade = render(page)
            store.put(GRADES, entry, grade)
        grades[page.url] = grade
    return grades


def _grade_key(body: str, live: dict, language: str = "en") -> str:
    from .markdown import claim_ids

    return key(language, body, *(f"{claim_id}={live.get(claim_id)!r}" for claim_id in claim_ids(body)))


def _grade_renderer(live: dict):
    from .markdown import analyze_body, make_markdown
    from .readability import reading_grade, spanish_reading_ease

    md = make_markdown()

    def grade(page: Page) -> float:
        html = analyze_body(md, page.body, page.body_line, lambda target: target, live).html
        return reading_grade(html) if page.language is ENGLISH else spanish_reading_ease(html)

    return grade


# The report.

JSON_KEYS = (
    "path",
    "url",
    "title",
    "status",
    "reviewed",
    "reviewer",
    "next_due",
    "last_change",
    "grade",
    "reading_ease",
    "history",
    "changes_since_review",
    "sources",
)


@dataclass
class ReviewRow:
    """One medical page in the report. The fields in JSON_KEYS are its JSON object."""

    path: str
    url: str
    title: str
    status: str
    reviewed: str
    reviewer: str
    next_due: str
    last_change: dict | None  # {date, commit, author}
    grade: float  # Flesch-Kincaid's US school grade: of a translation, its English page's
    history: list[dict]  # every review, newest first: {date, reviewer, commit}
    changes_since_review: list[dict]  # {date, commit, author, subject}, oldest first
    sources: list[dict]  # the page's sources now: {title, publisher, url, accessed}
    note: str = ""  # why the status is unknown
    reviewer_id: str = ""  # reviewed_by, the provider id a stamp takes
    review_version: str | None = None
    reviewed_text: str | None = None  # the page as its review left it, for the diff
    current_text: str | None = None
    reading_ease: float | None = None  # a Spanish page's: Fernández Huerta (higher is easier)

    def as_json(self) -> dict:
        return {key: getattr(self, key) for key in JSON_KEYS}


@dataclass
class ClaimNotice:
    claim: Claim
    expired: bool
    pages: list[str]  # the pages that use it


@dataclass
class ReviewReport:
    problems: Problems
    today: dt.date
    site_name: str = ""
    rows: list[ReviewRow] = field(default_factory=list)
    claims: list[ClaimNotice] = field(default_factory=list)
    shown_claims: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # what the pages show today, for the diff

    def counts(self) -> dict[str, int]:
        return {status: sum(row.status == status for row in self.rows) for status in STATUSES}


def review_site(source: Path, today: dt.date, drafts: bool = False, texts: bool = False) -> ReviewReport:
    """The review report of every medical page: load → git history → what each commit did →
    grades → rows. With texts, rows whose text changed since the review carry both texts."""
    problems = Problems()
    store = Store(source)
    data = load_data(source, problems)
    content = load_content(source, problems, drafts, store)
    report = ReviewReport(problems, today, data.site.name)
    if problems.errors:
        store.save()
        return report
    published = sorted((p for p in content.pages if drafts or not p.draft), key=lambda p: p.path)
    pages = [p for p in published if p.medical]
    history = read_history(source)
    revisions = read_revisions(store, source, history, [p.path for p in pages])
    grades = page_grades(store, pages, data.claims, today)
    store.save()
    providers = {p.id: p for p in data.providers}
    stamps = _Stamps(source, history, revisions, providers)
    english = {p.path: p for p in content.pages}
    for page in pages:  # a translation cites its English page's sources where it has none of its own
        if page.language is not ENGLISH:
            page._english = english.get(page.english_path)
    report.rows = []
    for page in pages:
        row = _row(page, data.site, stamps, today, grades[page.url])
        if page.language is not ENGLISH:
            _translated_row(row, page, english.get(page.english_path), grades, report.problems)
        report.rows.append(row)
    report.rows.sort(key=lambda r: (STATUSES.index(r.status), r.next_due, r.path))
    _note_history(report, history)
    report.claims = claim_notices(data, published, today)
    report.shown_claims = live_claims(data.claims, today)
    for notice in report.claims:
        _note_claim(report.problems, notice, data.site.due_soon_days)
    if texts:
        _attach_texts(report.rows, source)
    return report


@dataclass
class _Stamps:
    """Who made each review: the commit that last set a page's review fields, looked for on
    the merged branch where that commit is a merge, and whether it is the reviewer's."""

    source: Path
    history: History
    revisions: dict[str, Revision]
    providers: dict[str, Provider]
    branches: dict[tuple[str, str], list] = field(default_factory=dict)  # (path, merge sha) -> _branch's answer

    def names(self, provider_id: str) -> str:
        provider = self.providers.get(provider_id)
        return provider.full_name if provider else provider_id

    def _branch(self, path: str, merge: Commit) -> list[tuple[Change, bool]]:
        """The changes to the page on the branches a merge brought in, newest first, each with
        whether it is a review; read from git once for each merge and page (a merged review is
        looked at both to count it and to verify it)."""
        found = self.branches.get((path, merge.sha))
        if found is None:
            changes = branch_changes(self.source, merge, path)
            revisions = read_revisions(_NoStore(), self.source, History(files={path: changes}), [path])
            found = self.branches[(path, merge.sha)] = [(c, is_review(c.commit, revisions[_change_key(c)])) for c in changes]
        return found

    def stamping_commit(self, path: str, commit: Commit) -> Commit | None:
        """The commit that made the review: commit itself, or, for a merge, the newest commit
        of the merged branch that changed the page's review fields (None: no such commit)."""
        if not commit.merge:
            return commit
        return next((change.commit for change, review in self._branch(path, commit) if review), None)

    def merged_review(self, path: str, change: Change) -> bool:
        """Whether a merge commit brought in a review as it was signed: the merged branch's
        newest change to the page is a review (a reviewer signed on a branch, and it was merged
        with a merge commit), and the merge left the page as that review did."""
        branch = self._branch(path, change.commit)
        return bool(branch) and branch[0][0].after == change.after and branch[0][1]

    def verified(self, path: str, commit: Commit, reviewer_id: str) -> bool:
        """Whether the stamping commit carries `Reviewed-by: NAME <reviewer_id>` and, where the
        reviewer lists review_emails, was written or committed from one of them."""
        stamping = self.stamping_commit(path, commit)
        if stamping is None or reviewer_id not in {trailer_id(value) for value in stamping.reviewed_by}:
            return False
        provider = self.providers.get(reviewer_id)
        emails = {email.casefold() for email in (provider.review_emails if provider else [])}
        return not emails or stamping.author_email.casefold() in emails or stamping.committer_email.casefold() in emails


class _NoStore:
    """A store that keeps nothing: the merged branch's changes are read when asked for."""

    def get(self, *_):
        return None

    def put(self, *_):
        pass


def trailer_id(value: str) -> str:
    """The id in a Reviewed-by trailer's value, "Avery Lee <dr-lee>" -> "dr-lee"."""
    match = re.fullmatch(r"[^<>]*<\s*([^<>\s]+)\s*>\s*", value)
    return match.group(1) if match else ""


def _row(page: Page, site: Site, stamps: _Stamps, today: dt.date, grade: float) -> ReviewRow:
    due = next_review_due(page, site)
    history = stamps.history
    trail = page_trail(history.files.get(page.path, []), stamps.revisions, functools.partial(stamps.merged_review, page.path))
    reviewed, reviewer = page.meta.get("medically_reviewed"), page.meta.get("reviewed_by") or ""
    if reviewed is None:
        by_dates = "never-reviewed"
    else:
        by_dates = review_status(due, today, site.due_soon_days)
    status, note = _status(page.path, history, trail, by_dates)
    if status in AFTER_VERIFIED and trail.reviews and not stamps.verified(page.path, trail.reviews[0][0], reviewer):
        status = "unverified-review"
    return ReviewRow(
        path=page.path,
        url=page.url,
        title=page.title,
        status=status,
        reviewed=reviewed.isoformat() if reviewed else "",
        reviewer=stamps.names(reviewer) if reviewer else "",
        next_due=due.isoformat() if due else "",
        last_change=_commit_json(trail.last_change, subject=False) if trail.last_change else None,
        grade=grade,
        history=[{"date": rev.reviewed, "reviewer": stamps.names(rev.reviewer), "commit": c.sha} for c, rev in trail.reviews],
        changes_since_review=[_commit_json(c, subject=True) for c in trail.since_review],
        sources=source_items(page.sources),
        note=note,
        reviewer_id=reviewer,
        review_version=trail.review_version,
    )


def _translated_row(row: ReviewRow, page: Page, english: Page | None, grades: dict[str, float], problems: Problems) -> None:
    """A translation's row: its reading ease beside its English page's grade, and the status
    translation-outdated where the English text has changed since it was translated and no
    more urgent status applies."""
    row.reading_ease = grades[page.url]
    row.grade = grades.get(english.url, 0.0) if english is not None else 0.0
    if row.reading_ease < SPANISH_WARN:
        problems.warn(
            page.path,
            page.body_line,
            "body",
            f"reading ease {row.reading_ease:.0f} (Fernández Huerta) is below {SPANISH_WARN}: hard to read; aim for "
            f"{SPANISH_AIM} or more with shorter sentences and common words",
        )
    outdated = english is not None and page.meta.get("translated_from") != translation_digest(english)
    if outdated and row.status in TRANSLATION_MAY_OUTRANK:
        row.status = "translation-outdated"


# The statuses a translation's outdated text comes before (STATUSES is most urgent first).
TRANSLATION_MAY_OUTRANK = frozenset(STATUSES[STATUSES.index("translation-outdated") + 1 :])


def _status(path: str, history: History, trail: Trail, by_dates: str) -> tuple[str, str]:
    """(status, why it is unknown): the first status that applies, in the order of STATUSES
    (unverified-review, which asks who made the review commit, is the caller's)."""
    if history.missing:
        return "unknown", history.missing
    if path not in history.files:
        return "unknown", NEVER_COMMITTED
    if trail.unknown == SHALLOW:
        return "unknown", SHALLOW
    if path in history.uncommitted:
        return "uncommitted", ""
    if by_dates == "never-reviewed":
        return by_dates, ""
    if trail.unknown:
        return "unknown", trail.unknown
    if trail.since_review:
        return "changed-since-review", ""
    return by_dates, ""


def _commit_json(commit: Commit, subject: bool) -> dict:
    shown = {"date": commit.date, "commit": commit.sha, "author": commit.author}
    return {**shown, "subject": commit.subject} if subject else shown


def _note_history(report: ReviewReport, history: History) -> None:
    """Say why a status is unknown: once for the whole tree, or per page where it is the page's."""
    problems = report.problems
    if history.missing:
        if report.rows:
            problems.warn("content", 1, "history", f"{history.missing}, so every page's status is unknown")
        return
    shallow = sum(row.note == SHALLOW for row in report.rows)
    if shallow:
        problems.warn(
            "content",
            1,
            "history",
            f"this shallow clone lacks the review commit of {shallow} page{'s' if shallow != 1 else ''}, "
            "so their status is unknown; fetch the whole history (git fetch --unshallow)",
        )
    for row in report.rows:
        if row.note == NEVER_COMMITTED:
            problems.warn(row.path, 1, "history", "never committed, so its review cannot be traced; commit the page")
        elif row.note == NO_REVIEW_COMMIT:
            problems.warn(row.path, 1, "history", f"{NO_REVIEW_COMMIT} in its history; commit its review")


def claim_notices(data: Data, pages: list[Page], today: dt.date) -> list[ClaimNotice]:
    """The claims that have expired or expire within the due-soon window, soonest first."""
    from .markdown import claim_ids

    used: dict[str, list[str]] = {}
    for page in pages:
        for claim_id in dict.fromkeys(claim_ids(page.body)):
            used.setdefault(claim_id, []).append(page.path)
    window = today + dt.timedelta(days=data.site.due_soon_days)
    return [
        ClaimNotice(claim, claim.expired(today), used.get(claim.id, []))
        for claim in sorted(data.claims.values(), key=lambda c: (c.valid_until, c.id))
        if claim.valid_until <= window
    ]


def _note_claim(problems: Problems, notice: ClaimNotice, due_soon_days: int) -> None:
    claim = notice.claim
    where = "used on " + ", ".join(notice.pages) if notice.pages else "used on no page"
    if notice.expired:
        message = f"expired on {claim.valid_until.isoformat()} ({where}); update it or remove it"
    else:
        message = f"expires on {claim.valid_until.isoformat()}, within {due_soon_days} days ({where}); renew it or plan its removal"
    problems.warn("data/claims.yaml", claim.line, f"claims[{claim.id}].valid_until", message)


def _attach_texts(rows: list[ReviewRow], source: Path) -> None:
    """The reviewed and the current text of each page changed since its review, for the diff."""
    changed = [r for r in rows if r.status in ("changed-since-review", "uncommitted") and r.review_version]
    blobs = read_blobs(source, [r.review_version for r in changed])
    for row in changed:
        if row.review_version in blobs:
            row.reviewed_text = _decoded(blobs[row.review_version])
            row.current_text = _decoded((source / row.path).read_bytes())


def _decoded(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")


def failing(report: ReviewReport, statuses: frozenset[str]) -> list[ReviewRow]:
    return [row for row in report.rows if row.status in statuses]
