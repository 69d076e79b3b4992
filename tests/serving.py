"""A local static server for built sites that applies the site's own _headers rules (as a CDN
would, `! Name` detaching a header), serves 404.html for unknown paths, and mounts the site
at its base path."""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from fnmatch import fnmatchcase
from pathlib import Path


def parse_headers(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """_headers → [(pattern, [(name, value), or (name, None) to detach])]."""
    rules: list[tuple[str, list]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif line.strip().startswith("!"):
            rules[-1][1].append((line.strip()[1:].strip(), None))
        else:
            name, _, value = line.strip().partition(":")
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(rules, path: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for pattern, entries in rules:
        if fnmatchcase(path, pattern):
            for name, value in entries:
                if value is None:
                    result.pop(name, None)
                elif name in result:
                    result[name] += ", " + value
                else:
                    result[name] = value
    return result


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, site: Path, base: str, rules, **kwargs):
        self.site, self.base, self.rules = site, base, rules
        super().__init__(*args, directory=str(site), **kwargs)

    def log_message(self, format, *args):  # noqa: A002
        pass

    def translate_path(self, path: str) -> str:
        clean = path.split("?")[0].split("#")[0]
        if clean.startswith(self.base):
            clean = "/" + clean[len(self.base) :]
        else:
            clean = "/__outside_base__"
        return super().translate_path(clean)

    def send_head(self):
        target = Path(self.translate_path(self.path))
        if target.is_dir() and not self.path.split("?")[0].endswith("/"):
            target = target / "__missing__"
        if not (target.is_file() or (target / "index.html").is_file()):
            body = (self.site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()

    def end_headers(self):
        for name, value in headers_for(self.rules, self.path.split("?")[0]).items():
            self.send_header(name, value)
        super().end_headers()

    def guess_type(self, path):
        if str(path).endswith(".wasm"):
            return "application/wasm"
        return super().guess_type(path)


@contextmanager
def serve_site(site: Path, base: str = "/"):
    """Serve site at http://127.0.0.1:PORT{base}; yields the origin plus base."""
    rules = parse_headers((site / "_headers").read_text())
    handler = functools.partial(_Handler, site=site, base=base, rules=rules)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base}"
    finally:
        server.shutdown()
        server.server_close()
