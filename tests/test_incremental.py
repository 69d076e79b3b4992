"""Builds that reuse the last one: whatever was cached or linked, the output is byte for byte
what a cold build makes, and only files whose bytes change are written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import REPO, TODAY, copy_fixture, run_cli, tree_digest


def build(source: Path, out: Path, *extra: str) -> None:
    result = run_cli("build", "--source", str(source), "--out", str(out), "--today", TODAY, *extra)
    assert result.returncode == 0, result.stderr


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in sorted(root.rglob("*")) if p.is_file()}


def cold(source: Path, tmp: Path, name: str) -> dict[str, str]:
    """A build from nothing: no output, no manifest, no cache."""
    copy = tmp / f"cold-{name}"
    os.system(f"cp -r {source} {copy} && rm -rf {copy}/.cache")
    build(copy, tmp / f"out-{name}")
    return tree_digest(tmp / f"out-{name}")


def test_warm_builds_write_only_what_changed(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    build(basic, out)
    first, first_inodes = tree_digest(out), inodes(out)

    build(basic, out)
    assert tree_digest(out) == first
    assert inodes(out) == first_inodes, "nothing changed: every file, search index included, is the same file"

    page = basic / "content/tests/mri.md"
    original = page.read_text()
    page.write_text(original.replace("An MRI uses a strong magnet.", "An MRI uses a very strong magnet."))
    build(basic, out)
    edited = tree_digest(out)
    assert edited == cold(basic, tmp_path, "body")
    changed = {path for path in edited if edited[path] != first.get(path)}
    assert "tests/mri/index.html" in changed
    rewritten = {path for path, inode in inodes(out).items() if first_inodes.get(path) != inode}
    assert rewritten == changed | (set(edited) - set(first)), "exactly the files whose bytes changed are written"
    # Besides the page, only the search pages (one a language) may change: they name the word list, which a new word renames.
    assert {p for p in changed if p.endswith(".html")} <= {"tests/mri/index.html", "search/index.html", "es/search/index.html"}, changed

    page.write_text(original)
    build(basic, out)
    assert tree_digest(out) == first, "undoing the edit gives the first build's bytes back"


def test_a_title_edit_updates_every_page_that_shows_it(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    build(basic, out)
    first = tree_digest(out)
    page = basic / "content/tests/mri.md"
    page.write_text(page.read_text().replace("title: MRI", "title: MRI scan"))
    build(basic, out)
    after = tree_digest(out)
    assert after == cold(basic, tmp_path, "title")
    changed = {path for path in after if after[path] != first.get(path)}
    for shows_it in ("tests/mri/index.html", "tests/index.html", "tumors/chordoma/index.html", "a-z/index.html", "index.html"):
        assert shows_it in changed, shows_it
    assert "treatments/surgery/index.html" not in changed


def test_a_file_changed_by_hand_in_the_output_is_put_right(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    build(basic, out, "--no-search")
    first = tree_digest(out)
    (out / "tests/mri/index.html").write_text("tampered")
    build(basic, out, "--no-search")
    assert tree_digest(out) == first


def test_the_date_moves_only_the_pages_whose_review_status_changes(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    days = []
    for today in ("2029-09-30", "2029-10-02"):  # chordoma's review falls due on 2029-10-01
        result = run_cli("build", "--source", str(basic), "--out", str(out), "--today", today, "--no-search")
        assert result.returncode == 0, result.stderr
        days.append(tree_digest(out))
    # chordoma, and its Spanish translation, reviewed the same day
    assert {path for path in days[1] if days[1][path] != days[0].get(path)} == {
        "tumors/chordoma/index.html",
        "es/tumors/chordoma/index.html",
    }


def _edit(rel: str, old: str, new: str):
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))

    return apply


def _remove_biopsy(root: Path) -> None:
    (root / "content/tests/biopsy.md").unlink()
    _edit("content/tumors/chordoma.md", "tests: [mri, biopsy]", "tests: [mri]")(root)


EDITS = [
    ("page removed", _remove_biopsy),
    ("tumor title", _edit("content/tumors/chordoma.md", "title: Chordoma", "title: Chordoma of the spine")),
    ("test summary", _edit("content/tests/mri.md", "summary: Pictures", "summary: Detailed pictures")),
    ("other names", _edit("content/tests/mri.md", "also_known_as: [Magnetic resonance imaging]", "also_known_as: [MR scan]")),
    ("tumor group", _edit("content/tumors/schwannoma.md", "group: benign", "group: spinal-cord")),
    ("tests listed", _edit("content/tumors/chordoma.md", "tests: [mri, biopsy]", "tests: [mri]")),
    ("review date", _edit("content/tests/mri.md", "medically_reviewed: 2026-09-01", "medically_reviewed: 2026-09-02")),
    ("reviewer", _edit("content/tests/mri.md", "reviewed_by: dr-sample-lee", "reviewed_by: dr-sample-abbott")),
    ("new word in a body", _edit("content/tests/mri.md", "## ", "## Zygapophyseal ")),
    ("section title", _edit("content/tumors/_index.md", "title: Tumor types", "title: Kinds of tumor")),
    ("draft published", _edit("content/treatments/draft-therapy.md", "draft: true", "draft: false")),
    ("provider name", _edit("data/providers.yaml", "name: Avery Lee", "name: Avery Leigh")),
    ("provider conditions", _edit("data/providers.yaml", "conditions: [chordoma]", "conditions: [chordoma, schwannoma]")),
    ("location name", _edit("data/locations.yaml", "name: Sample Clinic, Raleigh", "name: Sample Clinic, North Raleigh")),
    ("claim text", _edit("data/claims.yaml", "more than 1,200", "over 1,200")),
    ("synonym", _edit("data/synonyms.yaml", "tumour: [tumor]", "tumour: [tumor]\nmagnet scan: [mri]")),
    ("emergency line", _edit("data/site.yaml", "call 911.", "call 911 now.")),
    ("static file", _edit("static/.well-known/security.txt", "2027-12-31", "2028-06-30")),
    ("static file removed", lambda root: (root / "static/CNAME").unlink()),
    ("static file added", lambda root: (root / "static/robots-old.txt").write_text("old\n")),
]


@pytest.mark.parametrize(("name", "edit"), EDITS, ids=[name for name, _ in EDITS])
def test_after_any_edit_a_warm_build_equals_a_cold_one(basic: Path, tmp_path: Path, name, edit):
    out = tmp_path / "site"
    build(basic, out, "--no-search")
    edit(basic)
    build(basic, out, "--no-search")
    fresh = tmp_path / "fresh"
    os.system(f"cp -r {basic} {fresh} && rm -rf {fresh}/.cache")
    build(fresh, tmp_path / "cold", "--no-search")
    assert tree_digest(out) == tree_digest(tmp_path / "cold")


def _age(root: Path, seconds: int = 3600) -> None:
    """Give every file below root a modification time `seconds` ago, as files not edited
    during the session have (a file changed within the last moment is never trusted)."""
    then = os.stat(root).st_mtime - seconds
    for path in [root, *root.rglob("*")]:
        os.utime(path, (then, then))


def test_a_build_with_nothing_changed_does_nothing_and_repeats_the_warnings(basic: Path, tmp_path: Path):
    from sitegen.inputs import CODE, RACY_NS

    # The generator's own files count too: one saved a moment ago is not trusted yet.
    newest = max(p.stat().st_mtime_ns for folder in (CODE, CODE.parent / "templates") for p in folder.rglob("*"))
    time.sleep(max(0, newest + RACY_NS - time.time_ns()) / 1e9)
    home = basic / "content/_index.md"
    home.write_text(home.read_text().replace('{{ claim "surgeries" }}', '{{ claim "old-ranking" }}'))
    _age(basic)
    out = tmp_path / "site"
    first = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert first.returncode == 0 and "Built" in first.stdout, first.stderr
    warning = "content/_index.md:17: warning: claim:"
    assert warning in first.stderr
    before = {p: (s.st_ino, s.st_mtime_ns) for p, s in ((p, p.stat()) for p in out.rglob("*"))}

    again = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert again.returncode == 0
    assert "Nothing changed since the last build" in again.stdout
    assert warning in again.stderr, "the last build's warnings are said again"
    assert {p: (s.st_ino, s.st_mtime_ns) for p, s in ((p, p.stat()) for p in out.rglob("*"))} == before

    # Another day, other options, a file changed in the output or in the content: a real build.
    later = run_cli("build", "--source", str(basic), "--out", str(out), "--today", "2027-06-01", "--no-search")
    assert "Built" in later.stdout, later.stderr
    build(basic, out, "--no-search")
    (out / "tests/mri/index.html").unlink()
    repaired = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert "Built" in repaired.stdout and (out / "tests/mri/index.html").is_file()
    page = basic / "content/tests/mri.md"
    stat = page.stat()
    page.write_text(page.read_text().replace("strong magnet", "strong magnets"))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with its old time back
    edited = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert "Built" in edited.stdout
    assert "strong magnets" in (out / "tests/mri/index.html").read_text()


CHECK_EDITS = [
    ("a heading another page links to", "content/tumors/schwannoma.md", "## What it is", "## About it"),
    ("a reviewer removed", "data/providers.yaml", "id: dr-sample-lee", "id: dr-sample-leigh"),
    ("a page's own link", "content/tests/mri.md", "An MRI uses a strong magnet.", "An MRI uses a [magnet](/tests/magnet/)."),
    ("a title, beside a broken list", "content/tests/mri.md", "title: MRI", "title: MRI scan\nsummary_x: 1"),
    ("a page's list of tests", "content/tumors/chordoma.md", "tests: [mri, biopsy]", "tests: [mri, biopsies]"),
]


@pytest.mark.parametrize(("name", "rel", "old", "new"), CHECK_EDITS, ids=[edit[0] for edit in CHECK_EDITS])
def test_problems_kept_between_runs_are_those_a_cold_check_finds(basic: Path, tmp_path: Path, name, rel, old, new):
    def check(source: Path) -> tuple[int, str]:
        result = run_cli("check", "--source", str(source), "--today", TODAY)
        return result.returncode, result.stderr

    assert check(basic)[0] == 0
    _edit(rel, old, new)(basic)
    warm = check(basic)
    fresh = tmp_path / "fresh"
    os.system(f"cp -r {basic} {fresh} && rm -rf {fresh}/.cache")
    assert warm == check(fresh)
    assert warm[0] == 1, "each of these edits breaks something"


def test_pages_whose_files_did_not_change_are_not_read_again(basic: Path, tmp_path: Path, monkeypatch):
    import datetime as dt

    import sitegen.content
    from sitegen.pipeline import Options
    from sitegen.pipeline import build as build_here

    options = Options(source=basic, out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), search=False, jobs=1)
    _age(basic / "content")
    build_here(options)
    edited = basic / "content/tests/mri.md"
    edited.write_text(edited.read_text().replace("## ", "## About: ", 1))
    read = []
    real = sitegen.content.read_text
    monkeypatch.setattr(sitegen.content, "read_text", lambda path, rel, problems: read.append(rel) or real(path, rel, problems))
    result = build_here(options)
    assert not result.problems.errors
    assert sorted(set(read)) == ["content/tests/mri.md"], "only the edited page, and the pages shown again, are read"
    copy = tmp_path / "cold"
    shutil.copytree(basic, copy, ignore=shutil.ignore_patterns(".cache"))
    build(copy, tmp_path / "cold-site", "--no-search")
    assert tree_digest(tmp_path / "site") == tree_digest(tmp_path / "cold-site")


def test_a_page_changed_after_it_was_taken_as_unchanged_is_an_error(basic: Path, tmp_path: Path):
    from sitegen.content import ContentChanged, load_content
    from sitegen.problems import Problems
    from sitegen.store import Store

    _age(basic / "content")
    for _ in range(2):  # the first run reads and records every file; the second reads none
        store = Store(basic)
        content = load_content(basic, Problems(), False, store)
        store.save()
    page = next(p for p in content.pages if p.path == "content/tests/mri.md")
    assert page._body is None, "not read yet"
    text = (basic / page.path).read_text()
    (basic / page.path).write_text(text.replace("MRI", "MRT"))
    with pytest.raises(ContentChanged):
        _ = page.body


def test_a_file_written_just_now_is_read_again_next_time(basic: Path, tmp_path: Path):
    """Two saves within the clock's resolution look alike by size and time: a file changed in
    the last two seconds is not recorded as known."""
    _age(basic / "content")
    fresh = basic / "content/tests/mri.md"
    fresh.write_text(fresh.read_text().replace("## ", "## About: ", 1))
    build(basic, tmp_path / "site", "--no-search")
    from sitegen.store import Store

    known = " ".join(Store(basic).entries("files"))
    assert "content/tests/biopsy.md" in known and "content/tests/mri.md" not in known


def test_a_build_with_nothing_to_do_does_not_load_the_generator(tmp_path: Path):
    """Nothing changed since the last build: the answer comes from the file times alone,
    without loading Jinja, Markdown or YAML and without starting a process."""
    source, out = copy_fixture("basic", tmp_path), tmp_path / "site"
    args = ["build", "--source", str(source), "--out", str(out), "--today", TODAY, "--no-search"]
    assert run_cli(*args).returncode == 0
    _age(source)
    assert run_cli(*args).returncode == 0  # the fingerprint of aged files, recorded
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(
            f"""
            import json, os, sys
            sys.path.insert(0, {str(REPO)!r})
            import build
            forks = []
            os.fork = lambda fork=os.fork: forks.append(1) or fork()
            code = build.main(sys.argv[1:])
            loaded = sorted(m for m in ("jinja2", "markdown_it", "yaml", "sitegen.pipeline") if m in sys.modules)
            print(json.dumps({{"forks": len(forks), "loaded": loaded}}), file=sys.stderr)
            sys.exit(code)
            """
        )
    )
    ran = subprocess.run([sys.executable, str(driver), *args], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "Nothing changed since the last build" in ran.stdout
    assert json.loads(ran.stderr.strip().splitlines()[-1]) == {"forks": 0, "loaded": []}


def test_a_title_edit_on_a_bigger_site_equals_a_cold_build(basic: Path, tmp_path: Path):
    """With hundreds of pages, the lists of every page that a title edit renders again (the
    A to Z, the home page, a section) are shared with a child process (workers.run_all's
    weights): the bytes are still a cold build's."""
    mri = (basic / "content/tests/mri.md").read_text()
    for number in range(500):
        extra = mri.replace("title: MRI", f"title: Extra test {number:03d}").replace("[Magnetic resonance imaging]", "[]")
        (basic / f"content/tests/extra-{number:03d}.md").write_text(extra)
    out = tmp_path / "site"
    build(basic, out, "--no-search", "--jobs", "2")
    _edit("content/tests/mri.md", "title: MRI", "title: MRI scan")(basic)
    build(basic, out, "--no-search", "--jobs", "2")
    fresh = tmp_path / "fresh"
    os.system(f"cp -r {basic} {fresh} && rm -rf {fresh}/.cache")
    build(fresh, tmp_path / "cold", "--no-search", "--jobs", "1")
    assert tree_digest(out) == tree_digest(tmp_path / "cold")
    assert "MRI scan" in (out / "a-z/index.html").read_text() and "MRI scan" in (out / "tests/index.html").read_text()


def test_data_files_are_read_again_only_when_their_bytes_change(basic: Path, tmp_path: Path, monkeypatch):
    """What load_data made of the data files, and the problems it found, come from the cache
    while the files stay the same (pipeline._load_data)."""
    import datetime as dt

    import sitegen.pipeline
    from sitegen.pipeline import Options, load_and_check

    calls = []
    real = sitegen.pipeline.load_data
    monkeypatch.setattr(sitegen.pipeline, "load_data", lambda root, problems: calls.append(root) or real(root, problems))
    options = Options(source=basic, out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), search=False, jobs=1)
    _edit("data/providers.yaml", 'phone: "+19195550120"', "phone: 9195550120")(basic)
    first = load_and_check(options).problems.report()
    assert "data/providers.yaml:11: providers[dr-sample-lee].phone:" in first
    _edit("content/tests/mri.md", "## ", "## About: ")(basic)
    assert load_and_check(options).problems.report() == first
    assert len(calls) == 1, "the data files were parsed once"
    _edit("data/providers.yaml", "phone: 9195550120", 'phone: "+19195550120"')(basic)
    fixed = load_and_check(options)
    assert not fixed.problems.errors and len(calls) == 2
    assert fixed.model.providers["dr-sample-lee"].phone == "+19195550120"


def test_a_change_every_page_shows_reuses_each_body_s_html(basic: Path, tmp_path: Path, monkeypatch):
    """After an edit to what every page shows (the data, the templates), every page is rendered
    again, with its body's HTML from the store: no Markdown is parsed. Without it (the store
    deleted), the bodies are made again: the bytes are the same."""
    import datetime as dt

    import sitegen.markdown
    from sitegen.pipeline import Options
    from sitegen.pipeline import build as build_here

    options = Options(source=basic, out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), search=False, jobs=1)
    build_here(options)
    before = tree_digest(tmp_path / "site")
    _edit("data/site.yaml", "organization: Example Health", "organization: Example Health System")(basic)
    parsed = []
    real = sitegen.markdown.parse_body
    monkeypatch.setattr(sitegen.markdown, "parse_body", lambda md, text, line: parsed.append(text) or real(md, text, line))
    result = build_here(options)
    assert not result.problems.errors
    after = tree_digest(tmp_path / "site")
    pages = [path for path in after if path.endswith("index.html") and not path.startswith(("doctors/", "locations/"))]
    assert len(pages) > 10 and [path for path in pages if after[path] == before[path]] == [], "every page's footer names the organization"
    bodies = {page.body for page in result.model.pages}
    assert not [text for text in parsed if text in bodies], "no page's Markdown was parsed again"

    fresh = tmp_path / "fresh"
    shutil.copytree(basic, fresh, ignore=shutil.ignore_patterns(".cache"))
    build(fresh, tmp_path / "cold", "--no-search")
    assert after == tree_digest(tmp_path / "cold")

    for path in (basic / ".cache").glob("html-*"):
        path.unlink()
    _edit("data/site.yaml", "organization: Example Health System", "organization: Example Health")(basic)
    build_here(options)
    assert [text for text in parsed if text in bodies], "without the cache the bodies are parsed"
    assert tree_digest(tmp_path / "site") == before


def test_a_cold_build_compiles_its_templates_beside_reading_the_pages(basic: Path, tmp_path: Path, monkeypatch):
    """With no store, the child that makes the ZIP table first compiles every template into
    the store (pipeline._zip_table_meanwhile): the build process itself compiles none."""
    import datetime as dt

    import jinja2

    from sitegen.pipeline import Options
    from sitegen.pipeline import build as build_here
    from sitegen.store import Store

    shutil.rmtree(basic / ".cache", ignore_errors=True)
    compiled: list[str] = []  # in this process; the child's own list is its copy
    real = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment,
        "compile",
        lambda self, source, name=None, *rest, **named: compiled.append(name) or real(self, source, name, *rest, **named),
    )
    options = Options(source=basic, out=tmp_path / "site", today=dt.date.fromisoformat(TODAY), search=False, jobs=2)
    assert not build_here(options).problems.errors
    assert compiled == [], "the child compiled them"
    assert len(Store(basic).entries("templates")) > 10
    fresh = tmp_path / "fresh"
    shutil.copytree(basic, fresh, ignore=shutil.ignore_patterns(".cache"))
    build(fresh, tmp_path / "one-job", "--no-search", "--jobs", "1")
    assert tree_digest(tmp_path / "site") == tree_digest(tmp_path / "one-job")


def _generator_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "generator"
    copy.mkdir()
    shutil.copy(REPO / "build.py", copy / "build.py")
    shutil.copytree(REPO / "sitegen", copy / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", copy / "templates")
    shutil.copytree(REPO / "locales", copy / "locales")  # the interface's words beside the templates
    return copy


def test_a_change_to_the_generator_s_code_is_not_hidden_by_what_the_store_kept(basic: Path, tmp_path: Path):
    """The issue's case: the base URL's rule lives in options.py, which data.py uses. A warm
    check after the rule changes must report what a cold one does."""
    copy = _generator_copy(tmp_path)

    def check() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(copy / "build.py"), "check", "--source", str(basic), "--today", TODAY], capture_output=True, text=True
        )

    assert check().returncode == 0
    options = copy / "sitegen/options.py"
    options.write_text(
        options.read_text().replace(
            '    if not url.endswith("/"):', '    if "example.org" in url:\n        return "no examples"\n    if not url.endswith("/"):'
        )
    )
    warm = check()
    assert warm.returncode == 1 and "data/site.yaml:3: base_url: no examples" in warm.stderr


def test_every_module_of_the_generator_is_in_the_store_s_version(tmp_path: Path):
    copy = _generator_copy(tmp_path)
    probe = "import sys; sys.path.insert(0, sys.argv[1]); from sitegen.store import generator_version; print(generator_version())"

    def version() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(copy)], capture_output=True, text=True, check=True).stdout

    first = version()
    seen = {first}
    for module in sorted((copy / "sitegen").glob("*.py")):
        module.write_bytes(module.read_bytes() + b"\n# changed\n")
        now = version()
        assert now not in seen, f"{module.name} is not in the store's version"
        seen.add(now)


def test_a_damaged_cache_is_made_again_with_one_warning(basic: Path, tmp_path: Path):
    """Every file of .cache/ with a byte flipped: the next build reads none of them, makes
    their results again, says so in one line, and publishes what a cold build does; the build
    after it has nothing to warn about."""
    out = tmp_path / "site"
    build(basic, out, "--no-search")
    damaged = sorted((basic / ".cache").glob("*.marshal"))
    assert damaged
    for path in damaged:
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))
    _edit("content/tests/mri.md", "## ", "## Zygapophyseal ")(basic)
    result = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "not sealed with this machine's key" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: .cache/") and "Traceback" not in result.stderr, result.stderr
    fresh = tmp_path / "fresh"
    shutil.copytree(basic, fresh, ignore=shutil.ignore_patterns(".cache"))
    build(fresh, tmp_path / "cold", "--no-search")
    assert tree_digest(out) == tree_digest(tmp_path / "cold")
    _edit("content/tests/mri.md", "## Zygapophyseal ", "## ")(basic)
    again = run_cli("build", "--source", str(basic), "--out", str(out), "--today", TODAY, "--no-search")
    assert again.returncode == 0 and "not sealed" not in again.stderr, again.stderr
