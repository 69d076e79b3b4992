"""Publishing never loses, mixes or hijacks a site: what --out may be, what a manifest may
say, and a kill at any named step of the publish code leaving the whole old site or the whole
new one (tests/fault_driver.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO, TODAY, build_site, tree_digest

TRACEBACK = "Traceback (most recent call last)"


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert TRACEBACK not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_folder_holding_files_it_did_not_make_is_refused_and_kept(basic: Path, tmp_path: Path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "precious").write_text("x")
    refused(build_site(basic, out), "precious", "static/")
    assert (out / "precious").read_text() == "x"
    assert sorted(p.name for p in out.iterdir()) == ["precious"]


@pytest.mark.parametrize("where", [".", "content", "data", "templates", "content/tumors", ".git", ".cache", ".."])
def test_out_may_not_be_or_hold_a_folder_the_build_reads(basic: Path, where: str):
    (basic / ".git").mkdir(exist_ok=True)
    (basic / ".cache").mkdir(exist_ok=True)
    before = tree_digest(basic)
    refused(build_site(basic, basic / where), "--out")
    assert tree_digest(basic) == before


def test_out_may_not_be_a_file_or_a_link(basic: Path, tmp_path: Path):
    afile = tmp_path / "afile.txt"
    afile.write_text("keep me")
    refused(build_site(basic, afile), "file")
    assert afile.read_text() == "keep me"
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    refused(build_site(basic, tmp_path / "link"), "symbolic link")
    assert list(target.iterdir()) == []


def test_a_file_put_into_a_built_site_by_hand_is_refused_and_kept(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    (out / "google1234.html").write_text("google-site-verification: google1234.html\n")
    before = tree_digest(out)
    (basic / "content/tests/mri.md").write_text((basic / "content/tests/mri.md").read_text().replace("MRI", "MRI scan", 1))
    refused(build_site(basic, out), "google1234.html")
    assert tree_digest(out) == before


def test_a_site_whose_manifest_was_deleted_is_refused_until_emptied(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    (tmp_path / ".site.manifest.json").unlink()
    before = tree_digest(out)
    refused(build_site(basic, out), "no record of an earlier build")
    assert tree_digest(out) == before


def test_manifest_paths_that_leave_the_output_are_not_followed(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    page = basic / "content/tumors/chordoma.md"
    text = page.read_text()
    manifest = tmp_path / ".site.manifest.json"
    stored = json.loads(manifest.read_text())
    stored["entries"]["../basic/content/tumors/chordoma.md"] = ["0" * 64, 1, 1]
    manifest.write_text(json.dumps(stored))
    before = tree_digest(out)
    refused(build_site(basic, out), "no record of an earlier build")
    assert page.read_text() == text
    assert tree_digest(out) == before


def test_warm_builds_exchange_the_whole_tree_and_keep_the_old_one_as_spare(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    first = tree_digest(out)
    mri = basic / "content/tests/mri.md"
    mri.write_text(mri.read_text().replace("MRI", "MRI scan", 1))
    assert build_site(basic, out).returncode == 0
    second = tree_digest(out)
    assert second != first
    assert tree_digest(tmp_path / ".site.spare") == first, "the spare is the site as it was"
    unchanged = [rel for rel in second if first.get(rel) == second[rel]]
    assert unchanged
    for rel in unchanged:  # no bytes copied: the two trees share the files that did not change
        assert (out / rel).stat().st_ino == (tmp_path / ".site.spare" / rel).stat().st_ino, rel


KILL_POINTS = [
    ("output._remake_spare", 1),  # the first build after a cold one makes the spare
    ("output.ready_spare", 1),
    ("output.Writer.place", 1),
    ("output.Writer.place", 3),
    ("output._link_into", 1),
    ("output.Writer._complete_spare", 1),
    ("output.Writer._save", 1),
    ("output.exchange", 1),
    ("output.Writer.commit", 1),
]


def _edit(basic: Path, n: int) -> None:
    """Edit the title of a test page, a different one from the last edit's: the files the
    last build changed are the same again, and the spare must take them from out."""
    pages = sorted(p for p in (basic / "content/tests").glob("*.md") if p.name != "_index.md")
    page = pages[n % len(pages)]
    page.write_text(re.sub(r"(?m)^title: (.*)$", rf"title: \1 ({n})", page.read_text(), count=1))


def test_a_kill_at_any_step_of_publishing_leaves_the_old_site_or_the_new(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    for n, (step, nth) in enumerate(KILL_POINTS, start=1):
        old = tree_digest(out)
        _edit(basic, n)
        wanted_dir = tmp_path / f"clean-{n}"
        assert build_site(basic, wanted_dir).returncode == 0  # what the new site is, built cold elsewhere
        new = tree_digest(wanted_dir)
        killed = subprocess.run(
            [
                sys.executable,
                str(REPO / "tests/fault_driver.py"),
                step,
                str(nth),
                "kill",
                "build",
                "--source",
                str(basic),
                "--out",
                str(out),
                "--today",
                TODAY,
                "--no-search",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        # The child that publishes dies; the parent says so.
        assert "killed by signal 9" in killed.stderr, f"the build was to be killed after {step} #{nth}: {killed.stderr}"
        now = tree_digest(out)
        assert now in (old, new), f"a kill after {step} #{nth} left a mix: {sorted(set(now.items()) ^ set(old.items()))[:6]}"
        again = build_site(basic, out)
        assert again.returncode == 0, again.stderr
        assert tree_digest(out) == new, f"the build after a kill after {step} makes the new site"


def test_a_reader_never_sees_a_mix_while_builds_run(basic: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    sites = [tree_digest(out)]
    originals = {p: p.read_text() for p in (basic / "content/tests").glob("*.md")}
    for n in range(1, 4):
        _edit(basic, n)
        clean = tmp_path / f"clean-{n}"
        assert build_site(basic, clean).returncode == 0
        sites.append(tree_digest(clean))
    for page, text in originals.items():
        page.write_text(text)
    stop, seen, mixes = threading.Event(), [0], []

    def read_over_and_over() -> None:
        while not stop.is_set():
            try:
                fd = os.open(out, os.O_RDONLY)  # one tree, whichever the name points to now
            except FileNotFoundError:
                continue
            try:
                root = Path(f"/proc/self/fd/{fd}")
                digest = tree_digest(root)
            except OSError:
                continue
            finally:
                os.close(fd)
            seen[0] += 1
            if digest not in sites:
                mixes.append(sorted(set(digest.items()) - set(sites[0].items()))[:4])

    reader = threading.Thread(target=read_over_and_over)
    reader.start()
    try:
        for n in range(1, 4):
            _edit(basic, n)
            assert build_site(basic, out).returncode == 0
    finally:
        stop.set()
        reader.join()
    assert seen[0] > 0
    assert mixes == []


def _driven(
    step: str, nth: int, fault: str, basic: Path, out: Path, *extra: str, wrap: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    driver = [sys.executable, str(REPO / "tests/fault_driver.py"), step, str(nth), fault]
    build = ["build", "--source", str(basic), "--out", str(out), "--today", TODAY, *extra]
    return subprocess.run([*wrap, *driver, *build], capture_output=True, text=True, timeout=180)


# An error from the system at a named step of publishing (a read-only folder, a full disk, a
# file system that cannot swap folders), injected by tests/fault_driver.py: one line that says
# what failed, and site/ exactly as it was; the next build makes the new site.
FAULTS = [
    ("output.Writer.place", 2, "EACCES", 1, "Permission denied"),
    ("output._link_into", 1, "EACCES", 1, "Permission denied"),
    ("output.exchange", 1, "EACCES", 1, "Permission denied"),
    ("output.Writer.place", 1, "ENOSPC", 1, "No space left on device"),
    ("output.Writer._save", 1, "ENOSPC", 1, "No space left on device"),
    ("output.exchange", 1, "EXDEV", 2, "cannot be swapped whole"),
    ("output.exchange", 1, "EINVAL", 2, "cannot be swapped whole"),
]


@pytest.mark.parametrize(("step", "nth", "fault", "status", "says"), FAULTS, ids=[f"{f[2]} at {f[0]}" for f in FAULTS])
def test_a_system_error_while_publishing_leaves_the_old_site(basic: Path, tmp_path: Path, step, nth, fault, status, says):
    out = tmp_path / "site"
    assert build_site(basic, out, "--no-search").returncode == 0
    _edit(basic, 1)  # a warm build first: the spare then holds files the next build must link in
    assert build_site(basic, out, "--no-search").returncode == 0
    old = tree_digest(out)
    _edit(basic, 2)
    failed = _driven(step, nth, fault, basic, out, "--no-search")
    assert failed.returncode == status, (failed.returncode, failed.stderr)
    assert TRACEBACK not in failed.stderr and says in failed.stderr, failed.stderr
    assert tree_digest(out) == old, "site/ changed though the build failed"
    again = build_site(basic, out, "--no-search")
    assert again.returncode == 0, again.stderr
    assert build_site(basic, tmp_path / "clean", "--no-search").returncode == 0
    assert tree_digest(out) == tree_digest(tmp_path / "clean")


def _can_mount() -> bool:
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def test_a_disk_that_fills_while_the_search_index_is_written_says_so(basic: Path, tmp_path: Path):
    """Pagefind exits 0 with its files cut short when the disk is full: the build says "no
    space left on device" and publishes nothing. The disk is a 16 KB file system mounted where
    the index is written, in a mount namespace of the test's own (unshare)."""
    if not _can_mount():
        pytest.fail("this test needs `unshare -rm` (util-linux, and user namespaces) to mount a small file system")
    out = tmp_path / "site"
    assert build_site(basic, out).returncode == 0
    old = tree_digest(out)
    _edit(basic, 1)
    failed = _driven("search._run_pagefind", 1, "full", basic, out, wrap=("unshare", "-rm"))
    assert failed.returncode == 1, (failed.returncode, failed.stderr)
    assert "search:1: pagefind: no space left on device" in failed.stderr and TRACEBACK not in failed.stderr, failed.stderr
    assert tree_digest(out) == old
    assert build_site(basic, out).returncode == 0
