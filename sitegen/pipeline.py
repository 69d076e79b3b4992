"""The build, top to bottom: load → validate → render → write → index → swap in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .content import Page, load_content
from .data import live_claims, load_data
from .geo import published_zip_table
from .markdown import Body, analyze_body, make_markdown
from .output import discard, hashed_assets, headers, redirects, robots, sitemap, swap_in, write_staging
from .problems import Problems
from .render import Renderer, Urls
from .search import search_words
from .validate import Model, validate
from .workers import default_jobs, run_all

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Options:
    source: Path
    out: Path
    today: dt.date
    base_url: str | None = None
    drafts: bool = False
    production: bool = False
    search: bool = True
    templates: Path = TEMPLATES
    jobs: int = field(default_factory=default_jobs)


@dataclass
class Result:
    problems: Problems
    model: Model | None = None
    written: int = 0


def load_and_check(options: Options) -> Result:
    """Read and validate everything; nothing is written."""
    problems = Problems()
    data = load_data(options.source, problems)
    if options.base_url:
        data.site.base_url = options.base_url
    content = load_content(options.source, problems, options.drafts)
    # Bodies are parsed and rendered together, on every core: links resolve the same way
    # whatever the checks find, and nothing is published unless they find nothing.
    resolver = Urls(base_url=data.site.base_url, assets={}, media={name: m.output for name, m in content.media.items()})
    md, claims = make_markdown(), live_claims(data.claims, options.today)

    def analyze_all(chunk: list[tuple[str, int]]) -> list[Body]:
        return [analyze_body(md, text, line, resolver.resolve, claims) for text, line in chunk]

    def analyze(pages: list[Page]) -> list[Body]:
        return run_all(analyze_all, [(p.body, p.body_line) for p in pages], options.jobs)

    model = validate(content, data, options.today, options.drafts, options.production, problems, analyze)
    return Result(problems, model)


def render_site(model: Model, options: Options) -> tuple[dict[str, bytes], dict[str, Path], Urls]:
    """Every output file of the site but _headers: (files to write, files to copy, the URLs
    they were rendered for), by path below the root."""
    generated = {"zips.json": published_zip_table(), "search-words.json": search_words(model)}
    assets = hashed_assets(options.templates / "assets", generated)
    urls = Urls(
        base_url=model.data.site.base_url,
        assets={name: out for name, (out, _) in assets.items()},
        media={name: m.output for name, m in model.media.items()},
    )
    files = Renderer(model, urls, options.templates).outputs(options.jobs)
    html_paths = list(files)
    files.update({out: data for out, data in assets.values()})
    files["sitemap.xml"] = sitemap(model, urls, html_paths)
    files["robots.txt"] = robots(model, urls)
    files["_redirects"] = redirects(model, urls)
    copies = {m.output: m.source for m in model.media.values()}
    return files, copies, urls


def build(options: Options) -> Result:
    """Build the site into options.out, or leave it exactly as it was when anything fails."""
    result = load_and_check(options)
    if result.problems.errors:
        return result
    files, copies, urls = render_site(result.model, options)
    staging = write_staging(options.out, files, copies)
    try:
        hashed: list[str] = []
        if options.search:
            from .search import build_index

            pages = {path: data for path, data in files.items() if path.endswith(".html")}
            hashed = build_index(pages, staging / "pagefind", result.problems)
        (staging / "_headers").write_bytes(headers(urls, hashed))
        if result.problems.errors:
            discard(staging)
            return result
        swap_in(staging, options.out)
    except BaseException:
        discard(staging)
        raise
    result.written = sum(1 for path in options.out.rglob("*") if path.is_file())
    return result
