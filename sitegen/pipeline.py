"""The build, top to bottom: load → validate → render → write → index → swap in."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .cache import FOLDER, PER_PAGE, Cache, LazyCache, code_version, installed_versions
from .content import ContentChanged, Page, files_cache, front_matter_cache, load_content
from .data import Data, live_claims, load_data
from .geo import published_zip_table
from .markdown import Body, StoredBody, analyze_body, body_from_json, body_to_json, make_markdown
from .options import Options
from .output import Writer, building, hashed_assets, redirects, robots, sitemap
from .problems import Problem, Problems
from .publish import LastBuild, Prepared, publish
from .render import Renderer, Urls, code_digest, compile_templates, index_path
from .search import page_words, search_words
from .validate import Model, check_body, validate
from .workers import Apart, run_all

# The bodies' HTML is about 5 KB a page: split 64 ways, a page rendered again after an edit
# reads about 0.3 MB of it at 4,000 pages.
HTML_SHARDS = 64


@dataclass
class Result:
    problems: Problems
    model: Model | None = None
    written: int = 0
    unchanged: bool = False  # nothing the build reads had changed: nothing was done
    renderer: Renderer | None = None
    words: dict[str, str] = field(default_factory=dict)  # pages' words for search met while parsing
    changed: set[str] = field(default_factory=set)  # output files written or deleted
    html: LazyCache | None = None  # the bodies' HTML by their keys, for pages rendered again


def load_and_check(options: Options, stats: dict[str, os.stat_result] | None = None) -> Result:
    """Read and validate everything; nothing is written. stats: the page files' stats taken
    a moment ago (LastBuild.stats), which need not be taken again."""
    problems = Problems()
    data_files = _data_files(options.source)
    data = _load_data(options.source, data_files, problems)
    if options.base_url:
        data.site.base_url = options.base_url
    front_matter, files = front_matter_cache(options.source), files_cache(options.source)
    content = load_content(options.source, problems, options.drafts, front_matter, files, stats)
    front_matter.save()
    files.save()
    # Bodies are parsed and rendered together, on every core: links resolve the same way
    # whatever the checks find, and nothing is published unless they find nothing.
    media = {name: m.output for name, m in content.media.items()}
    resolver = Urls(base_url=data.site.base_url, assets={}, media=media)
    md, claims = make_markdown(), live_claims(data.claims, options.today)
    # A body's HTML depends on its text, where it starts, the base URL, the media names and
    # the claims still valid: all of them are in its cache key.
    inputs = hashlib.sha256(json.dumps([data.site.base_url, media, claims], sort_keys=True).encode()).hexdigest()

    words: dict[str, str] = {}  # a page file's hash -> its words for search, found on the way
    # A body's HTML is kept apart from what the checks need: a warm build reads the HTML of
    # only the pages it renders again (after a change to the data or the templates, all).
    html = LazyCache.in_source(options.source, "html", code_digest(), HTML_SHARDS)

    def analyze_all(chunk: list[Page]) -> list[tuple[list, str, str]]:
        bodies = [analyze_body(md, page.body, page.body_line, resolver.resolve, claims) for page in chunk]
        return [(body_to_json(body), body.html, " ".join(page_words(page))) for body, page in zip(bodies, chunk)]

    def analyze(pages: list[Page]) -> list[Body | StoredBody]:
        cache = Cache.in_source(options.source, "bodies", code_digest(), PER_PAGE)
        # by the file's hash: the body is read only for a page to analyze or render again
        keys = [hashlib.sha256(f"{inputs}\0{p.text_hash or p.body}".encode()).hexdigest() for p in pages]
        bodies = [body_from_json(value) if (value := cache.get(key)) is not None else None for key in keys]
        missing = [i for i, body in enumerate(bodies) if body is None]
        for i, (value, body_html, found) in zip(missing, run_all(analyze_all, [pages[i] for i in missing], options.jobs)):
            cache.put(keys[i], value)
            html.put(keys[i], body_html)
            bodies[i] = body_from_json(value, body_html)
            words[pages[i].text_hash] = found
        cache.save()
        html.save(set(keys))
        for body, key in zip(bodies, keys):
            body.key = key
        return bodies

    checked = Cache.in_source(options.source, "checks", code_digest(), PER_PAGE)
    facts = json.dumps([data.site.base_url, [[name, text.decode("utf-8", "replace")] for name, _, text in data_files]])
    model = validate(content, data, options.today, options.drafts, options.production, problems, analyze, checked, facts)
    return Result(problems, model, words=words, html=html)


def _data_files(source: Path) -> list[tuple[str, str, bytes]]:
    """(name, where its path leads, bytes) of every YAML file in data/, read once for the
    data cache's key and the checks' inputs."""
    return [(path.name, os.path.realpath(path), path.read_bytes()) for path in sorted((source / "data").glob("*.y*ml"))]


def _load_data(source: Path, data_files: list[tuple[str, str, bytes]], problems: Problems) -> Data:
    """load_data, or what it made of the same data files (_data_files) last time, with the
    same problems: a warm build then parses no YAML (the data files are about 25 ms of
    parsing and checks, and the parser's import). Where each path leads is in the key, for
    the check of links that leave the source folder."""
    import pickle

    from . import data as data_module
    from . import fields
    from . import source as source_module

    version = f"{code_version(data_module, fields, source_module)} {installed_versions('pyyaml', 'phonenumbers')}"
    cache = Cache.in_source(source, "data", version)
    key = hashlib.sha256(repr([os.path.realpath(source), data_files]).encode()).hexdigest()
    stored = cache.get(key)
    if stored is not None:
        pickled, found = stored
        problems.items.extend(Problem(*item) for item in found)
        return pickle.loads(pickled)
    own = Problems()
    data = load_data(source, own)
    problems.items.extend(own.items)
    cache.put(key, [pickle.dumps(data), [[p.path, p.line, p.field, p.message, p.warning] for p in own.items]])
    cache.save()
    return data


def render_site(result: Result, options: Options, writer: Writer, zips: Apart, cache: Cache) -> Renderer:
    """Every file of the site but _headers and the search index, into writer; the renderer
    (with its URLs and compiled templates) is returned for serve to use again. zips and
    cache are for _generated_data."""
    model = result.model
    generated = _generated_data(model, options.source, result.words, zips, cache)
    assets = hashed_assets(options.templates / "assets", generated)
    urls = Urls(
        base_url=model.data.site.base_url,
        assets={name: out for name, (out, _) in assets.items()},
        media={name: m.output for name, m in model.media.items()},
    )
    renderer = Renderer(model, urls, options.templates, options.source / FOLDER / "templates", result.html)
    html_paths = renderer.outputs(writer, options.jobs)
    if result.html is not None:
        result.html.save({body.key for body in model.bodies.values()})
    for out, data in assets.values():
        writer.put(out, data)
    if not (renderer.same_world and writer.keep_as_it_was("sitemap.xml")):  # it shows no body
        writer.put("sitemap.xml", sitemap(model, urls, html_paths))
    writer.put("robots.txt", robots(model, urls))
    writer.put("_redirects", redirects(model, urls))
    for m in model.media.values():
        writer.put(m.output, m.source.read_bytes())
    return renderer


def _generated_cache(source: Path) -> Cache:
    from . import geo, search

    this = sys.modules[__name__]  # what is cached is also how this module puts it together
    return Cache.in_source(source, "generated", code_version(geo, search, this))


def _zips_key() -> str:
    return hashlib.sha256(f"zips.json\0{installed_versions('zipcodes')}".encode()).hexdigest()


def _zip_table_meanwhile(options: Options, cache: Cache) -> Apart:
    """The ZIP table (0.3 s of one core), made in a child process while this one reads the
    pages, when the cache (_generated_cache) does not have it; one job (serve, which must
    not fork) makes it when it is asked for. The child first compiles the templates into
    their cache: a build without the ZIP table cached is most often a cold one."""
    cached = cache.get(_zips_key())
    if cached is not None:
        return Apart(cached.encode, fork=False)
    if options.jobs <= 1:
        return Apart(published_zip_table, fork=False)

    def templates_then_zips() -> bytes:
        compile_templates(options.templates, options.source / FOLDER / "templates")
        return published_zip_table()

    return Apart(templates_then_zips)


def _generated_data(model: Model, source: Path, words: dict[str, str], zips: Apart, cache: Cache) -> dict[str, bytes]:
    """The data files the scripts fetch, from the cache (_generated_cache) when their inputs
    are unchanged: the ZIP table depends only on the zipcodes package (zips has it), the
    word list only on the pages' files and the names in the data."""
    from . import search

    this = sys.modules[__name__]
    page_cache = Cache.in_source(source, "words", code_version(search, this), PER_PAGE)

    def words_of(page: Page) -> list[str]:
        """A page's words, kept by its file's hash: an edit reads only the edited page again."""
        if not page.text_hash:  # a page the build made up (a section without an _index.md)
            return search.page_words(page)
        stored = page_cache.get(page.text_hash)
        if stored is None:
            stored = words.get(page.text_hash) or " ".join(search.page_words(page))
            page_cache.put(page.text_hash, stored)
        return stored.split()

    catalog = json.dumps(
        [[p.url, p.text_hash] for p in model.pages]
        + [model.data.synonyms, [p.name for p in model.active_providers], [[loc.name, loc.city] for loc in model.data.locations]]
    )
    inputs = {
        "zips.json": (_zips_key(), zips.result),
        "search-words.json": (hashlib.sha256(f"search-words.json\0{catalog}".encode()).hexdigest(), lambda: search_words(model, words_of)),
    }
    files = {}
    for name, (key, make) in inputs.items():
        stored = cache.get(key)
        files[name] = stored.encode() if stored is not None else make()
        if stored is None:
            cache.put(key, files[name].decode())
    cache.save()
    if page_cache.used:  # else the word list came from the cache whole: keep the pages' words
        page_cache.save()
    return files


def prepare(options: Options, last: LastBuild | None = None) -> tuple[Result, Prepared]:
    """Read, check and render the site into a staging folder; publish.publish finishes it.
    When no file the build reads has changed since the last build and its output is as that
    build left it, nothing is done: the result repeats that build's warnings. last is
    LastBuild.of(options), where the caller has it already."""
    last = last or LastBuild.of(options)
    if last.up_to_date is not None:
        done = last.up_to_date
        return Result(done.problems, written=done.written, unchanged=True), done
    previous, inputs = last.manifest, last.inputs
    generated = _generated_cache(options.source)
    with _zip_table_meanwhile(options, generated) as zips:
        try:
            result = load_and_check(options, last.stats)
        except ContentChanged as err:
            return _changed_meanwhile(err)
        if result.problems.errors:
            return result, Prepared(result.problems)
        writer = Writer(options.out, previous)
        writer.manifest.extra["inputs"] = inputs
        writer.manifest.extra["warnings"] = [[w.path, w.line, w.field, w.message] for w in result.problems.warnings]
        try:
            result.renderer = render_site(result, options, writer, zips, generated)
        except BaseException as err:
            writer.abandon()
            if isinstance(err, ContentChanged):
                return _changed_meanwhile(err)
            raise
    return result, Prepared(result.problems, writer, result.renderer.urls.base_path)


def _changed_meanwhile(err: ContentChanged) -> tuple[Result, Prepared]:
    problems = Problems()
    problems.error(err.path, 1, "file", "changed while the build was reading it; nothing was published, so build again")
    return Result(problems), Prepared(problems)


def build(options: Options, lock=None, cancelled=None) -> Result:
    """Build the site into options.out in this process, or leave it exactly as it was when
    anything fails (the command line's build is publish.build_apart).

    For serve: the output is changed while holding lock, and not at all when cancelled()
    says by then that a newer build is due (the caller, who asked, knows)."""
    with building(options.out):
        result, prepared = prepare(options)
        if prepared.writer is not None and publish(prepared, options.search, lock, cancelled):
            result.written, result.changed = prepared.written, prepared.changed
    return result


def quick_page(result: Result, options: Options, path: Path) -> tuple[str, Problems] | None:
    """For serve: when the only change is to the body of one published page, check that body
    and render that page into the output now, from the model of the last build (result):
    (its output path, the body's problems; on errors "" and nothing is written). None when the change
    is anything else: the full build that follows is the one to show it."""
    from .content import load_page, page_location

    model, renderer = result.model, result.renderer
    try:
        rel_to_content = path.resolve().relative_to((options.source / "content").resolve())
    except ValueError:
        return None
    where = page_location(rel_to_content.as_posix())
    if model is None or renderer is None or path.suffix != ".md" or where is None:
        return None
    url = where[0]
    old = model.by_url.get(url)
    problems = Problems()
    rel = f"content/{rel_to_content.as_posix()}"
    new = load_page(path, rel, rel_to_content.as_posix(), problems)
    if old is None or new is None or problems.items or old.path != rel or new.meta != old.meta:
        return None
    body = analyze_body(renderer.md, new.body, new.body_line, renderer.urls.resolve, renderer.claims)
    before = model.bodies[url]
    model.bodies[url] = body
    check_body(new, model, problems)
    if problems.errors:
        model.bodies[url] = before
        return "", problems
    old.body, old.body_line, old.text_hash = new.body, new.body_line, new.text_hash
    out_path = index_path(url)
    target = options.out / out_path
    temp = target.with_name(f".{target.name}.quick")
    temp.write_bytes(renderer.page(old))
    os.replace(temp, target)
    return out_path, problems
