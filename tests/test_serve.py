"""`serve`: the real command, a real HTTP client, and an edit on disk."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path

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
