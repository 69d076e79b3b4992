"""`review`: review tracking from git history, in real temporary repositories with fixed commit
dates and a fixed --today; its table, CSV, JSON and HTML reports; --fail-on; --stamp."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY, copy_fixture, run_cli

from sitegen.changes import field_changes, prose_blocks, prose_diff, sentences, source_changes
from sitegen.report import NEXT_STEPS, STAMP, page_step, table
from sitegen.review import STATUSES, ReviewRow, review_site
from sitegen.store import Store


def _medical_pages() -> int:
    """How many published medical pages the basic fixture has (its translations too)."""
    from sitegen.kinds import place

    content = FIXTURES / "basic/content"
    pages = [p for p in content.rglob("*.md") if p.parent.name != "media" and "\ndraft: true" not in p.read_text()]
    return sum(place(p.relative_to(content).as_posix())[1].medical for p in pages)


MEDICAL = _medical_pages()


def _claim_line(claim_id: str) -> int:
    """The line of a claim's id in the basic fixture's claims.yaml."""
    lines = (FIXTURES / "basic/data/claims.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index(f"- id: {claim_id}") + 1


CHORDOMA = "content/tumors/chordoma.md"
SCHWANNOMA = "content/tumors/schwannoma.md"
MRI = "content/tests/mri.md"
BIOPSY = "content/tests/biopsy.md"
SURGERY = "content/treatments/surgery.md"
HOME = "content/_index.md"
ES_HOME, ES_CHORDOMA = "content/es/_index.md", "content/es/tumors/chordoma.md"
NEW_SENTENCE = "Proton therapy is now offered here."
FIRST_DAY = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)
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


# The fixture's reviewers as Reviewed-by trailers name them.
EVERY_REVIEWER = ("Avery Lee <dr-sample-lee>", "Blair Abbott <dr-sample-abbott>", "Casey Old <dr-sample-old>")


class Repo:
    """A fixture site in a git repository of its own; every commit is a day after the last."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commits = 0

    @classmethod
    def of_fixture(cls, folder: Path) -> Repo:
        """The basic fixture, committed once: every page's first commit is its review."""
        repo = cls(copy_fixture("basic", folder))
        (repo.root / ".gitignore").write_text(".cache/\n")
        repo.git("init", "-q", "-b", "main")
        return repo.commit("Add the pages", trailers=EVERY_REVIEWER)

    def git(self, *args: str, author: str = "Sam Editor", date: str | None = None, email: str = "editor@example.org") -> str:
        date = date or (FIRST_DAY + dt.timedelta(days=self.commits)).isoformat()
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        identity = ("-c", f"user.name={author}", "-c", f"user.email={email}", "-c", "commit.gpgsign=false")
        result = subprocess.run(["git", *identity, *args], cwd=self.root, env=env, capture_output=True, text=True, check=True)
        return result.stdout

    def commit(
        self,
        message: str,
        author: str = "Sam Editor",
        date: str | None = None,
        trailers: tuple[str, ...] = (),
        email: str = "editor@example.org",
    ) -> Repo:
        """Commit everything; trailers: the commit's Reviewed-by values, like "Avery Lee <dr-sample-lee>"."""
        self.git("add", "-A")
        body = "".join(f"\nReviewed-by: {value}" for value in trailers)
        self.git("commit", "-q", "-m", message + ("\n" + body if body else ""), author=author, date=date, email=email)
        self.commits += 1
        return self

    def edit(self, path: str, old: str, new: str) -> Repo:
        file = self.root / path
        text = file.read_text()
        assert old in text, f"{old!r} is not in {path}"
        file.write_text(text.replace(old, new, 1))
        return self

    def review(self, path: str, date: str, trailer: bool = True, email: str = "editor@example.org") -> Repo:
        """A reviewer's commit: medically_reviewed changes, nothing else; with a Reviewed-by
        trailer naming the page's reviewer unless trailer is False."""
        file = self.root / path
        file.write_text(re.sub(r"(?m)^medically_reviewed: .*$", f"medically_reviewed: {date}", file.read_text(), count=1))
        reviewer = re.search(r"(?m)^reviewed_by: (\S+)", file.read_text()).group(1)
        trailers = tuple(value for value in EVERY_REVIEWER if value.endswith(f"<{reviewer}>")) if trailer else ()
        return self.commit(f"Medical review of {path}", author="Avery Lee", trailers=trailers, email=email)

    def branch_review(self, path: str, trailer: bool) -> Repo:
        """A review made on a branch and merged with a merge commit whose message carries the
        trailer (which must not count for the branch's commit)."""
        self.git("checkout", "-q", "-b", "review")
        self.review(path, "2026-11-20", trailer=trailer)
        self.git("checkout", "-q", "main")
        self.edit(HOME, "What we treat", "Tumors we treat").commit("Home wording")
        self.git("merge", "-q", "--no-ff", "-m", f"Merge review\n\nReviewed-by: {EVERY_REVIEWER[0]}", "review")
        self.commits += 1
        return self

    def with_review_emails(self) -> Repo:
        """dr-sample-abbott commits reviews from abbott@example.org alone."""
        providers, name = "data/providers.yaml", "  name: Blair Abbott\n"
        return self.edit(providers, name, f"{name}  review_emails: [abbott@example.org]\n").commit("Emails")

    def move(self, old: str, new: str) -> Repo:
        self.git("mv", old, new)
        return self


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.of_fixture(tmp_path)


def rows_of(source: Path, today: str = TODAY) -> dict[str, ReviewRow]:
    return {row.path: row for row in review_site(source, dt.date.fromisoformat(today)).rows}


def statuses(source: Path, today: str = TODAY) -> dict[str, str]:
    return {path: row.status for path, row in rows_of(source, today).items()}


def review_json(source: Path, *args: str, today: str = TODAY) -> list[dict]:
    result = run_cli("review", "--source", str(source), "--today", today, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


BODY = ("is the main treatment.", f"is the main treatment. {NEW_SENTENCE}")


@pytest.mark.parametrize(
    ("change", "path", "today", "status"),
    [
        pytest.param(lambda r: r, CHORDOMA, TODAY, "ok", id="reviewed when added"),
        pytest.param(lambda r: r.edit(CHORDOMA, *BODY).commit("Proton therapy"), CHORDOMA, TODAY, "changed-since-review", id="body edit"),
        pytest.param(
            lambda r: r.edit(CHORDOMA, *BODY).commit("Proton therapy").review(CHORDOMA, "2026-11-20"),
            CHORDOMA,
            TODAY,
            "ok",
            id="front-matter-only review commit after the edit",
        ),
        pytest.param(
            lambda r: r.edit(CHORDOMA, "title: Chordoma", "title: Chordoma of the spine").commit("Retitle"),
            CHORDOMA,
            TODAY,
            "changed-since-review",
            id="title edit",
        ),
        pytest.param(
            lambda r: r.edit(CHORDOMA, "group: spinal-column", "group: benign").commit("Regroup"),
            CHORDOMA,
            TODAY,
            "changed-since-review",
            id="other front-matter field edit",
        ),
        pytest.param(
            lambda r: r.edit(CHORDOMA, "aliases: [/old/chordoma.html]", "aliases: [/old/chordoma.html, /c.html]\ndraft: false").commit(
                "Alias"
            ),
            CHORDOMA,
            TODAY,
            "ok",
            id="aliases and draft are not content",
        ),
        pytest.param(
            lambda r: (
                r.edit(CHORDOMA, *BODY)
                .edit(CHORDOMA, "2026-10-01", "2026-11-20")
                .commit("Edit and review together", trailers=EVERY_REVIEWER[1:2])
            ),
            CHORDOMA,
            TODAY,
            "ok",
            id="edit and review in one commit",
        ),
        pytest.param(lambda r: r.review(CHORDOMA, "2026-11-20", trailer=False), CHORDOMA, TODAY, "unverified-review", id="no trailer"),
        pytest.param(
            lambda r: r.edit(CHORDOMA, "2026-10-01", "2026-11-20").commit("Review", trailers=EVERY_REVIEWER[:1]),
            CHORDOMA,
            TODAY,
            "unverified-review",
            id="the trailer names another doctor",
        ),
        pytest.param(
            lambda r: r.review(CHORDOMA, "2026-11-20", trailer=False).edit(CHORDOMA, *BODY).commit("Proton therapy"),
            CHORDOMA,
            TODAY,
            "unverified-review",
            id="unverified comes before changed-since-review",
        ),
        pytest.param(
            lambda r: r.edit(CHORDOMA, "reviewed_by: dr-sample-abbott", "reviewed_by: dr-sample-lee").commit(
                "Reviewer", trailers=EVERY_REVIEWER[1:2]
            ),
            CHORDOMA,
            TODAY,
            "unverified-review",
            id="a new reviewer named without their trailer",
        ),
        pytest.param(lambda r: r.branch_review(CHORDOMA, trailer=True), CHORDOMA, TODAY, "ok", id="review merged from a branch"),
        pytest.param(
            lambda r: r.branch_review(CHORDOMA, trailer=False),
            CHORDOMA,
            TODAY,
            "unverified-review",
            id="a merge's own trailer does not stand for the branch's review commit",
        ),
        pytest.param(
            lambda r: r.with_review_emails().review(CHORDOMA, "2026-11-20"),
            CHORDOMA,
            TODAY,
            "unverified-review",
            id="not from a review email",
        ),
        pytest.param(
            lambda r: r.with_review_emails().review(CHORDOMA, "2026-11-20", email="Abbott@Example.org"),
            CHORDOMA,
            TODAY,
            "ok",
            id="from a review email",
        ),
        pytest.param(
            lambda r: r.review(CHORDOMA, "2026-11-20").edit(CHORDOMA, *BODY).commit("Backdated", date="2026-01-01T00:00:00Z"),
            CHORDOMA,
            TODAY,
            "changed-since-review",
            id="commit order, not dates",
        ),
        pytest.param(lambda r: r, SCHWANNOMA, TODAY, "overdue", id="old review"),
        pytest.param(lambda r: r, BIOPSY, "2027-07-01", "due-soon", id="due within due_soon_days"),
        pytest.param(lambda r: r, BIOPSY, "2027-09-02", "overdue", id="the page's own interval"),
        pytest.param(lambda r: r.edit(MRI, "strong magnet", "very strong magnet"), MRI, TODAY, "uncommitted", id="uncommitted edit"),
        pytest.param(
            lambda r: r.review(MRI, "2026-11-20").edit(MRI, "strong magnet", "very strong magnet"),
            MRI,
            "2030-01-01",
            "uncommitted",
            id="uncommitted comes before overdue",
        ),
        pytest.param(
            lambda r: r.move(MRI, "content/tests/mri-scan.md").commit("Rename"), "content/tests/mri-scan.md", TODAY, "ok", id="rename"
        ),
        pytest.param(
            lambda r: (
                r.move(MRI, "content/tests/mri-scan.md").commit("Rename").edit("content/tests/mri-scan.md", "strong", "big").commit("Edit")
            ),
            "content/tests/mri-scan.md",
            TODAY,
            "changed-since-review",
            id="edit after a rename",
        ),
        pytest.param(
            lambda r: r.move(MRI, "content/tests/mri-scan.md").edit("content/tests/mri-scan.md", "strong", "big").commit("Rename, edit"),
            "content/tests/mri-scan.md",
            TODAY,
            "changed-since-review",
            id="rename with an edit",
        ),
        pytest.param(
            lambda r: r.move(MRI, "content/tests/mri-scan.md"), "content/tests/mri-scan.md", TODAY, "uncommitted", id="rename not committed"
        ),
        pytest.param(
            lambda r: (r.root / "content/tests/ct.md").write_text((r.root / MRI).read_text().replace("MRI", "CT")),
            "content/tests/ct.md",
            TODAY,
            "unknown",
            id="never committed",
        ),
    ],
)
def test_status(repo: Repo, change, path: str, today: str, status: str):
    change(repo)
    assert statuses(repo.root, today)[path] == status


def test_history_and_changes_since_review(repo: Repo):
    repo.edit(CHORDOMA, *BODY).commit("Proton therapy", author="Jo Writer").review(CHORDOMA, "2026-11-20")
    repo.edit(CHORDOMA, "rare cancer", "rare, slow cancer").commit("Wording", author="Jo Writer")
    commits = repo.git("log", "--format=%H").split()  # newest first
    row = rows_of(repo.root)[CHORDOMA].as_json()
    assert row["status"] == "changed-since-review"
    assert row["history"] == [
        {"date": "2026-11-20", "reviewer": "Blair Abbott, MD", "commit": commits[1]},
        {"date": "2026-10-01", "reviewer": "Blair Abbott, MD", "commit": commits[3]},
    ]
    assert row["changes_since_review"] == [{"date": "2026-10-05", "commit": commits[0], "author": "Jo Writer", "subject": "Wording"}]
    assert row["last_change"] == {"date": "2026-10-05", "commit": commits[0], "author": "Jo Writer"}


def test_shallow_clone_lacks_the_review(repo: Repo, tmp_path: Path):
    repo.edit(HOME, "What we treat", "Tumors we treat").commit("Home wording").review(MRI, "2026-11-20")
    for depth, mri in (("1", "unknown"), ("2", "ok")):
        clone = tmp_path / f"depth-{depth}"
        subprocess.run(["git", "clone", "-q", "--depth", depth, f"file://{repo.root}", str(clone)], check=True, capture_output=True)
        report = review_site(clone, dt.date.fromisoformat(TODAY))
        rows = {row.path: row for row in report.rows}
        assert rows[MRI].status == mri, f"--depth {depth}: the review of mri.md is in the clone only at depth 2"
        assert rows[CHORDOMA].status == "unknown", "its review is the first commit, left out of both clones"
        assert rows[CHORDOMA].note == "shallow clone lacks the review commit"
        assert (
            f"content:1: warning: history: this shallow clone lacks the review commit of {MEDICAL if depth == '1' else MEDICAL - 1} pages"
            in (report.problems.report())
        )


def test_no_git_at_all(tmp_path: Path, monkeypatch):
    source = copy_fixture("basic", tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # whatever holds the temporary folder
    report = review_site(source, dt.date.fromisoformat(TODAY))
    assert f"{MEDICAL} medical pages: {MEDICAL} unknown" in table(report).splitlines()
    assert {row.note for row in report.rows} == {"no git repository"}
    assert "content:1: warning: history: no git repository, so every page's status is unknown" in report.problems.report()


def test_never_committed_page_is_named(repo: Repo):
    (repo.root / "content/tests/ct.md").write_text((repo.root / MRI).read_text().replace("MRI", "CT"))
    report = review_site(repo.root, dt.date.fromisoformat(TODAY))
    assert "content/tests/ct.md:1: warning: history: never committed, so its review cannot be traced; commit the page" in (
        report.problems.report()
    )


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Repo:
    """One repository for the tests of the command's output: the chordoma page edited and
    committed after its review (with text to escape), the surgery page edited but not committed."""
    repo = Repo.of_fixture(tmp_path_factory.mktemp("edited"))
    repo.edit(CHORDOMA, *BODY).edit(CHORDOMA, "Chordoma is a rare cancer.", "Chordoma is a rare <cancer> & more.")
    repo.commit("Proton therapy", author="Jo Writer")
    repo.edit(SURGERY, "removes the tumor", "takes out the tumor")
    return repo


def test_table_sorted_by_urgency_then_due_date(edited: Repo):
    result = run_cli("review", "--source", str(edited.root), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["status", "next", "due", "reviewer", "grade", "page"]
    assert all(len(line) <= 100 for line in lines[: MEDICAL + 2]), "the table fits in 100 columns"
    # the chordoma page's Spanish translation is older than its English text now
    statuses = ["uncommitted", "changed-since-review", "translation-outdated", "overdue"] + ["ok"] * (MEDICAL - 4)
    assert [line.split()[0] for line in lines[1 : MEDICAL + 1]] == statuses
    ok = lines[5 : MEDICAL + 1]
    assert [line.split()[1] for line in ok] == sorted(line.split()[1] for line in ok)
    assert lines[MEDICAL + 1] == (
        f"{MEDICAL} medical pages: 1 uncommitted, 1 changed-since-review, 1 translation-outdated, 1 overdue, {MEDICAL - 4} ok"
    )
    assert lines[MEDICAL + 2].startswith("grade: ")
    assert lines[MEDICAL + 3 :] == [
        "Next: 1 page with edits not committed: commit them, then have each reviewed.",
        "Next: 1 page changed since review: open review.html (review --format html > review.html), then stamp each with "
        "review --stamp PATH --by ID --commit.",
        "Next: 1 translation older than their English page: bring each up to date, then run review --retranslated PATH --commit.",
        "Next: 1 page overdue: ask the reviewer to review each, then run review --stamp PATH --by ID --commit.",
    ]
    wide = run_cli("review", "--source", str(edited.root), "--today", TODAY, "--wide").stdout.splitlines()
    assert wide[0].split() == ["status", "next", "due", "reviewed", "reviewer", "last", "change", "grade", "path", "title"]
    assert re.search(r"2026-10-03 [0-9a-f]{7} Jo Writer .* content/tumors/chordoma\.md +Chordoma$", wide[2]), "date, short commit, author"


def test_json_and_csv(edited: Repo):
    rows = review_json(edited.root)
    assert all(list(r) == list(JSON_KEYS) for r in rows)
    assert [r["status"] for r in rows] == sorted((r["status"] for r in rows), key=STATUSES.index)
    assert {r["path"] for r in rows} == {CHORDOMA, SCHWANNOMA, MRI, BIOPSY, SURGERY, HOME, ES_HOME, ES_CHORDOMA}
    spanish = {r["path"]: r for r in rows if r["path"].startswith("content/es/")}
    assert all(isinstance(r["reading_ease"], float) and 0 < r["reading_ease"] <= 120 for r in spanish.values()), "Fernández Huerta's"
    assert spanish[ES_CHORDOMA]["grade"] == next(r["grade"] for r in rows if r["path"] == CHORDOMA), "beside its English page's grade"
    assert all(r["reading_ease"] is None for r in rows if r["path"] not in spanish)
    assert all(isinstance(r["grade"], float) and 0 < r["grade"] < 20 for r in rows)
    chordoma = rows[1]
    assert (chordoma["path"], chordoma["url"], chordoma["title"], chordoma["status"]) == (
        CHORDOMA,
        "/tumors/chordoma/",
        "Chordoma",
        "changed-since-review",
    )
    assert (chordoma["reviewed"], chordoma["reviewer"], chordoma["next_due"]) == ("2026-10-01", "Blair Abbott, MD", "2029-10-01")
    assert [c["subject"] for c in chordoma["changes_since_review"]] == ["Proton therapy"]
    result = run_cli("review", "--source", str(edited.root), "--today", TODAY, "--format", "csv")
    table_rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table_rows[0]) == [
        "path",
        "url",
        "title",
        "status",
        "reviewed",
        "reviewer",
        "next_due",
        "last_change_date",
        "last_change_commit",
        "last_change_author",
        "grade",
        "reading_ease",
        "sources",
    ]
    assert {r["sources"] for r in table_rows} == {"2"}, "the CSV counts a page's sources"
    assert chordoma["sources"][0] == {
        "title": "Sample source one on chordoma",
        "publisher": "Sample Publisher",
        "url": "https://example.org/sources/chordoma-1",
        "accessed": "2026-09-01",
    }
    assert [(r["path"], r["status"], r["last_change_commit"], float(r["grade"])) for r in table_rows] == [
        (r["path"], r["status"], r["last_change"]["commit"], r["grade"]) for r in rows
    ]


class _Marked(HTMLParser):
    """The text inside <ins> and <del>, and every start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.inside: list[str] = []
        self.marked: dict[str, list[str]] = {"ins": [], "del": []}
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in self.marked:
            self.inside.append(tag)
            self.marked[tag].append("")

    def handle_endtag(self, tag):
        if tag in self.marked and self.inside:
            self.inside.pop()

    def handle_data(self, data):
        if self.inside:
            self.marked[self.inside[-1]][-1] += data


def test_html_report_shows_what_changed_since_the_review(edited: Repo):
    result = run_cli("review", "--source", str(edited.root), "--today", TODAY, "--format", "html")
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    marked = _Marked()
    marked.feed(page)
    assert any(NEW_SENTENCE in text for text in marked.marked["ins"]), "the new sentence is marked as added"
    assert any("takes out" in text for text in marked.marked["ins"]), "uncommitted edits are shown too"
    assert any("removes" in text for text in marked.marked["del"])
    assert "<cancer>" not in page and "&gt; &amp; more" in page, "everything is escaped"
    assert "script" not in marked.tags and "link" not in marked.tags, "standalone: no scripts, no stylesheets to fetch"
    assert 'id="diff-content-tumors-chordoma-md"' in page and 'href="#diff-content-tumors-chordoma-md"' in page
    assert "Proton therapy</li>" in page, "the commits since the review are listed"
    assert "claims[old-ranking]" in page, "expired claims are listed in the report"


# -- The HTML report: what changed, as the page reads, and each page's next step --------------

OLD_SENTENCE = "Chordoma is a rare cancer."
REPLACEMENT = "Chordoma is an uncommon, slow-growing bone cancer."
CLAIM_TEXT = "Our team performs more than 1,200 spine surgeries every year."


@pytest.fixture(scope="module")
def reworded(tmp_path_factory) -> Repo:
    """The chordoma page reworded after its review, in Markdown a reader never sees: emphasis,
    a link and a claim, with its title and search terms changed."""
    repo = Repo.of_fixture(tmp_path_factory.mktemp("reworded"))
    repo.edit(CHORDOMA, OLD_SENTENCE, "Chordoma is an uncommon, slow-growing **bone** cancer.")
    repo.edit(
        CHORDOMA,
        "is the main treatment.",
        'is the main treatment; [proton therapy](/treatments/surgery/) may follow.\n\n{{ claim "surgeries" }}',
    )
    repo.edit(CHORDOMA, "search_terms: [cordoma]", "search_terms: [chordome, sacral tumour]")
    return repo.edit(CHORDOMA, "title: Chordoma", "title: Chordoma of the spine").commit("Reword", author="Jo Writer")


def _section(page: str, path: str) -> str:
    """The part of the HTML report about one page's changes."""
    start = page.index(f'<section class="diff" id="diff-{re.sub(r"[^a-z0-9]+", "-", path.lower())}"')
    return page[start : page.index("</section>", start)]


def test_html_report_replaces_whole_sentences(reworded: Repo):
    page = run_cli("review", "--source", str(reworded.root), "--today", TODAY, "--format", "html").stdout
    marked = _Marked()
    marked.feed(_section(page, CHORDOMA))
    # Whole sentences, each labelled for screen readers: never a word here and a word there.
    assert marked.marked["del"] == [f"Removed: {OLD_SENTENCE}", "Removed: Surgery is the main treatment."]
    assert marked.marked["ins"] == [
        f"Added: {REPLACEMENT}",
        "Added: Surgery is the main treatment; proton therapy may follow.",
        f"Added: {CLAIM_TEXT} Source: Example Health volume report",
    ]
    assert "mark" in marked.tags, "the words that differ are highlighted within them"


def test_html_report_shows_the_prose_not_the_markdown(reworded: Repo):
    page = run_cli("review", "--source", str(reworded.root), "--today", TODAY, "--format", "html").stdout
    section = _section(page, CHORDOMA)
    for markdown in ("**", "](", "{{ claim", "## "):
        assert markdown not in section, f"{markdown!r} is Markdown, not what the page shows"
    assert CLAIM_TEXT in section, "a claim is shown as its text"
    assert "proton therapy may follow" in section, "a link as its text"
    assert "<h5>Treatment</h5>" in section, "a heading as a heading"


def test_html_report_lists_front_matter_changes_by_field(reworded: Repo):
    page = run_cli("review", "--source", str(reworded.root), "--today", TODAY, "--format", "html").stdout
    section = _section(page, CHORDOMA)
    assert "<li>search_terms: 2 added (chordome, sacral tumour), 1 removed (cordoma)</li>" in section
    assert "<li>title: changed from \u201cChordoma\u201d to \u201cChordoma of the spine\u201d</li>" in section
    assert "search_terms: [" not in section and "title: Chordoma" not in section, "not the YAML lines"


def test_html_report_lists_every_page_s_sources_with_links(edited: Repo):
    page = run_cli("review", "--source", str(edited.root), "--today", TODAY, "--format", "html").stdout
    source = (
        '<a href="https://example.org/sources/{0}-1">Sample source one on {0}</a>, Sample Publisher, '
        'read on <time class="date" datetime="2026-09-01">2026-09-01</time>'
    )
    # The changed page's sources beside its text, the others' in the table, each in its row.
    assert source.format("chordoma") in _section(page, CHORDOMA)
    mri_row = re.search(r'<tr id="row-content-tests-mri-md">(.*?)</tr>', page, re.S).group(1)
    assert source.format("mri") in mri_row and "2 sources" in mri_row
    assert "The sources are the same as when the page was reviewed." in _section(page, CHORDOMA)


@pytest.fixture(scope="module")
def resourced(tmp_path_factory) -> Repo:
    """The chordoma page's sources edited after its review, its text left alone: one source read
    again on a later day, one replaced by another."""
    repo = Repo.of_fixture(tmp_path_factory.mktemp("resourced"))
    one = 'url: "https://example.org/sources/chordoma-1", accessed: 2026-09-01'
    repo.edit(CHORDOMA, one, one.replace("2026-09-01", "2026-11-02"))
    two = '{title: "Sample source two on chordoma", publisher: Sample Society, url: "https://example.org/sources/chordoma-2"'
    new = '{title: "A newer source on chordoma", publisher: Sample Journal, url: "https://example.org/sources/chordoma-3"'
    return repo.edit(CHORDOMA, two, new).commit("New sources", author="Jo Writer")


def test_html_report_shows_which_sources_changed_since_the_review(resourced: Repo):
    assert statuses(resourced.root)[CHORDOMA] == "changed-since-review", "sources are what the reviewer signed"
    page = run_cli("review", "--source", str(resourced.root), "--today", TODAY, "--format", "html").stdout
    section = _section(page, CHORDOMA)
    marked = _Marked()
    marked.feed(section)
    assert marked.marked["ins"] == ["Added: A newer source on chordoma, Sample Journal, read on 2026-09-01"]
    assert marked.marked["del"] == ["Removed: Sample source two on chordoma, Sample Society, read on 2026-09-01"]
    assert '<a href="https://example.org/sources/chordoma-3">A newer source on chordoma</a>' in section
    one = section.index("Sample source one on chordoma")
    assert "Changed: accessed was 2026-09-01" in section[one : section.index("</li>", one)]
    assert "sources:" not in section, "the list says it, not a line among the fields"
    assert "<h4>Text</h4>" not in section, "the text is as reviewed"
    assert review_json(resourced.root)[0]["sources"][1]["title"] == "A newer source on chordoma"


LONG = (
    "Radiation therapy may be offered after surgery to treat any tumor cells that remain near the spinal cord; "
    "it is usually given in small daily doses over several weeks so that healthy tissue can recover between sessions."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It grows slowly. It can come back.", ["It grows slowly.", "It can come back."]),
        ("Dr. Lee and J. Smith see you. Call us.", ["Dr. Lee and J. Smith see you.", "Call us."]),
        ('Is it cancer? "Sometimes." 3 in 10 are.', ["Is it cancer?", '"Sometimes."', "3 in 10 are."]),
        ("Scans, e.g. an MRI, help.", ["Scans, e.g. an MRI, help."]),
        ("Short; but not split.", ["Short; but not split."]),
        (LONG, [LONG[: LONG.index(";") + 1], LONG[LONG.index(";") + 2 :]]),
    ],
    ids=["two", "abbreviations", "quotes and numbers", "lower case after a period", "short sentence", "long sentence in clauses"],
)
def test_sentences(text: str, expected: list[str]):
    assert sentences(text) == expected


SOURCE = {"title": "Chordoma", "publisher": "NCI", "url": "https://example.org/", "accessed": dt.date(2026, 1, 5)}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"title": "A"}, {"title": "B"}, ["title: changed from \u201cA\u201d to \u201cB\u201d"]),
        ({"also_known_as": ["x", "y"]}, {"also_known_as": ["y", "x"]}, ["also_known_as: the same items, reordered"]),
        ({"search_terms": ["a"]}, {"search_terms": ["a", "b", "c"]}, ["search_terms: 2 added (b, c)"]),
        (
            {"sources": [SOURCE, {**SOURCE, "title": "Old"}]},
            {"sources": [{**SOURCE, "accessed": dt.date(2026, 11, 1)}, {**SOURCE, "title": "New"}]},
            ["sources: 1 changed (Chordoma), 1 added (New), 1 removed (Old)"],
        ),
        ({"group": "benign", "tests": ["mri"]}, {"tests": ["mri"]}, ["group: removed (was \u201cbenign\u201d)"]),
        ({}, {"review_interval_months": 12}, ["review_interval_months: set to 12"]),
        (None, {"title": "A"}, ["front matter: the reviewed version is not valid YAML, so its fields cannot be compared; run check"]),
    ],
    ids=["scalar", "reordered", "list items", "sources by title", "field removed", "field added", "not YAML"],
)
def test_field_changes(before, after, expected: list[str]):
    assert field_changes(before, after) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            "It grows slowly. It can come back.",
            "It is rare. It grows very slowly. It can come back.",
            [("ins", "It is rare."), ("del", "It grows slowly."), ("ins", "It grows very slowly."), ("", "It can come back.")],
        ),
        (
            "Alpha beta gamma.\n\nThe end.",
            "Something else entirely.\n\nThe end.",
            [("del", "Alpha beta gamma."), ("ins", "Something else entirely.")],
        ),
        ("- *One* item\n- [Two](/a/)\n", "- One item\n- Two\n- Three\n", [("ins", "Three")]),
    ],
    ids=["a sentence added before a reworded one", "nothing alike", "lists, emphasis and links as the reader sees them"],
)
def test_prose_diff_keeps_sentences_whole(before: str, after: str, expected: list[tuple[str, str]]):
    hunks = prose_diff(prose_blocks(before, 1, {}), prose_blocks(after, 1, {}))
    assert [(s.kind, s.text) for hunk in hunks for block in hunk.blocks for s in block.sentences] == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([SOURCE], [SOURCE], [("", "Chordoma", [])]),
        ([SOURCE], [{**SOURCE, "accessed": dt.date(2026, 11, 1)}], [("changed", "Chordoma", ["accessed was 2026-01-05"])]),
        ([SOURCE], [{**SOURCE, "title": "Chordoma (2026)"}], [("changed", "Chordoma (2026)", ["title was Chordoma"])]),
        ([SOURCE], [{**SOURCE, "title": "New", "url": "https://example.org/new"}], [("added", "New", []), ("removed", "Chordoma", [])]),
        (None, [SOURCE], [("added", "Chordoma", [])]),
        ("not a list", [], []),
    ],
    ids=["same", "read again", "retitled, same address", "replaced", "none before", "not a list"],
)
def test_source_changes(before, after, expected: list[tuple[str, str, list[str]]]):
    assert [(c.kind, c.source["title"], c.was) for c in source_changes(before, after)] == expected


@pytest.fixture(scope="module")
def every_status(tmp_path_factory) -> tuple[str, list[ReviewRow]]:
    """The HTML report (drafts included) of a repository with a page of every status, and its rows."""
    repo = Repo.of_fixture(tmp_path_factory.mktemp("every-status"))
    draft = "content/treatments/draft-therapy.md"
    repo.edit(draft, "medically_reviewed: 2026-09-01\nreviewed_by: dr-sample-lee\n", "").commit("Not reviewed yet")
    repo.review(CHORDOMA, "2026-11-20", trailer=False)
    repo.edit(CHORDOMA, "is a rare cancer", "is a rare bone cancer").commit("Chordoma wording")  # its translation is now out of date
    repo.edit(SURGERY, "removes the tumor", "takes out the tumor").commit("Wording")
    (repo.root / "content/tests/ct.md").write_text((repo.root / HOME).read_text())
    repo.edit(MRI, "strong magnet", "very strong magnet")
    today = "2027-07-01"  # the biopsy page is due soon
    result = run_cli("review", "--source", str(repo.root), "--today", today, "--format", "html", "--drafts")
    assert result.returncode == 0, result.stderr
    return result.stdout, review_site(repo.root, dt.date.fromisoformat(today), drafts=True).rows


def _rows_by_status(page: str) -> dict[str, str]:
    """Each status's first row in the report's table, as the text of its cells, | between them."""
    rows = {}
    for row in re.findall(r"<tr id=\"row-[^\"]*\">(.*?)</tr>", page, re.S):
        cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.setdefault(cells[0].split()[0], " | ".join(cells))
    return rows


@pytest.mark.parametrize("status", STATUSES)
def test_html_report_gives_each_page_its_next_step(every_status: tuple[str, list[ReviewRow]], status: str):
    page, rows = every_status
    row = next(r for r in rows if r.status == status)
    sentence, command = page_step(row)
    shown = _rows_by_status(page)[status]
    assert shown.endswith(f" | {sentence} {command}".rstrip()), shown
    assert sentence and sentence not in {page_step(r)[0] for r in rows if r.status != status}, "a sentence of its own"
    if NEXT_STEPS[status].command == STAMP:
        assert command == f"python build.py review --stamp {row.path} --by {row.reviewer_id or 'REVIEWER_ID'} --commit"


# Every date in the tables, and whether the browser laid it out on more than one line (every
# list of sources opened first: a closed one lays out nothing).
DATES_WRAPPED = """() => {
  for (const details of document.querySelectorAll("details")) details.open = true;
  const found = {dates: 0, wrapped: []};
  for (const table of document.querySelectorAll("table")) {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        found.dates += 1;
        if (range.getClientRects().length !== 1) found.wrapped.push(match[0]);
      }
    }
  }
  return found;
}"""


@pytest.mark.browser
def test_html_report_in_a_browser_at_1280_px(browser, every_status: tuple[str, list[ReviewRow]], tmp_path: Path):
    from browser import axe_violations

    report = tmp_path / "review.html"
    report.write_text(every_status[0])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.goto(report.as_uri())
    found = tab.evaluate(DATES_WRAPPED)
    width = tab.evaluate("document.documentElement.scrollWidth")
    violations = axe_violations(tab, "review.html")
    context.close()
    assert found["dates"] > 20 and found["wrapped"] == [], "no date breaks over two lines"
    assert width <= 1280, "the table fits: no scrolling sideways"
    assert violations == []


def test_html_report_is_valid_html(every_status: tuple[str, list[ReviewRow]], tmp_path: Path):
    from test_html_valid import _vnu

    report = tmp_path / "review.html"
    report.write_text(every_status[0])
    run = subprocess.run([*_vnu(), "--format", "json", str(report)], capture_output=True, text=True, timeout=120)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert [f"{m.get('lastLine', '')}: {m['type']}: {m['message']}" for m in messages if m["type"] != "info"] == []


@pytest.mark.parametrize(
    ("fail_on", "code", "message"),
    [
        ("overdue", 1, "1 page is overdue (--fail-on)"),
        ("changed-since-review", 1, "1 page is changed-since-review (--fail-on)"),
        ("overdue,changed-since-review", 1, "2 pages are changed-since-review, overdue (--fail-on)"),
        ("unknown,due-soon", 0, ""),
        ("overdu", 2, 'argument --fail-on: "overdu" is not a status; did you mean "overdue"?'),
        ("late", 2, f'"late" is not a status; the statuses are {", ".join(STATUSES)}'),
        (",", 2, "name at least one status"),
    ],
)
def test_fail_on(edited: Repo, fail_on: str, code: int, message: str):
    result = run_cli("review", "--source", str(edited.root), "--today", TODAY, "--fail-on", fail_on)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert (result.stdout != "") == (code != 2), "the report is printed whether or not the gate fails"


def test_claims_expired_or_expiring_are_listed(edited: Repo):
    result = run_cli("review", "--source", str(edited.root), "--today", "2027-05-01", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout), "stdout stays JSON"
    expired = (
        f"data/claims.yaml:{_claim_line('old-ranking')}: warning: claims[old-ranking].valid_until: expired on 2024-07-31 (used on no page); "
        "update it or remove it"
    )
    soon = (
        "data/claims.yaml:1: warning: claims[surgeries].valid_until: expires on 2027-06-30, within 90 days "
        "(used on content/_index.md, content/es/_index.md)"
    )
    assert expired in result.stderr and soon in result.stderr
    later = run_cli("review", "--source", str(edited.root), "--today", TODAY)
    assert expired in later.stderr and "claims[surgeries]" not in later.stderr, "not yet within the due-soon window"


def test_reading_grades_are_cached_by_content(repo: Repo):
    today = dt.date.fromisoformat(TODAY)
    review_site(repo.root, today)
    store = Store(repo.root)
    grades = store.entries("grades")
    assert len(grades) == MEDICAL
    for entry in grades:
        store.put("grades", entry, 99.0)  # a grade read from the store shows as 99
    store.save()
    repo.edit(CHORDOMA, *BODY).commit("Proton therapy")
    # each page's own score: a translation's is its reading ease (its grade is its English page's)
    grades = {row.path: row.grade if row.reading_ease is None else row.reading_ease for row in review_site(repo.root, today).rows}
    assert grades[CHORDOMA] < 20 and all(grades[p] == 99.0 for p in grades if p != CHORDOMA), "only the edited page is graded again"
    shutil.rmtree(repo.root / ".cache")
    assert all(row.grade < 20 for row in review_site(repo.root, today).rows), "the cache is safe to delete"


def test_front_matter_errors_are_reported_with_a_warm_cache(repo: Repo):
    assert run_cli("review", "--source", str(repo.root), "--today", TODAY).returncode == 0
    assert list((repo.root / ".cache").glob("front-matter-*.marshal"))
    repo.edit(CHORDOMA, "medically_reviewed:", "medicaly_reviewed:")
    result = run_cli("review", "--source", str(repo.root), "--today", TODAY)
    assert result.returncode == 1 and result.stdout == ""
    assert f"{CHORDOMA}:9: medicaly_reviewed: unknown field; did you mean `medically_reviewed`?" in result.stderr
    repo.edit(CHORDOMA, "medicaly_reviewed:", "medically_reviewed:").move(CHORDOMA, "content/tests/chordoma.md")
    result = run_cli("review", "--source", str(repo.root), "--today", TODAY)
    assert "content/tests/chordoma.md:6: group: is only for tumor pages; remove it here" in result.stderr, "the same text, another kind"


STAMPED = "content/tumors/chordoma.md"


def test_stamp_changes_only_the_two_fields(repo: Repo):
    path = repo.root / STAMPED
    original = path.read_text().replace("\n", "\r\n").replace("reviewed_by: dr-sample-abbott", 'reviewed_by: "dr-sample-abbott"  # who')
    path.write_bytes(b"\xef\xbb\xbf" + original.encode())
    repo.commit("CRLF, a BOM, quotes and a comment")
    result = run_cli("review", "--stamp", STAMPED, "--by", "dr-sample-lee", "--source", str(repo.root), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    expected = original.replace("medically_reviewed: 2026-10-01", f"medically_reviewed: {TODAY}").replace(
        '"dr-sample-abbott"  # who', '"dr-sample-lee"  # who'
    )
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode()
    assert result.stdout.rstrip().splitlines()[-1] == "Reviewed-by: Avery Lee <dr-sample-lee>"
    assert result.stdout.startswith("Medical review: Chordoma\n")


def test_stamp_records_a_review_that_review_then_sees(repo: Repo):
    repo.edit(CHORDOMA, *BODY).commit("Proton therapy")
    assert statuses(repo.root)[CHORDOMA] == "changed-since-review"
    result = run_cli("review", "--stamp", str(repo.root / CHORDOMA), "--by", "dr-sample-lee", "--source", str(repo.root), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert statuses(repo.root)[CHORDOMA] == "uncommitted"
    repo.git("commit", "-q", "-a", "-m", result.stdout)
    assert statuses(repo.root)[CHORDOMA] == "ok"
    assert "Reviewed-by: Avery Lee <dr-sample-lee>" in repo.git("log", "-1", "--format=%B")


def test_stamp_adds_a_missing_field(basic: Path):
    path = basic / MRI
    path.write_text(path.read_text().replace("reviewed_by: dr-sample-lee\n", ""))
    result = run_cli("review", "--stamp", MRI, "--by", "dr-sample-abbott", "--source", str(basic), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert f"\nmedically_reviewed: {TODAY}\n" in text and text.count("medically_reviewed:") == 1
    assert "\nreviewed_by: dr-sample-abbott\n---\n" in text, "the missing field is added at the end of the front matter"


@pytest.mark.parametrize(
    ("page", "by", "code", "message"),
    [
        (CHORDOMA, "dr-sample-old", 2, "build.py: error: --by: Casey Old (dr-sample-old) is inactive"),
        (
            CHORDOMA,
            "dr-sample-le",
            2,
            'build.py: error: --by: no provider with id "dr-sample-le" in data/providers.yaml; did you mean "dr-sample-lee"?',
        ),
        ("content/appointments.md", "dr-sample-lee", 1, "content/appointments.md:1: file: is not a medical page"),
        ("content/tumors/_index.md", "dr-sample-lee", 1, "content/tumors/_index.md:1: file: is not a medical page"),
        ("content/tumors/nothing.md", "dr-sample-lee", 2, "--stamp: no file content/tumors/nothing.md"),
        (CHORDOMA, None, 2, "--stamp needs --by PROVIDER_ID"),
    ],
)
def test_stamp_refuses(basic: Path, page: str, by: str | None, code: int, message: str):
    before = {p: p.read_bytes() for p in basic.rglob("*.md")}
    result = run_cli("review", "--stamp", page, *(["--by", by] if by else []), "--source", str(basic), "--today", TODAY)
    assert result.returncode == code
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == "", "no commit message for a review not recorded"
    assert {p: p.read_bytes() for p in basic.rglob("*.md")} == before


def test_the_build_never_runs_git(tmp_path: Path, monkeypatch):
    marker = tmp_path / "git-was-run"
    fake = tmp_path / "bin/git"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    fake.chmod(0o755)
    path = f"{fake.parent}{os.pathsep}{os.environ['PATH']}"
    out = tmp_path / "site"
    result = run_cli("build", "--source", str(FIXTURES / "basic"), "--out", str(out), "--today", TODAY, "--no-search", env={"PATH": path})
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    monkeypatch.setenv("PATH", path)
    report = review_site(copy_fixture("basic", tmp_path), dt.date.fromisoformat(TODAY))
    assert marker.exists() and {row.note for row in report.rows} == {"git failed: no message"}, "review runs it, and says when it fails"


# -- Pages not yet reviewed ---------------------------------------------------------------


def _new_tumor(root: Path) -> Path:
    """`new`'s draft of a tumor page, filled in but for the review, and committed."""
    result = run_cli("new", "tumors", "Spinal lipoma", "--source", str(root))
    assert result.returncode == 0, result.stderr
    path = root / "content/tumors/spinal-lipoma.md"
    filled = (
        path.read_text()
        .replace('summary: ""', 'summary: "A fatty lump near the spinal cord."')
        .replace('group: ""', "group: benign")
        .replace("tests: []", "tests: [mri]")
        .replace("regions: {levels: [], compartments: []}", "regions: {levels: [lumbar], compartments: [intradural-extramedullary]}")
    )
    path.write_text(filled)
    return path


def test_a_draft_is_never_reviewed_until_a_doctor_stamps_it(repo: Repo, tmp_path: Path):
    path = _new_tumor(repo.root)
    rel = "content/tumors/spinal-lipoma.md"
    repo.commit("Draft a page")
    drafts = {row.path: row.status for row in review_site(repo.root, dt.date.fromisoformat(TODAY), drafts=True).rows}
    assert drafts[rel] == "never-reviewed"
    assert rel not in statuses(repo.root), "without --drafts a draft is not in the report"
    assert run_cli("check", "--source", str(repo.root), "--today", TODAY).returncode == 0
    out = tmp_path / "preview"
    built = run_cli("build", "--source", str(repo.root), "--out", str(out), "--today", TODAY, "--drafts", "--no-search")
    page = (out / "tumors/spinal-lipoma/index.html").read_text()
    assert "Not yet medically reviewed" in page and "Medically reviewed on" not in page, built.stderr
    assert '"lastReviewed"' not in page
    # Published without a review: an error at the front matter, whatever else is right.
    path.write_text(path.read_text().replace("draft: true  # remove this line to publish the page\n", ""))
    checked = run_cli("check", "--source", str(repo.root), "--today", TODAY)
    assert checked.returncode == 1
    assert f"{rel}:1: medically_reviewed: missing; a published medical page needs a doctor's review" in checked.stderr
    assert f"{rel}:1: reviewed_by: missing;" in checked.stderr


def test_check_production_refuses_the_text_new_wrote(basic: Path):
    path = _new_tumor(basic)
    text = path.read_text().replace("draft: true  # remove this line to publish the page\n", "")
    path.write_text(text.replace("---\n\n##", "medically_reviewed: 2026-11-01\nreviewed_by: dr-sample-lee\n---\n\n##", 1))
    line = path.read_text().splitlines().index("Write the page here.") + 1
    plain = run_cli("check", "--source", str(basic), "--today", TODAY)
    assert f"content/tumors/spinal-lipoma.md:{line}: warning: body: still says" in plain.stderr
    production = run_cli("check", "--source", str(basic), "--today", TODAY, "--production")
    assert production.returncode == 1
    assert f"content/tumors/spinal-lipoma.md:{line}: body: still says" in production.stderr


# -- review --stamp --commit ----------------------------------------------------------------


def test_stamp_commit_commits_the_page_alone_with_its_trailer(repo: Repo):
    repo.edit(CHORDOMA, *BODY).commit("Proton therapy")
    assert statuses(repo.root)[CHORDOMA] == "changed-since-review"
    other = repo.root / MRI
    other.write_text(other.read_text().replace("strong magnet", "very strong magnet"))
    repo.git("add", MRI)  # staged, and not the reviewer's to commit
    result = run_cli(
        "review",
        "--stamp",
        CHORDOMA,
        "--by",
        "dr-sample-abbott",
        "--commit",
        "--source",
        str(repo.root),
        "--today",
        TODAY,
        env={
            "GIT_AUTHOR_NAME": "Blair Abbott",
            "GIT_AUTHOR_EMAIL": "abbott@example.org",
            "GIT_COMMITTER_NAME": "Blair Abbott",
            "GIT_COMMITTER_EMAIL": "abbott@example.org",
        },
    )
    assert result.returncode == 0, result.stderr
    head = repo.git("rev-parse", "HEAD").strip()
    assert result.stdout.startswith(f"Committed the review as {head[:12]}: Medical review: Chordoma")
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [CHORDOMA]
    assert "Reviewed-by: Blair Abbott <dr-sample-abbott>" in repo.git("log", "-1", "--format=%B")
    assert repo.git("diff", "--cached", "--name-only").split() == [MRI], "what else was staged stays staged"
    assert statuses(repo.root)[CHORDOMA] == "ok"


def test_a_doctor_who_reviewed_a_page_today_signs_an_edit_of_it_the_same_day(repo: Repo):
    """The stamp would write today's date and the same reviewer, which the page already says:
    --commit then commits the edit itself with the trailer, and review counts that commit as
    the review of the new text. An edit committed by someone else stays changed-since-review."""

    def stamp():
        return run_cli("review", "--stamp", CHORDOMA, "--by", "dr-sample-abbott", "--commit", "--source", str(repo.root), "--today", TODAY)

    repo.edit(CHORDOMA, *BODY).commit("Proton therapy")
    assert stamp().returncode == 0
    assert statuses(repo.root)[CHORDOMA] == "ok"
    repo.edit(CHORDOMA, "rare cancer", "rare, slow cancer")  # the doctor's second look, the same day
    result = stamp()
    assert result.returncode == 0, result.stderr
    assert repo.git("show", "--name-only", "--format=", "HEAD").split() == [CHORDOMA]
    message = repo.git("log", "-1", "--format=%B")
    assert "as it is now (it already said this review)" in message and "Reviewed-by: Blair Abbott <dr-sample-abbott>" in message
    assert "rare, slow cancer" in repo.git("show", "HEAD:" + CHORDOMA), "the commit holds the edit the doctor signed"
    assert statuses(repo.root)[CHORDOMA] == "ok"
    repo.edit(CHORDOMA, "rare, slow cancer", "rare, slow-growing cancer").commit("An editor's change, no trailer")
    assert statuses(repo.root)[CHORDOMA] == "changed-since-review"
    assert stamp().returncode == 0 and statuses(repo.root)[CHORDOMA] == "changed-since-review", "nothing to sign: it stays unreviewed"
    repo.edit(CHORDOMA, "slow-growing", "slow").commit("Another reviewer's name", trailers=("Avery Lee <dr-sample-lee>",))
    assert statuses(repo.root)[CHORDOMA] == "changed-since-review", "a trailer counts only for the reviewer the page names"


@pytest.mark.parametrize("edit_after", [False, True], ids=["signed edit merged", "edit after the signature merged"])
def test_a_signed_edit_merged_from_a_branch_is_reviewed_as_signed(repo: Repo, edit_after: bool):
    """A doctor signs an edit on a branch the same day (the edit commit carries the trailer,
    the review fields do not change) and the branch comes in by a merge commit: the merge
    publishes the signed text, so the page is reviewed; an edit after the signature on that
    branch is not."""
    repo.edit(CHORDOMA, *BODY).commit("Proton therapy")
    assert (
        run_cli(
            "review", "--stamp", CHORDOMA, "--by", "dr-sample-abbott", "--commit", "--source", str(repo.root), "--today", TODAY
        ).returncode
        == 0
    )
    repo.git("checkout", "-q", "-b", "signed")
    repo.edit(CHORDOMA, "rare cancer", "rare, slow cancer").commit("A second look", trailers=("Blair Abbott <dr-sample-abbott>",))
    if edit_after:
        repo.edit(CHORDOMA, "rare, slow cancer", "rare, slow-growing cancer").commit("An editor's change, no trailer")
    repo.git("checkout", "-q", "main")
    repo.edit(HOME, "What we treat", "Tumors we treat").commit("Home wording")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge the second look", "signed")
    assert statuses(repo.root)[CHORDOMA] == ("changed-since-review" if edit_after else "ok")


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda r: r.edit(CHORDOMA, "rare cancer", "rare, slow cancer"), "has changes that are not committed"),
        (lambda r: r.edit(CHORDOMA, "group: spinal-column", "group: spinal").commit("Bad group"), 'group: "spinal" is not a group'),
    ],
    ids=["uncommitted text", "errors"],
)
def test_stamp_commit_refuses(repo: Repo, prepare, message: str):
    prepare(repo)
    before, head = (repo.root / CHORDOMA).read_bytes(), repo.git("rev-parse", "HEAD")
    result = run_cli("review", "--stamp", CHORDOMA, "--by", "dr-sample-abbott", "--commit", "--source", str(repo.root), "--today", TODAY)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (repo.root / CHORDOMA).read_bytes() == before and repo.git("rev-parse", "HEAD") == head
