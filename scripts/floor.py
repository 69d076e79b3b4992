"""The least a build with markdown-it-py can do: the bench's floor.

Reads every page below SOURCE/content, parses its YAML front matter (PyYAML's C loader) and
renders its Markdown with markdown-it-py (CommonMark, raw HTML off, as PRODUCT.md fixes), and
writes each into the peers' minimal layout under OUT, on every core. No checks, no templates,
no lists of pages, no cache, no search data: what is left is the cost of the parser the
contract names, spread as evenly as it can be. `make bench` times it beside Hugo and Eleventy,
so the distance between our build and Hugo's can be split into what the parser costs and
what our build adds.

    .venv/bin/python scripts/floor.py SOURCE OUT
"""

from __future__ import annotations

import html
import multiprocessing
import os
import sys
from pathlib import Path

LAYOUT = "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body><main>{content}</main></body></html>\n"


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    content = source / "content"
    pages = sorted(str(path.relative_to(content)) for path in content.rglob("*.md"))
    jobs = len(os.sched_getaffinity(0))
    # Small chunks, handed out as workers finish: no worker is left alone with a long tail.
    chunks = [pages[start : start + 25] for start in range(0, len(pages), 25)]
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_start, initargs=(content, out)) as pool:
        written = sum(pool.imap_unordered(_build, chunks))
    print(f"{written} pages", file=sys.stderr)


def _start(content: Path, out: Path) -> None:
    import yaml
    from markdown_it import MarkdownIt

    global CONTENT, OUT, MD, LOADER
    CONTENT, OUT = content, out
    MD = MarkdownIt("commonmark", {"html": False})
    LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _build(chunk: list[str]) -> int:
    import yaml

    for rel in chunk:
        text = (CONTENT / rel).read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2) if text.startswith("---\n") else ("", "", text)
        meta = yaml.load(front, Loader=LOADER) or {}
        stem = rel[: -len(".md")]
        folder = OUT / (stem[: -len("_index")] if stem.endswith("_index") else stem)
        folder.mkdir(parents=True, exist_ok=True)
        page = LAYOUT.format(title=html.escape(str(meta.get("title", ""))), content=MD.render(body))
        (folder / "index.html").write_text(page, encoding="utf-8")
    return len(chunk)


if __name__ == "__main__":
    main()
