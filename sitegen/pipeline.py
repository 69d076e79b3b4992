"""The build, top to bottom: load → validate → render → write → index → swap in."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .cache import Cache, code_version
from .content import Page, front_matter_cache, load_content
from .data import live_claims, load_data
from .geo import published_zip_table
from .markdown import Body, analyze_body, body_from_json, body_to_json, make_markdown
from .output import Manifest, discard, hashed_assets, headers, redirects, robots, sitemap, swap_in, write_staging
from .problems import Problems
from .render import Renderer, Urls, code_digest
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
    front_matter = front_matter_cache(options.source)
    content = load_content(options.source, problems, options.drafts, front_matter)
    front_matter.save()
    # Bodies are parsed and rendered together, on every core: links resolve the same way
    # whatever the checks find, and nothing is published unless they find nothing.
    media = {name: m.output for name, m in content.media.items()}
    resolver = Urls(base_url=data.site.base_url, assets={}, media=media)
    md, claims = make_markdown(), live_claims(data.claims, options.today)
    # A body's HTML depends on its text, where it starts, the base URL, the media names and
    # the claims still valid: all of them are in its cache key.
    inputs = hashlib.sha256(json.dumps([data.site.base_url, media, claims], sort_keys=True).encode()).hexdigest()

    def analyze_all(chunk: list[tuple[str, int]]) -> list[list]:
        return [body_to_json(analyze_body(md, text, line, resolver.resolve, claims)) for text, line in chunk]

    def analyze(pages: list[Page]) -> list[Body]:
        cache = Cache.in_source(options.source, "bodies", code_digest())
        keys = [hashlib.sha256(f"{inputs}\0{p.body_line}\0{p.body}".encode()).hexdigest() for p in pages]
        found = [cache.get(key) for key in keys]
        missing = [i for i, value in enumerate(found) if value is None]
        for i, value in zip(missing, run_all(analyze_all, [(pages[i].body, pages[i].body_line) for i in missing], options.jobs)):
            cache.put(keys[i], value)
            found[i] = value
        cache.save()
        return [body_from_json(value) for value in found]

    model = validate(content, data, options.today, options.drafts, options.production, problems, analyze)
    return Result(problems, model)


def render_site(model: Model, options: Options, previous: Manifest | None = None):
    """Every output file of the site but _headers: (files, the URLs they were rendered for,
    each rendered page's key), by path below the root. A page whose
    inputs are those of the file `previous` says is in the output maps to None: keep it."""
    generated = _generated_data(model, options.source)
    assets = hashed_assets(options.templates / "assets", generated)
    urls = Urls(
        base_url=model.data.site.base_url,
        assets={name: out for name, (out, _) in assets.items()},
        media={name: m.output for name, m in model.media.items()},
    )
    unchanged = None
    if previous is not None:

        def unchanged(path: str, key: str) -> bool:
            entry = previous.intact(options.out, path)
            return entry is not None and entry[3] == key

    files, keys = Renderer(model, urls, options.templates).outputs(options.jobs, unchanged)
    html_paths = list(files)
    files.update({out: data for out, data in assets.values()})
    files["sitemap.xml"] = sitemap(model, urls, html_paths)
    files["robots.txt"] = robots(model, urls)
    files["_redirects"] = redirects(model, urls)
    files.update({m.output: m.source.read_bytes() for m in model.media.values()})
    return files, urls, keys


def _generated_data(model: Model, source: Path) -> dict[str, bytes]:
    """The data files the scripts fetch, from the cache when their inputs are unchanged: the
    ZIP table depends only on the zipcodes package, the word list only on the pages' files
    and the names in the data."""
    from importlib.metadata import version

    from . import geo, search

    cache = Cache.in_source(source, "generated", code_version(geo, search))
    inputs = {
        "zips.json": ("zipcodes " + version("zipcodes"), published_zip_table),
        "search-words.json": (
            json.dumps(
                [[p.url, p.text_hash] for p in model.pages]
                + [model.data.synonyms, [p.name for p in model.active_providers], [[loc.name, loc.city] for loc in model.data.locations]]
            ),
            lambda: search_words(model),
        ),
    }
    files = {}
    for name, (key, make) in inputs.items():
        key = hashlib.sha256(f"{name}\0{key}".encode()).hexdigest()
        stored = cache.get(key)
        files[name] = stored.encode() if stored is not None else make()
        if stored is None:
            cache.put(key, files[name].decode())
    cache.save()
    return files


def build(options: Options) -> Result:
    """Build the site into options.out, or leave it exactly as it was when anything fails."""
    result = load_and_check(options)
    if result.problems.errors:
        return result
    previous = Manifest.load(options.out)
    files, urls, keys = render_site(result.model, options, previous)
    staging, manifest = write_staging(options.out, files, previous, keys)
    try:
        hashed: list[str] = []
        if options.search:
            hashed = _search_index(files, staging, previous, manifest, options.out, result.problems)
        manifest.place(staging, options.out, previous, "_headers", headers(urls, hashed))
        if result.problems.errors:
            discard(staging)
            return result
        swap_in(staging, options.out)
        manifest.save(options.out)
    except BaseException:
        discard(staging)
        raise
    result.written = len(manifest.entries)
    return result


def _search_index(files, staging: Path, previous: Manifest, manifest: Manifest, out: Path, problems: Problems) -> list[str]:
    """Build the search index into staging, or, when every indexed page is byte for byte what
    the last build indexed, link the last build's index instead of building it again."""
    from .search import build_index

    html = sorted(path for path in files if path.endswith(".html"))
    digest = hashlib.sha256(json.dumps([[path, manifest.entries[path][0]] for path in html]).encode()).hexdigest()
    old = previous.extra.get("index", {})
    if old.get("pages") == digest and all(previous.intact(out, path) for path in old.get("files", [])):
        for path in old["files"]:
            manifest.place(staging, out, previous, path, None)
        hashed = old["hashed"]
    else:
        pages = {path: files[path] if files[path] is not None else (staging / path).read_bytes() for path in html}
        built = staging.parent / f"{staging.name}-index"
        hashed = build_index(pages, built / "pagefind", problems)
        for path in sorted((built / "pagefind").rglob("*")):
            if path.is_file():
                manifest.place(staging, out, previous, path.relative_to(built).as_posix(), path.read_bytes())
        shutil.rmtree(built, ignore_errors=True)
    index_files = sorted(p for p in manifest.entries if p.startswith("pagefind/"))
    manifest.extra["index"] = {"pages": digest, "files": index_files, "hashed": hashed}
    return hashed
