"""`serve`: build, serve on 127.0.0.1, rebuild when content/, data/ or templates/ change, and
reload the open page. The reload script is added to responses here, never to built files."""

from __future__ import annotations

import functools
import http.server
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import replace
from html import escape
from pathlib import Path

from .pipeline import Options, build

RELOAD_PATH = "/__serve/reload.js"
EVENTS_PATH = "/__serve/events"
RELOAD_SCRIPT = b"""(function () {
  var source = new EventSource("/__serve/events");
  source.addEventListener("reload", function () { window.location.reload(); });
})();
"""


class State:
    """What the server shows: the generation of the last build and its problems, if any."""

    def __init__(self) -> None:
        self.generation = 0
        self.problems = ""
        self.changed = threading.Condition()

    def publish(self, problems: str) -> None:
        with self.changed:
            self.generation += 1
            self.problems = problems
            self.changed.notify_all()


def serve(options: Options, port: int) -> int:
    """Serve until interrupted. Content errors are shown and the server keeps running."""
    from watchfiles import watch

    signal.signal(signal.SIGTERM, _stop)
    work = Path(tempfile.mkdtemp(prefix="spine-serve-"))
    out = work / "site"
    options = replace(options, out=out)
    state = State()
    _rebuild(options, state)
    handler = functools.partial(_Handler, directory=str(out), state=state)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop). Watching content/, data/ and templates/.")
    folders = [str(p) for p in (options.source / "content", options.source / "data", options.templates) if p.is_dir()]
    try:
        for changes in watch(*folders, debounce=50, step=20):
            names = sorted({Path(path).name for _, path in changes})
            print(f"Changed: {', '.join(names)}; rebuilding.")
            _rebuild(options, state)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def _rebuild(options: Options, state: State) -> None:
    result = build(options)
    report = result.problems.report() if result.problems.items else ""
    if report:
        print(report, file=sys.stderr)
    if result.problems.errors:
        print("The last good build is still being served.", file=sys.stderr)
        state.publish(report)
    else:
        print(f"Rebuilt {result.written} files.")
        state.publish("")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, state: State, **kwargs) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == RELOAD_PATH:
            return self._send(200, "text/javascript", RELOAD_SCRIPT)
        if path == EVENTS_PATH:
            return self._events()
        target = Path(self.translate_path(path))
        if target.is_dir() and path.endswith("/"):
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            return self._send(200, "text/html; charset=utf-8", self._decorate(target.read_bytes()))
        if not target.exists():
            missing = Path(self.directory) / "404.html"
            if missing.is_file():
                return self._send(404, "text/html; charset=utf-8", self._decorate(missing.read_bytes()))
        return super().do_GET()

    def _decorate(self, html: bytes) -> bytes:
        extra = f'<script src="{RELOAD_PATH}"></script>'
        if self.state.problems:
            extra += (
                '<div role="alert" style="position:fixed;inset:auto 0 0 0;max-height:50vh;overflow:auto;'
                'background:#fff;color:#000;border-top:4px solid #b00;padding:1rem;z-index:99">'
                "<strong>The site has content errors; this is the last good build.</strong>"
                f'<pre style="white-space:pre-wrap">{escape(self.state.problems)}</pre></div>'
            )
        return html.replace(b"</body>", extra.encode() + b"</body>", 1)

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.state.generation
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while True:
                with self.state.changed:
                    self.state.changed.wait_for(lambda last=seen: self.state.generation != last, timeout=15)
                if self.state.generation != seen:
                    seen = self.state.generation
                    self.wfile.write(b"event: reload\ndata: %d\n\n" % seen)
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
