"""`serve`: the real command, a real HTTP client, and an edit on disk."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, TODAY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read().decode()


def _wait_until(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_serve_rebuilds_reloads_and_survives_errors(basic: Path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--source", str(basic), "--port", str(port), "--today", TODAY, "--no-search"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, html = _wait_until(lambda: _get(port, "/tumors/chordoma/"))
        assert status == 200 and '<script src="/__serve/reload.js"></script></body>' in html
        events = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        events.request("GET", "/__serve/events")
        stream = events.getresponse()
        assert stream.getheader("Content-Type") == "text/event-stream"
        assert stream.fp.readline() == b": connected\n"

        page = basic / "content/tumors/chordoma.md"
        page.write_text(page.read_text().replace("Chordoma is a rare cancer.", "Chordoma is an uncommon cancer."))
        line = b""
        while not line.startswith(b"event: reload"):
            line = stream.fp.readline()
        assert "Chordoma is an uncommon cancer." in _get(port, "/tumors/chordoma/")[1]

        page.write_text(page.read_text().replace("reviewed_by: dr-sample-abbott", "reviewed_by: dr-nobody"))
        line = b""
        while not line.startswith(b"event: reload"):
            line = stream.fp.readline()
        status, html = _get(port, "/tumors/chordoma/")
        assert status == 200 and "Chordoma is an uncommon cancer." in html, "the last good build is still served"
        assert 'role="alert"' in html and "content/tumors/chordoma.md:10: reviewed_by: no provider" in html
        assert _get(port, "/no/such/page/")[0] == 404
        assert server.poll() is None, "the server keeps running"
        events.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "content/tumors/chordoma.md:10: reviewed_by:" in output
    assert "Traceback" not in output


class _Server:
    """build.py serve on a free port, with its event stream open."""

    def __init__(self, source: Path, *extra: str) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--source", str(source), "--port", str(self.port), "--today", TODAY, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _wait_until(lambda: _get(self.port, "/"))
        self.events = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.events.request("GET", "/__serve/events")
        self.stream = self.events.getresponse()
        assert self.stream.fp.readline() == b": connected\n"

    def next_reload(self) -> dict:
        """The data of the next reload event."""
        line = b""
        while not line.startswith(b"event: reload"):
            line = self.stream.fp.readline()
        return json.loads(self.stream.fp.readline().decode().removeprefix("data: "))

    def stop(self) -> str:
        self.events.close()
        self.process.terminate()
        return self.process.communicate(timeout=10)[0]


def _save(page: Path, old: str, new: str) -> None:
    """Save as most editors do: write a temporary file, then rename it over the page."""
    temp = page.with_name(f".{page.name}.tmp")
    temp.write_text(page.read_text().replace(old, new))
    os.replace(temp, page)


def test_a_body_edit_reloads_that_page_alone_and_a_broken_one_is_shown_not_published(basic: Path):
    server = _Server(basic, "--no-search")
    try:
        page = basic / "content/tumors/chordoma.md"
        _save(page, "Chordoma is a rare cancer.", "Chordoma is an uncommon cancer.")
        event = server.next_reload()
        assert event["pages"] == ["/tumors/chordoma/"], "the edited page first, on its own"
        assert "Chordoma is an uncommon cancer." in _get(server.port, "/tumors/chordoma/")[1]

        _save(page, "[MRI](/tests/mri/)", "[MRI](/tests/no-such-test/)")
        event = server.next_reload()
        assert event["pages"] == ["*"], "a problem is shown on every page"
        status, html = _get(server.port, "/tumors/chordoma/")
        assert "content/tumors/chordoma.md:" in html and "no page at /tests/no-such-test/" in html
        assert '/tests/mri/"' in html, "the page itself is still the last good one"
    finally:
        output = server.stop()
    assert "Traceback" not in output


@pytest.mark.browser
def test_in_the_browser_only_the_page_edited_reloads(basic: Path, browser):
    from playwright.sync_api import expect

    server = _Server(basic)  # with the search index, which catches up after the reload
    try:
        context = browser.new_context()
        edited, other = context.new_page(), context.new_page()
        # (a page with no translation: an edit of one with a translation also warns that the
        # translation is now out of date, which every open page shows: they all reload)
        edited.goto(f"http://127.0.0.1:{server.port}/tumors/schwannoma/")
        other.goto(f"http://127.0.0.1:{server.port}/tests/mri/")
        for tab in (edited, other):
            tab.evaluate("window.notReloaded = true")
        _save(basic / "content/tumors/schwannoma.md", "A schwannoma is not cancer.", "A schwannoma is not a malignancy.")
        expect(edited.locator("main")).to_contain_text("A schwannoma is not a malignancy.")
        assert edited.evaluate("window.notReloaded === undefined")
        server.next_reload()  # the quick page
        server.next_reload()  # the full build: the search page names the new word list
        assert other.evaluate("window.notReloaded === true"), "a page that did not change is left alone"
        context.close()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("rel", "old", "new", "written"),
    [
        ("content/tests/mri.md", "An MRI uses a strong magnet.", "An MRI uses a strong magnet and radio waves.", "tests/mri/index.html"),
        # a translation, made in its language: its words, links and claims are Spanish
        ("content/es/_index.md", "Tratamos tumores", "Tratamos muchos tumores", "es/index.html"),
    ],
    ids=["English", "Spanish"],
)
def test_a_page_rendered_quickly_is_the_page_a_full_build_makes(basic: Path, tmp_path: Path, rel, old, new, written):
    import datetime as dt

    from sitegen.pipeline import Options, build, quick_page

    options = Options(source=basic, out=tmp_path / "served", today=dt.date.fromisoformat(TODAY), search=False, jobs=1)
    result = build(options)
    assert not result.problems.errors
    page = basic / rel
    page.write_text(page.read_text().replace(old, new))
    done, problems = quick_page(result, options, page)
    assert done == written and not problems.items
    full = build(Options(source=basic, out=tmp_path / "full", today=options.today, search=False, jobs=1))
    assert not full.problems.errors
    assert (tmp_path / "served" / written).read_bytes() == (tmp_path / "full" / written).read_bytes()

    front = basic / "content/tests/biopsy.md"
    front.write_text(front.read_text().replace("title: Needle biopsy", "title: Core needle biopsy"))
    assert quick_page(full, options, front) is None, "a front matter edit waits for the full build"


def _raw(port: int, request: bytes) -> bytes:
    """Send request as it is and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_serve_refuses_other_hosts_long_addresses_and_idle_connections_without_a_traceback(basic: Path):
    """Issue 17: DNS rebinding (a Host that is not this machine), an 8 KB address, a client
    that leaves before its answer and one that never sends a request: each gets one line at
    most, and the server goes on answering."""
    server = _Server(basic, "--no-search")
    try:
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example"):
            answer = _raw(server.port, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            assert answer.startswith(b"HTTP/1.0 421 "), (host, answer[:80])
        for host in ("127.0.0.1", f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"[::1]:{server.port}"):
            answer = _raw(server.port, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            assert answer.startswith(b"HTTP/1.0 200 "), (host, answer[:80])
        answer = _raw(server.port, b"GET /" + b"a" * 8192 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer.startswith(b"HTTP/1.0 414 "), answer[:80]
        answer = _raw(server.port, b"GET /tumors/" + b"a" * 1500 + b"/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer.startswith(b"HTTP/1.0 404 "), answer[:80]  # a name too long for the disk: no such page
        for _ in range(20):  # leave before the answer is read
            with socket.create_connection(("127.0.0.1", server.port)) as connection:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                connection.sendall(b"GET /tumors/chordoma/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as idle:
            assert idle.recv(1) == b"", "an idle connection is closed"
        assert time.monotonic() - started < 25
        assert _get(server.port, "/tumors/chordoma/")[0] == 200
    finally:
        output = server.stop()
    assert "Traceback" not in output, output
    assert output.count("serve: ") <= 8, output
