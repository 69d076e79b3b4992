"""A build, top to bottom. Each step is a module; this one puts them in order.

    fingerprint   publish.LastBuild      nothing the build reads changed: stop here
    prepare       (below)
      load        content.py, data.py    read every file and check each on its own
      validate    validate.py            the rules across files, and the Model
      render      incremental.py         make what changed (render.py makes each output)
      stage       output.Writer          into a folder beside the output
    index         publish.py, search.py  Pagefind over the pages, when any changed
    publish       publish.py, output.py  move what changed into the output

`build` runs every step in this process (serve). The command line's build (apart.py) runs
`prepare` in a child process that exits once the pages are staged, so that Pagefind runs beside
a small coordinating process instead of beside the whole model. Results worth keeping between
runs go through one store (store.py)."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .content import ContentChanged, Page, load_content, load_page, page_location
from .data import Data, data_from_plain, data_to_plain, live_claims, load_data
from .geo import published_zip_table
from .i18n import IN_ENGLISH, catalogue_path, translations
from .i18n import missing as missing_translations
from .incremental import make_outputs
from .kinds import ENGLISH
from .markdown import Body, StoredBody, analyze_body, body_from_json, body_to_json, make_markdown
from .options import Options
from .output import Writer, building, hashed_assets, hsts, ready_spare
from .problems import Problem, Problems
from .publish import LastBuild, Prepared, publish
from .render import Renderer, Urls, claims_in, compile_templates, index_path
from .search import data_words, page_words, word_list, word_list_name
from .source import read_plain
from .store import Store, key
from .validate import Model, addresses_in, check_body, validate
from .workers import Apart, run_all

# The store's tables: what the checks need of each body (its links and headings), the data
# files as load_data read them, each page's words for search, and the files the scripts fetch.
BODIES, DATA, WORDS, GENERATED = "bodies", "data", "words", "generated"


@dataclass
class Result:
    problems: Problems
    model: Model | None = None
    written: int = 0
    unchanged: bool = False  # nothing the build reads had changed: nothing was done
    renderer: Renderer | None = None
    words: dict[str, str] = field(default_factory=dict)  # pages' words for search met while parsing
    changed: set[str] = field(default_factory=set)  # output files written or deleted
    store: Store | None = None


# -- The whole build ----------------------------------------------------------------------------


def build(options: Options, lock=None, cancelled=None) -> Result:
    """Build the site into options.out in this process, or leave it exactly as it was when
    anything fails (the command line's build is build_apart).

    For serve: the output is changed while holding lock, and not at all when cancelled()
    says by then that a newer build is due (the caller, who asked, knows)."""
    with building(options.out):
        result, prepared = prepare(options)
        if prepared.writer is not None and publish(prepared, options.search, lock, cancelled):
            result.written, result.changed = prepared.written, prepared.changed
    return result


def prepare(options: Options, last: LastBuild | None = None) -> tuple[Result, Prepared]:
    """Read, check and render the site into a staging folder; publish.finish completes it.
    When no file the build reads has changed since the last build and its output is as that
    build left it, nothing is done: the result repeats that build's warnings. last is
    LastBuild.of(options), where the caller has it already."""
    last = last or LastBuild.of(options)
    if last.up_to_date is not None:
        done = last.up_to_date
        return Result(done.problems, written=done.written, unchanged=True), done
    store = Store(options.source)
    with _zip_table_meanwhile(options, store) as zips, contextlib.ExitStack() as beside:
        # The spare tree is made ready while the site is read and checked.
        spare = ready_spare(options.out, last.manifest, lambda make: beside.enter_context(Apart(make, options.jobs > 1)).result)
        try:
            result = load_and_check(options, last.stats, store)
        except ContentChanged as err:
            return _changed_meanwhile(err)
        if result.problems.errors:
            store.save()
            return result, Prepared(result.problems)
        writer = Writer(options.out, last.manifest, spare)
        writer.manifest.extra["inputs"] = last.inputs
        writer.manifest.extra["warnings"] = [[w.path, w.line, w.field, w.message] for w in result.problems.warnings]
        writer.manifest.extra["drafts"] = result.problems.drafts
        try:
            result.renderer = render_site(result, options, writer, zips, store)
        except BaseException as err:
            writer.abandon()
            if isinstance(err, ContentChanged):
                return _changed_meanwhile(err)
            raise
    store.save()
    site, base_path = result.model.data.site, result.renderer.urls.base_path
    transport = hsts(base_path, site.hsts_under_sub_path, site.hsts_include_subdomains)
    return result, Prepared(result.problems, writer, base_path, transport)


def _changed_meanwhile(err: ContentChanged) -> tuple[Result, Prepared]:
    problems = Problems()
    problems.error(err.path, 1, "file", "changed while the build was reading it; nothing was published, so build again")
    return Result(problems), Prepared(problems)


# -- Load and validate ----------------------------------------------------------------------------


def load_and_check(options: Options, stats: dict[str, os.stat_result] | None = None, store: Store | None = None) -> Result:
    """Read and validate everything; nothing is written but the store. stats: the page
    files' stats taken a moment ago (LastBuild.stats), which need not be taken again."""
    problems = Problems()
    own_store = store is None
    store = store or Store(options.source)
    data_files = _data_files(options.source)
    data = _load_data(options.source, data_files, problems, store)
    if options.base_url:
        data.site.base_url = options.base_url
    content = load_content(options.source, problems, options.drafts, store, stats, options.jobs)
    # Bodies are parsed and rendered together, on every core: links resolve the same way
    # whatever the checks find, and nothing is published unless they find nothing.
    media = {name: m.output for name, m in content.media.items()}
    resolver = Urls(base_url=data.site.base_url, assets={}, media=media)
    claims = live_claims(data.claims, options.today)
    # A body's HTML depends on its text, where it starts, the base URL, the media names and
    # the claims still valid: all of them are in its key.
    inputs = key(json.dumps([data.site.base_url, media, claims], sort_keys=True))
    words: dict[str, str] = {}  # a page file's hash -> its words for search, found on the way

    # A translation's body is made in its language: its links lead to the pages in it where
    # there are some, and the words the body's HTML adds (a claim's source line) are its
    # catalogue's. Which pages there are, and the catalogue, are in its key (way_for).
    ways_of: dict[str, tuple[Callable, Callable, str]] = {}

    def way_for(page: Page, pages: list[Page]) -> tuple[Callable, Callable, dict, str]:
        """(resolve, gettext, claims, key) of a page's body: a translation's claims are in
        its language (claims.yaml's es: {text: ...})."""
        language = page.language
        if language is ENGLISH:
            return resolver.resolve, str, claims, inputs
        if language.code not in ways_of:
            available = addresses_in(language, pages, data)
            catalogue = catalogue_path(options.locales, language.code)
            words = translations(options.locales, language.code).gettext
            digest = key(catalogue.read_bytes()) if catalogue.is_file() else "none"
            shown = claims_in(claims, data.claims, language.code)
            ways_of[language.code] = (
                resolver.resolver_in(language, available, words(IN_ENGLISH)),
                words,
                shown,
                key(inputs, language.code, digest, json.dumps(shown, sort_keys=True), *sorted(available)),
            )
        return ways_of[language.code]

    def analyze_all(chunk: list[tuple[Page, tuple]]) -> list[tuple[list, str, str]]:
        md = make_markdown()
        bodies = [analyze_body(md, page.body, page.body_line, way[0], way[2], way[1]) for page, way in chunk]
        return [(body_to_json(body), body.html, " ".join(page_words(page))) for body, (page, _) in zip(bodies, chunk)]

    def analyze(pages: list[Page]) -> list[Body | StoredBody]:
        # by the file's hash: the body is read only for a page to analyze or render again
        ways = [way_for(p, pages) for p in pages]
        keys = [key(way[3], p.text_hash or p.body) for p, way in zip(pages, ways)]
        fresh_html: dict[int, str] = {}

        def compute(missing: list[int]) -> list:
            results = run_all(analyze_all, [(pages[i], ways[i]) for i in missing], options.jobs)
            for i, (_, body_html, found) in zip(missing, results):
                fresh_html[i] = body_html
                store.put("html", keys[i], body_html)
                words[pages[i].text_hash] = found
            return [value for value, _, _ in results]

        values = store.memo_many(BODIES, keys, compute)
        store.keep("html", keys)  # each body's HTML stays while its page does
        for page in pages:  # analyzed: a later step that needs the text reads it again (Page.body)
            if page.text_hash:
                page._body = None
        bodies = [body_from_json(value, fresh_html.get(i)) for i, value in enumerate(values)]
        for body, body_key in zip(bodies, keys):
            body.key = body_key
        return bodies

    facts = json.dumps([data.site.base_url, [[name, text.decode("utf-8", "replace")] for name, _, text in data_files]])

    def interface(language, text: str) -> str:
        return translations(options.locales, language.code).gettext(text)

    model = validate(content, data, options.today, options.drafts, options.production, problems, analyze, store, facts, interface)
    # With Spanish pages, every string of the interface needs its Spanish: one missing is an
    # error at its line of the catalogue (or where it is used), never English shown instead.
    if (options.source / "content" / "es").is_dir():
        for path, line, message in _missing_translations(options, store):
            problems.error(path, line, "msgid", message)
    if own_store:
        store.save()
    return Result(problems, model, words=words, store=store)


def _missing_translations(options: Options, store: Store) -> list:
    """i18n.missing, kept in the store by what it reads beside the generator's code (which the
    store's version is made of): the templates and the catalogue, by their names and bytes.
    Babel's extraction of every template takes about a tenth of a second; a build that changed
    neither does not pay it again."""
    files = sorted(path for path in options.templates.rglob("*.html") if path.is_file())
    catalogue = catalogue_path(options.locales, "es")
    parts = [str(options.templates), str(options.locales)]
    for path in [*files, catalogue]:
        parts += [path.as_posix(), key(path.read_bytes()) if path.is_file() else "-"]
    return store.memo(
        MISSING_TRANSLATIONS, parts, lambda: [list(item) for item in missing_translations(options.locales, options.templates)]
    )


# The store's table of the interface's strings without their Spanish (_missing_translations).
MISSING_TRANSLATIONS = "missing-translations"


def _data_files(source: Path) -> list[tuple[str, str, bytes]]:
    """(name, where its path leads, bytes) of every YAML file in data/, read once for the
    data's key in the store and the checks' inputs."""
    files = []
    for path in sorted((source / "data").glob("*.y*ml")):
        data = read_plain(path, "data")
        # What cannot be read stands in the key as its reason; load_data reports it.
        files.append((path.name, os.path.realpath(path), data if isinstance(data, bytes) else data.encode()))
    return files


def _load_data(source: Path, data_files: list[tuple[str, str, bytes]], problems: Problems, store: Store) -> Data:
    """load_data, or what it made of the same data files last time, with the same problems:
    a warm build then parses no YAML. Where each path leads is in the key, for the check of
    links that leave the source folder."""
    entry = key(repr([os.path.realpath(source), data_files]))
    stored = store.get(DATA, entry)
    if stored is not None:
        plain, found = stored
        problems.items.extend(Problem(*item) for item in found)
        data = data_from_plain(plain)
    else:
        own = Problems()
        data = load_data(source, own)
        problems.items.extend(own.items)
        store.put(DATA, entry, (data_to_plain(data), [(p.path, p.line, p.field, p.message, p.warning) for p in own.items]))
    data.version = entry
    return data


# -- Render and stage -----------------------------------------------------------------------------


def render_site(result: Result, options: Options, writer: Writer, zips: Apart, store: Store) -> Renderer:
    """Every file of the site but _headers and the search index, into writer; the renderer
    (with its URLs and compiled templates) is returned for serve to use again."""
    model = result.model
    generated = _generated_data(model, result.words, zips, store)
    assets = hashed_assets(options.templates / "assets", generated)
    urls = Urls(
        base_url=model.data.site.base_url,
        assets={name: out for name, (out, _) in assets.items()},
        media={name: m.output for name, m in model.media.items()},
    )
    renderer = Renderer(model, urls, options.templates, store)
    make_outputs(renderer, writer, options.jobs)
    for out, data in assets.values():
        writer.put(out, data)
    for m in model.media.values():
        writer.put(m.output, m.source.read_bytes())
    for path, data in model.static.items():
        writer.put(path, data)
    return renderer


def _zips_key() -> str:
    return key("zips.json")


def _zip_table_meanwhile(options: Options, store: Store) -> Apart:
    """The ZIP table (the slowest single step of a cold build's first moments: scripts/BENCH-NOTES.md), made in a child process while this one reads the
    pages, when the store does not have it; one job (serve, which must not fork) makes it
    when it is asked for. The child first compiles the templates into the store: a build
    without the ZIP table kept is most often a cold one."""
    kept = store.get(GENERATED, _zips_key())
    if kept is not None:
        return Apart(lambda: (kept, []), fork=False)
    if options.jobs <= 1:
        return Apart(lambda: (published_zip_table(), []), fork=False)

    def templates_then_zips() -> tuple[bytes, list[str]]:
        own = Store(options.source)
        compile_templates(options.templates, own)
        own.save(warn=False)  # what it found distrusted is said by the build's own store
        return published_zip_table(), own.distrusted

    return Apart(templates_then_zips)


# The store's count of the page files that hold each word of the word list, with the files it
# counted (GENERATED): an edit counts the words of the files it changed, not of every page.
WORD_COUNTS = "search-word-counts"


def _word_list(model: Model, pages: list[Page], code: str, words_of: Callable[[Page], list[str]], store: Store) -> bytes:
    """A language's search-words.json (search.word_list) from the last build's count of its page files holding each word:
    the words of a file gone are counted out, those of a new file in (a file's words are kept
    by its hash), so a body edit reads two files' words instead of four thousand. Without a
    count, or where a gone file's words are no longer kept, every page is counted."""
    files = Counter(page.text_hash for page in pages if page.text_hash)
    page_of = {page.text_hash: page for page in pages if page.text_hash}
    counted = f"{WORD_COUNTS}.{code}"
    counts = _counted_again(store.get(GENERATED, counted), files, page_of, words_of, store)
    if counts is None:
        counts = Counter()
        for text_hash, times in files.items():
            for word in words_of(page_of[text_hash]):
                counts[word] += times
    store.put(GENERATED, counted, [dict(files), dict(counts)])
    words = data_words(model, code) | set(counts)
    for page in pages:
        if not page.text_hash:  # a page the build made up: its words are not kept
            words.update(words_of(page))
    return word_list(words)


def _counted_again(prior, files: Counter, page_of: dict, words_of: Callable[[Page], list[str]], store: Store) -> Counter | None:
    """The last build's counts brought up to these files, or None where they cannot be."""
    if not (isinstance(prior, list) and len(prior) == 2 and isinstance(prior[0], dict) and isinstance(prior[1], dict)):
        return None
    before, counts = Counter(prior[0]), Counter(prior[1])
    for text_hash in before.keys() | files.keys():
        change = files[text_hash] - before[text_hash]
        if not change:
            continue
        if change > 0:
            found = words_of(page_of[text_hash])
        else:
            kept = store.get(WORDS, text_hash)
            if not isinstance(kept, str):
                return None
            found = kept.split()
        for word in found:
            counts[word] += change
    return Counter({word: count for word, count in counts.items() if count > 0})


def _generated_data(model: Model, words: dict[str, str], zips: Apart, store: Store) -> dict[str, bytes]:
    """The data files the scripts fetch, from the store when their inputs are unchanged: the
    ZIP table depends only on the code (zips has it), the word list only on the pages' files
    and the names in the data."""

    def words_of(page: Page) -> list[str]:
        """A page's words, kept by its file's hash: an edit reads only the edited page again."""
        if not page.text_hash:  # a page the build made up (a section without an _index.md)
            return page_words(page)
        stored = store.get(WORDS, page.text_hash)
        if stored is None:
            stored = words.get(page.text_hash) or " ".join(page_words(page))
            store.put(WORDS, page.text_hash, stored)
        return stored.split()

    active = [p.name for p in model.data.providers if p.active]
    names = [active, [[loc.name, loc.city] for loc in model.data.locations]]
    generated = {}
    for language in model.languages:  # a word list for each language's search, of its own pages and synonyms
        pages = [p for p in model.pages if p.language is language]
        catalog = json.dumps([[p.url, p.text_hash] for p in pages] + [model.data.synonyms_in(language.code), *names])
        name = word_list_name(language.code)
        words_key = key(name, catalog)
        found = store.get(GENERATED, words_key)
        if found is None:
            found = _word_list(model, pages, language.code, words_of, store)
            store.put(GENERATED, words_key, found)
        generated[name] = found
    store.keep(WORDS, [p.text_hash for p in model.pages])
    table, distrusted = zips.result()
    store.distrusted.extend(name for name in distrusted if name not in store.distrusted)
    if store.get(GENERATED, _zips_key()) is None:
        store.put(GENERATED, _zips_key(), table)
    return {"zips.json": table, **generated}


# -- serve: one page at once ------------------------------------------------------------------------


def quick_page(result: Result, options: Options, path: Path) -> tuple[str, Problems] | None:
    """For serve: when the only change is to the body of one published page, check that body
    and render that page into the output now, from the model of the last build (result):
    (its output path, the body's problems; on errors "" and nothing is written). None when the change
    is anything else: the full build that follows is the one to show it."""
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
    # the page's own language's renderer: its words, its links and its claims (a translation's are Spanish)
    renderer = next((other for other in renderer.translated if other.language is old.language), renderer)
    body = analyze_body(renderer.md, new.body, new.body_line, renderer.resolve, renderer.claims, renderer.gettext)
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


__all__ = ["Options", "Result", "build", "prepare", "load_and_check", "quick_page"]
