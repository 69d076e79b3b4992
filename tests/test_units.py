"""Pure logic: dates, phones, slugs, URLs, JSON-LD escaping, YAML line numbers, reading grade,
and running a call in a child process."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path

import pytest

from sitegen.content import add_months, review_status
from sitegen.fields import e164_hint
from sitegen.markdown import slugify
from sitegen.problems import Problems
from sitegen.readability import main_text, reading_grade
from sitegen.render import Urls, days_display, json_ld, phone_display, time_display
from sitegen.source import load_yaml, split_front_matter
from sitegen.validate import normalize_path
from sitegen.workers import FEW, POOL, Apart, ChildDied, run_all, run_apart


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2022-11-01", 36, "2025-11-01"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2026-12-15", 1, "2027-01-15"),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("due", "today", "status"),
    [
        ("2026-11-27", "2026-11-28", "overdue"),
        ("2026-11-28", "2026-11-28", "due-soon"),
        ("2027-02-26", "2026-11-28", "due-soon"),
        ("2027-02-27", "2026-11-28", "ok"),
    ],
)
def test_review_status_boundaries(due, today, status):
    assert review_status(dt.date.fromisoformat(due), dt.date.fromisoformat(today), 90) == status


@pytest.mark.parametrize(
    ("number", "shown"),
    [("+19195550100", "919-555-0100"), ("+442079460958", "+44 20 7946 0958")],
)
def test_phone_display(number, shown):
    assert phone_display(number) == shown


@pytest.mark.parametrize(
    ("written", "hint"),
    [("(919) 555-0123", 'write it as "+19195550123"'), ("919.555.0123", 'write it as "+19195550123"'), ("call us", "like")],
)
def test_e164_hint(written, hint):
    assert hint in e164_hint(written)


def test_times_and_days():
    assert [time_display(t) for t in ("08:00", "12:00", "13:30", "00:15")] == ["8 a.m.", "noon", "1:30 p.m.", "12:15 a.m."]
    assert days_display(["Mo", "Tu", "We", "Th", "Fr"]) == "Monday to Friday"
    assert days_display(["Sa", "Mo"]) == "Monday, Saturday"


def test_slugify():
    assert slugify("Pilocytic astrocytoma") == "pilocytic-astrocytoma"
    assert slugify("What is a Schwannoma?") == "what-is-a-schwannoma"
    assert slugify("Ewing's sarcoma (ES)") == "ewing-s-sarcoma-es"
    assert slugify("Méningiome") == "meningiome"


def test_json_ld_escapes_everything_that_could_end_a_script():
    text = str(json_ld({"name": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><!-- & \u2028"}


@pytest.mark.parametrize(
    ("target", "base", "expected"),
    [
        ("/tests/mri/", "https://example.org/", "/tests/mri/"),
        ("/tests/mri", "https://example.org/spine/", "/spine/tests/mri/"),
        ("/doctors/?condition=chordoma", "https://example.org/spine/", "/spine/doctors/?condition=chordoma"),
        ("/tumors/chordoma/#symptoms", "https://example.org/spine/", "/spine/tumors/chordoma/#symptoms"),
        ("/media/spine.png", "https://example.org/spine/", "/spine/media/spine.abc.png"),
        ("#symptoms", "https://example.org/spine/", "#symptoms"),
        ("https://www.cancer.gov/", "https://example.org/spine/", "https://www.cancer.gov/"),
        ("javascript:alert(1)", "https://example.org/", None),
        ("//evil.example/", "https://example.org/", None),
    ],
)
def test_links_follow_the_base_url(target, base, expected):
    urls = Urls(base_url=base, assets={}, media={"spine.png": "media/spine.abc.png"})
    assert urls.resolve(target) == expected


def test_normalize_path():
    assert normalize_path("/a/b") == "/a/b/"
    assert normalize_path("/a/index.html") == "/a/"
    assert normalize_path("/media/x.png") == "/media/x.png"


def test_yaml_keeps_lines_and_raw_text():
    problems = Problems()
    doc = load_yaml("title: A\nphone: +19195550100\nzip: 02134\nlist:\n  - a\n  - b\n", "x.md", 2, problems)
    assert doc.key_lines == {"title": 2, "phone": 3, "zip": 4, "list": 5}
    assert doc["phone"] == 19195550100 and doc.raw["phone"] == "+19195550100"
    assert doc.raw["zip"] == "02134"
    assert doc["list"].item_lines == [6, 7]
    assert problems.items == []


def test_front_matter_split():
    problems = Problems()
    assert split_front_matter("---\ntitle: A\n---\nBody\n", "x.md", problems) == ("title: A", 2, "Body\n", 4)
    assert split_front_matter("---\ntitle: A\n", "x.md", problems) is None
    assert problems.items[0].format() == "x.md:1: front matter: the block opened on line 1 is never closed with ---"


def test_problems_report_format_and_order():
    problems = Problems()
    problems.error("b.md", 3, "title", "missing")
    problems.warn("a.md", 9, "claim", "expired")
    problems.error("a.md", 10, "tests", "unknown")
    assert problems.report().splitlines() == [
        "a.md:9: warning: claim: expired",
        "a.md:10: tests: unknown",
        "b.md:3: title: missing",
        "2 errors, 1 warning",
    ]


def test_reading_grade_reads_visible_text():
    html = "<h2>What it is</h2><p>The cat sat on the mat. It was warm.</p><ul><li>One short item</li></ul>"
    assert main_text(html) == "What it is.\nThe cat sat on the mat. It was warm.\nOne short item."
    hard = "<p>Intramedullary spinal cord neoplasms necessitate multidisciplinary neurosurgical evaluation and individualized postoperative surveillance.</p>"
    assert reading_grade(html) < 4 < 12 < reading_grade(hard)


def test_run_apart_answers_from_a_child_process():
    assert run_apart(os.getpid) != os.getpid()
    assert run_apart(lambda: {"pages": [1, 2]}) == {"pages": [1, 2]}


def _where(items: list[str]) -> list[tuple[str, int]]:
    return [(item, os.getpid()) for item in items]


def test_a_few_costly_items_are_shared_with_one_child_process():
    items = ["a-z", "home", "page", "other page"]
    done = run_all(_where, items, jobs=2, weights=[FEW, FEW - 2, 1, 1])
    assert [item for item, _ in done] == items, "results come back in the items' order"
    where = dict(done)
    assert where["a-z"] != where["home"], "the two heaviest go to different processes"
    assert {where["home"], where["page"], where["other page"]} == {where["home"]}, "the rest balance the heaviest"
    assert os.getpid() in where.values()


def test_a_few_light_items_or_one_job_stay_in_this_process():
    items = ["page", "other page", "search"]
    assert {pid for _, pid in run_all(_where, items, jobs=2, weights=[1, 1, 1])} == {os.getpid()}
    assert {pid for _, pid in run_all(_where, items, jobs=1, weights=[FEW] * 3)} == {os.getpid()}
    assert {pid for _, pid in run_all(_where, items, jobs=2)} == {os.getpid()}


def test_more_work_goes_to_one_child_and_then_to_a_pool():
    items = [f"page {n}" for n in range(FEW * 2)]
    halves = run_all(_where, items, jobs=2)
    assert [item for item, _ in halves] == items
    pids = {pid for _, pid in halves}
    assert len(pids) == 2 and os.getpid() in pids, "this process and one child"
    pooled = run_all(_where, items, jobs=2, weights=[POOL / len(items)] * len(items))
    assert [item for item, _ in pooled] == items
    assert os.getpid() not in {pid for _, pid in pooled}, "a pool's workers do it all"


def test_run_apart_raises_what_the_child_raised_with_its_traceback():
    def fails():
        raise FileNotFoundError(2, "No such file or directory", "/nowhere")

    with pytest.raises(FileNotFoundError) as caught:
        run_apart(fails)
    assert caught.value.filename == "/nowhere"
    assert any("child process" in note and "in fails" in note for note in caught.value.__notes__)


def test_run_apart_says_when_the_child_dies_without_answering():
    with pytest.raises(ChildDied, match="signal 9"):
        run_apart(lambda: os.kill(os.getpid(), signal.SIGKILL))


def test_an_apart_call_whose_result_is_not_needed_is_ended_with_its_block():
    with Apart(lambda: b"x" * 1_000_000) as apart:  # more than a pipe holds: the child waits to write
        pid = apart.pid
    assert pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no process is left behind


def test_an_apart_call_without_fork_runs_when_asked():
    ran = []
    apart = Apart(lambda: ran.append(os.getpid()) or "done", fork=False)
    assert ran == [] and apart.result() == "done" and ran == [os.getpid()]


def _inodes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_ino for path in sorted(folder.glob("*.marshal"))}  # a file written again is a new file


def test_the_store_splits_a_big_table_and_rewrites_only_the_files_that_changed(tmp_path: Path):
    from sitegen.store import Store

    store = Store(tmp_path, version="v1")
    for number in range(600):
        store.put("pages", f"page {number}", [number])
    store.save()
    before = _inodes(tmp_path / ".cache")
    assert len(before) == 4, "600 entries make four files of at most 256"

    again = Store(tmp_path, version="v1")
    assert all(again.get("pages", f"page {number}") == [number] for number in range(600))
    again.put("pages", "page 7", ["edited"])
    again.save()
    after = _inodes(tmp_path / ".cache")
    assert len([name for name in after if after[name] != before[name]]) == 1, "only the file with the edited entry is written"

    everything = Store(tmp_path, version="v1")
    assert all(everything.get("pages", f"page {number}") for number in range(0, 600, 2))
    everything.save()  # every file read, half the entries used: the others go, and two files are enough
    assert len(_inodes(tmp_path / ".cache")) == 2
    fewer = Store(tmp_path, version="v1")
    assert [fewer.get("pages", f"page {number}") for number in (6, 7, 8)] == [[6], None, [8]]
    assert Store(tmp_path, version="v2").get("pages", "page 8") is None, "another version's files are ignored"


def test_the_store_reads_a_file_only_when_an_entry_in_it_is_asked_for_and_keeps_what_is_still_needed(tmp_path: Path):
    from sitegen.store import Store

    store = Store(tmp_path, version="v1")
    for number in range(600):
        store.put("html", f"body {number}", f"<p>{number}</p>")
    store.save()
    files = sorted((tmp_path / ".cache").glob("html-*.marshal"))
    asked = Store(tmp_path, version="v1")
    assert asked.get("html", "body 3") == "<p>3</p>"
    holding = {path for path in files if b"body 3" in path.read_bytes()}
    for path in set(files) - holding:
        path.write_bytes(path.read_bytes()[:-1] + b"?")  # a file the store reads now would be refused
    before = _inodes(tmp_path / ".cache")
    asked.keep("html", [f"body {number}" for number in range(600)])
    asked.save()
    assert asked.distrusted == [], "no other file was read"
    assert _inodes(tmp_path / ".cache") == before, "nothing put, nothing dropped: nothing written"

    fresh = tmp_path / "fresh"
    store = Store(fresh, version="v1")
    for number in range(600):
        store.put("html", f"body {number}", f"<p>{number}</p>")
    store.save()
    edited = Store(fresh, version="v1")
    edited.put("html", "body 3", "<p>three</p>")  # its file is written again
    edited.keep("html", [f"body {number}" for number in range(600)])
    edited.save()
    after = Store(fresh, version="v1")
    assert after.get("html", "body 3") == "<p>three</p>"
    assert all(after.get("html", f"body {number}") for number in range(600)), "entries still needed stay when their file is written"


def test_the_store_refuses_a_file_changed_outside_it(tmp_path: Path):
    from sitegen.store import Store

    store = Store(tmp_path, version="v1")
    store.put("html", "chordoma", "<p>Chordoma is a rare cancer.</p>")
    store.save()
    (path,) = (tmp_path / ".cache").glob("html-*.marshal")
    path.write_bytes(path.read_bytes().replace(b"rare cancer", b"safe tumor!"))
    tampered = Store(tmp_path, version="v1")
    assert tampered.get("html", "chordoma") is None, "the entry is made again, never read"
    assert len(tampered.distrusted) == 1 and path.name in tampered.distrusted[0]


def test_github_annotations_escape_what_the_workflow_commands_reserve():
    problems = Problems()
    problems.error("content/a,b:c.md", 4, "title", "100% wrong\r\nsee: line 2")
    problems.warn("data/site.yaml", 2, "phone", "a sample")
    problems.drafts = ["content/tumors/x.md"]
    assert problems.github() == [
        "::error file=content/a%2Cb%3Ac.md,line=4::title: 100%25 wrong%0D%0Asee: line 2",
        "::warning file=data/site.yaml,line=2::phone: a sample",
        "::notice::1 draft left out: content/tumors/x.md (preview it with --drafts, publish it by removing draft: true)",
    ]
