"""`serve`: build, serve on 127.0.0.1, rebuild when content/, data/ or templates/ change, and
reload the open page. The reload script is added to responses here, never to built files."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import replace
from html import escape
from pathlib import Path

from .inputs import file_stats, source_folders
from .pipeline import Options, Result, build, quick_page

RELOAD_PATH = "/__serve/reload.js"
EVENTS_PATH = "/__serve/events"
RELOAD_SCRIPT = b"""(function () {
  var source = new EventSource("/__serve/events");
  source.addEventListener("reload", function (event) {
    // The event names the pages that changed ("*": every page); others stay as they are.
    var pages = JSON.parse(event.data).pages;
    var here = window.location.pathname.replace(/index\\.html$/, "");
    if (pages.indexOf("*") >= 0 || pages.indexOf(here) >= 0) window.location.reload();
  });
})();
"""

# Files whose change no open page needs to reload for: the search index and the data the
# scripts fetch when asked (a new word list also renames it in the search page, which does).
# The host names a page may be asked for by: another name (evil.example, made to lead here
# by DNS rebinding) would let a page of that site read this one.
HOSTS = ("127.0.0.1", "localhost", "[::1]")
LONGEST_PATH = 2048  # characters; a longer address is answered 414
IDLE_SECONDS = 10  # a connection that sends nothing this long is closed

QUIET = ("pagefind/", "assets/search-words.", "assets/zips.", "_headers", "_redirects", "sitemap.xml", "robots.txt")


class State:
    """What the server shows (the generation of the output and the problems of the last
    build, if any) and what the watcher and the builder share."""

    def __init__(self) -> None:
        self.generation = 0
        self.problems = ""
        self.pages: list[str] = ["*"]  # what the last generation changed
        self.changed = threading.Condition()
        self.lock = threading.Lock()  # held while the output or `result` changes
        self.result: Result | None = None  # the last good build, for quick pages
        self.quick: dict[str, bytes] = {}  # pages written quickly since that build, with their bytes
        self.dirty = threading.Event()  # a full build is due

    def publish(self, problems: str, pages: list[str]) -> None:
        with self.changed:
            self.generation += 1
            self.problems = problems
            self.pages = pages
            self.changed.notify_all()


def serve(options: Options, port: int) -> int:
    """Serve until interrupted. Content errors are shown and the server keeps running.

    An edit to one page's body is checked and that page rendered at once, from the model of
    the last build, and the browser showing it reloads; the full build (search index
    included) follows on its own thread and reloads only the pages it changes further."""
    from watchfiles import watch

    signal.signal(signal.SIGTERM, _stop)
    work = Path(tempfile.mkdtemp(prefix="spine-serve-"))
    out = work / "site"
    options = replace(options, out=out)
    state = State()
    _full_build(options, state)
    handler = functools.partial(_Handler, directory=str(out), state=state)
    server = _Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=_builder, args=(options, state), daemon=True).start()
    print(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop). Watching content/, data/ and templates/.")
    folders = [str(p) for p in source_folders(options) if p.is_dir()]
    try:
        for changes in watch(*folders, debounce=10, step=5):
            paths = sorted({Path(path) for _, path in changes})
            print(f"Changed: {', '.join(sorted({p.name for p in paths}))}; rebuilding.", flush=True)
            # An editor's save may pass through a temporary file (written, then renamed over
            # the page): what counts is the one page that is there now.
            saved = [p for p in paths if p.is_file() and not p.name.startswith((".", "~")) and not p.name.endswith(("~", ".tmp", ".swp"))]
            state.dirty.set()
            if len(saved) == 1:
                _quick(options, state, saved[0])
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def _quick(options: Options, state: State, path: Path) -> None:
    with state.lock:
        quick = quick_page(state.result, options, path) if state.result is not None else None
        if quick is None:
            return
        written, problems = quick
        if written:
            state.quick[written] = (options.out / written).read_bytes()
    report = problems.report() if problems.items else ""
    if report:
        print(report, file=sys.stderr)
    state.publish(report, [_page_url(written)] if written else ["*"])
    if written:
        print(f"Updated {_page_url(written)}; the full build follows.", flush=True)


def _builder(options: Options, state: State) -> None:
    while True:
        state.dirty.wait()
        state.dirty.clear()
        _full_build(options, state)


def _full_build(options: Options, state: State) -> None:
    # Files take their times from the kernel's coarse clock, which lags behind this one.
    started = time.time_ns() - 50_000_000
    began = time.perf_counter()

    def cancelled() -> bool:
        """Newer edits came in while the build ran (it may have read a file half-saved, before
        the watcher even heard of it): the next build shows them."""
        if not state.dirty.is_set() and _edited_since(options, started):
            state.dirty.set()
        return state.dirty.is_set()

    try:
        result = build(options, state.lock, cancelled=cancelled)
    except Exception as err:  # keep serving the last good build whatever happens
        print(f"The build failed: {err!r}", file=sys.stderr)
        return
    if cancelled():
        return
    report = result.problems.report() if result.problems.items else ""
    if report:
        print(report, file=sys.stderr)
    if result.problems.errors:
        print("The last good build is still being served.", file=sys.stderr)
        state.publish(report, ["*"])
        return
    with state.lock:
        if result.model is not None:
            state.result = result
        quick, state.quick = state.quick, {}
    # A page written quickly reloads again only if the full build made it differently.
    same = {path for path, data in quick.items() if _read(options.out / path) == data}
    pages = sorted({_page_url(path) for path in result.changed - same if not path.startswith(QUIET)})
    if report != state.problems:
        pages = ["*"]
    if pages or state.generation == 0:
        state.publish(report, pages or ["*"])
    what = "search index included" if options.search else "no search index"
    print(f"Rebuilt: {len(result.changed)} files changed in {time.perf_counter() - began:.2f}s ({what}).", flush=True)


def _edited_since(options: Options, started: int) -> bool:
    return any(stat is None or stat.st_mtime_ns >= started for folder in source_folders(options) for _, stat in file_stats(folder))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _host_name(host: str) -> str:
    """The name of a Host header without its port: "localhost:8000" is localhost, "[::1]:8000"
    is [::1]."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if ":" in host else host


def _page_url(path: str) -> str:
    """The address a changed output file is seen at; "*" for a file every page uses."""
    if path.endswith("index.html"):
        return "/" + path.removesuffix("index.html")
    return "/" + path if path.endswith(".html") else "*"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """One line, not a traceback: a browser that leaves before its answer is sent (a
        closed tab, a reload) is no error of ours, and anything else must not stop serving."""
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return
        print(f"serve: a request failed: {error!r}", file=sys.stderr)


class _Handler(http.server.SimpleHTTPRequestHandler):
    timeout = IDLE_SECONDS

    def __init__(self, *args, state: State, **kwargs) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # a line for every file a page loads would bury the build's messages

    def log_error(self, format, *args) -> None:  # noqa: A002 - the base class's name
        what = f"{self.command} {self.path[:80]}" if getattr(self, "command", None) else "a request"
        print(f"serve: {what}: {format % args}", file=sys.stderr)

    def parse_request(self) -> bool:
        """The request line and headers, refused where the address is too long or the host
        is not this machine."""
        if not super().parse_request():
            return False
        if len(self.path) > LONGEST_PATH:
            self.send_error(414, f"the address is longer than {LONGEST_PATH} characters")
            return False
        host = self.headers.get("Host")
        if host is not None and _host_name(host) not in HOSTS:
            self.send_error(421, "this server answers only to 127.0.0.1, localhost and [::1]")
            return False
        return True

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == RELOAD_PATH:
            return self._send(200, "text/javascript", RELOAD_SCRIPT)
        if path == EVENTS_PATH:
            return self._events()
        target = Path(self.translate_path(path))
        try:
            if target.is_dir() and path.endswith("/"):
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file():
                return self._send(200, "text/html; charset=utf-8", self._decorate(target.read_bytes()))
            found = target.exists()
        except OSError:  # a name too long for the file system, say: no such page
            found = False
        if not found:
            missing = Path(self.directory) / "404.html"
            if missing.is_file():
                return self._send(404, "text/html; charset=utf-8", self._decorate(missing.read_bytes()))
            return self.send_error(404)
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
                    data = json.dumps({"generation": seen, "pages": self.state.pages})
                    self.wfile.write(f"event: reload\ndata: {data}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
