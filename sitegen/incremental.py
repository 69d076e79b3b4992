"""Which outputs to make again, and making them into the writer.

While an output is made, everything it reads is recorded (reads.py): a page's fields, a data
record's, a query of the model, a template, an asset's address. Beside the manifest, the record
of the last build keeps, for every output, the keys it read, and for every key a digest of its
value at the time, grouped by source. The next build makes an output again exactly when one of
those values has changed, when the output is new, or when its file is not as the last build
left it; every other output stays as it is, unread and unwritten. A change to the generator,
its libraries or the base URL makes everything again.

Working out which values changed costs little, because every source has a version that all
its values follow: a page's file and body (its text's hash and its HTML's key), the data files
for every data record, and for the queries the structure of the site (every page's front
matter, the data, the date, the drafts, the media and the samples), which a body edit does not
touch. Only the keys of sources whose version moved are looked at again, beside the few with no
version (templates, assets, the model's own fields)."""

from __future__ import annotations

import hashlib
import marshal
from array import array
from collections.abc import Callable

from .content import Page
from .kinds import BY_NAME
from .output import Writer
from .reads import digest, recording, shape
from .render import Renderer
from .store import generator_version, seal, unseal
from .validate import Model
from .workers import run_all

MISSING = object()  # the value of a read whose record is gone
ID_TYPE = "I"  # an output's ids, as array items of 4 bytes (a build's keys number tens of thousands)
# Reads of a usual page: how an output's reads weigh its rendering against a page's (a list of
# every page reads thousands).
USUAL_READS = 60
COMPANION = "reads"  # the record's file beside the manifest: .site.reads
# The sources that have no version: their keys are looked at again in every build.
UNVERSIONED = ("template:", "asset:", "media:", "model")


class Record:
    """What every output of a build read. sources: source → [version, {name: [id, digest]}],
    where a key is (source, name), name a field's or, for a query, its arguments; outputs:
    path → the ids of the keys it read (an array of them).

    Kept packed: each source's names as one marshal string, unpacked only when its version
    moved or an output made now reads it, and each output's ids as the bytes of an array.
    A body edit unpacks a handful of the thousands; unpacking them all (tens of thousands
    of small lists) was most of the cost of reading the record and writing it again."""

    def __init__(self, universal: str, sources: dict | None = None, outputs: dict | None = None, next_id: int = 0) -> None:
        self.universal = universal
        self.sources: dict[str, list] = sources or {}  # the names of a source: a dict, or packed (bytes)
        self.outputs: dict[str, bytes | array] = outputs or {}
        self.next_id = next_id

    @staticmethod
    def _names(entry: list) -> dict:
        """A source's names, unpacked the first time they are needed."""
        names = entry[1]
        if type(names) is bytes:
            names = entry[1] = marshal.loads(names)
            if not isinstance(names, dict):
                raise ValueError("a source's names are not a map")
        return names

    def ids(self, path: str):
        """The ids of the keys an output read, or None for an output the record does not know."""
        read = self.outputs.get(path)
        if type(read) is bytes:
            read = self.outputs[path] = _id_array(read)
        return read

    @classmethod
    def load(cls, sealed: bytes | None, universal: str) -> Record | None:
        """The record the last build left (the companion its manifest names), when that build
        was made by this generator at this base URL and it reads back whole; else None:
        everything is made again."""
        if sealed is None:
            return None
        try:
            stored = unseal(universal, sealed)
            record = cls(universal, stored["sources"], stored["outputs"], stored["next_id"])
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            return None
        if not (isinstance(record.sources, dict) and isinstance(record.outputs, dict) and isinstance(record.next_id, int)):
            return None
        if not all(type(read) is bytes and len(read) % array(ID_TYPE).itemsize == 0 for read in record.outputs.values()):
            return None
        if not all(type(entry) is list and len(entry) == 2 and type(entry[1]) is bytes for entry in record.sources.values()):
            return None
        return record

    def sealed(self) -> bytes:
        sources = {
            source: [entry[0], entry[1] if type(entry[1]) is bytes else marshal.dumps(entry[1])] for source, entry in self.sources.items()
        }
        outputs = {path: read if type(read) is bytes else read.tobytes() for path, read in self.outputs.items()}
        return seal(self.universal, {"sources": sources, "outputs": outputs, "next_id": self.next_id})

    def changed(self, values: Values) -> set[int]:
        """The ids of the keys whose value is not what it was; their digests and their sources'
        versions are brought up to date as they are found."""
        changed = set()
        for source, entry in self.sources.items():
            version = values.version(source)
            if version is not None and version == entry[0]:
                continue
            entry[0] = version
            for name, known in self._names(entry).items():
                now = values.digest((source, name))
                if now != known[1]:
                    known[1] = now
                    changed.add(known[0])
        return changed

    def knows(self, key: tuple) -> bool:
        """Whether the record has a digest of key's value that is up to date: once changed()
        has run, every digest the record keeps is."""
        entry = self.sources.get(key[0])
        return entry is not None and key[1] in self._names(entry)

    def note(self, path: str, reads, values: Values) -> None:
        """path was made now and read these keys."""
        ids = []
        sources = self.sources
        for source, name in reads:
            entry = sources.get(source)
            if entry is None:
                entry = sources[source] = [values.version(source), {}]
            names = entry[1]
            if type(names) is bytes:
                names = self._names(entry)
            known = names.get(name)
            if known is None:
                known = names[name] = [self.next_id, values.digest((source, name))]
                self.next_id += 1
            ids.append(known[0])
        self.outputs[path] = array(ID_TYPE, sorted(ids))

    def forget(self, paths) -> None:
        """Keep only these outputs, and the keys some output still reads."""
        wanted = set(paths)
        for path in [path for path in self.outputs if path not in wanted]:
            del self.outputs[path]
        read = set().union(*(self.ids(path) for path in self.outputs))
        for source in list(self.sources):
            names = self._names(self.sources[source])
            for name in [name for name, known in names.items() if known[0] not in read]:
                del names[name]
            if not names:
                del self.sources[source]


class Values:
    """The versions of sources and the digests of the values behind keys, now; each digest
    worked out once."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer, self.model = renderer, renderer.model
        self.digests: dict[tuple, bytes] = {}
        self.structure = _structure(self.model)
        self._narrower: dict[str, str] = {}

    def version(self, source: str):
        """What every value of a source follows, or None for a source without one."""
        if source.startswith("?"):
            narrower = NARROWER.get(source)
            if narrower is None:
                return self.structure
            if source not in self._narrower:
                self._narrower[source] = narrower(self.model)
            return self._narrower[source]
        if source.startswith(UNVERSIONED):
            return None
        record = self.model.by_source.get(source)
        if record is None:
            return "gone"
        if isinstance(record, Page):
            return f"{record.text_hash or shape(record.meta)}:{self.model.bodies[record.url].key}"
        return self.model.data.version or None

    def digest(self, key: tuple) -> bytes:
        known = self.digests.get(key)
        if known is None:
            known = self.digests[key] = digest(self._value(key))
        return known

    def _value(self, key: tuple):
        source, name = key
        model = self.model
        if source.startswith("?"):
            method = getattr(Model, source[1:], None)
            try:
                return method.unrecorded(model, *name)
            except (AttributeError, KeyError, TypeError):
                return MISSING
        if source.startswith(("template:", "asset:", "media:")):
            return self.renderer.value(source)
        record = model.by_source.get(source)
        if record is None:
            return MISSING
        if name == "html":
            return model.bodies[record.url].key
        return getattr(record, name, MISSING)


def _references(model: Model) -> str:
    """What Model.named_by answers from: every published page's address and the fields of it
    that name other pages or records, in the order written, and the data (the records and
    theirs). Not the titles or any other field: an edit of a summary, a title or the sources
    leaves it as it was (named_by keeps the order written, not titles' order)."""
    pages = [(page.path, page.url, [page.meta.get(spec.name) for spec in _REFERENCE_FIELDS[page.kind]]) for page in model.pages]
    return _plain_digest([model.data.version or shape(model.data), pages])


def _reviews(model: Model) -> str:
    """What Model.review_of answers from: every published page's review fields and interval,
    the data (the reviewers, the site's review policy) and the date."""
    pages = [
        (page.path, page.meta.get("medically_reviewed"), page.meta.get("reviewed_by"), page.meta.get("review_interval_months"))
        for page in model.pages
    ]
    return _plain_digest([model.data.version or shape(model.data), model.today.isoformat(), pages])


_REFERENCE_FIELDS = {kind.name: kind.references for kind in BY_NAME.values()}


def _plain_digest(value) -> str:
    """A digest of plain values (text, numbers, dates, None, lists and tuples of them): their
    repr, which for these is what they are, made in C (shape() walks them in Python)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()


# Queries that follow less than the whole structure of the site, with what they follow. Every
# other query follows _structure. (tests/test_warm_equals_cold.py edits every field: a query
# put here whose answer follows a field left out of its version makes it fail.)
NARROWER: dict[str, Callable[[Model], str]] = {"?named_by": _references, "?review_of": _reviews}


def _structure(model: Model) -> str:
    """A digest of everything the model's queries are made of: every page's place and front
    matter (by the key of its text where known), the data, the date, the production switch,
    the drafts, the media and the samples. A body edit leaves it as it was."""
    pages = [f"{page.path}\0{page.meta_key or shape(page.meta)}" for page in model.pages]
    parts = [
        *pages,
        model.data.version or shape(model.data),
        model.today.isoformat(),
        str(model.production),
        *sorted(model.drafts),
        shape(sorted(model.media)),
        shape([(sample.path, sample.field, sample.what) for sample in model.samples]),
    ]
    return digest("\n".join(parts)).hex()


def make_outputs(renderer: Renderer, writer: Writer, jobs: int) -> list[str]:
    """Make every output that needs making into writer, on `jobs` processes, and stage the
    record of what each read to be published with the manifest; the paths of every output."""
    outputs = renderer.outputs()
    universal = f"{generator_version()} {renderer.urls.base_url}"
    record = Record.load(writer.previous.companion(writer.out, COMPANION), universal) if writer.patch else None
    values = Values(renderer)
    try:
        changed = record.changed(values) if record is not None else set()
    except (ValueError, EOFError, TypeError):  # a record that does not unpack: everything is made again
        record, changed = None, set()
    record = record or Record(universal)
    todo: list[str] = []
    for path in outputs:
        if path not in record.outputs or (changed and not changed.isdisjoint(record.ids(path))) or not writer.reuse(path):
            todo.append(path)
    if todo:
        _make(renderer, writer, outputs, todo, record, values, jobs)
    if len(todo) * 4 >= len(outputs) or len(record.outputs) != len(outputs):
        record.forget(outputs)  # a build of this size can afford to drop what nothing reads
    writer.stage_companion(COMPANION, record.sealed())
    return list(outputs)


def _id_array(packed: bytes) -> array:
    ids = array(ID_TYPE)
    ids.frombytes(packed)
    return ids


def _make(renderer: Renderer, writer: Writer, outputs: dict[str, Callable], todo: list[str], record: Record, values: Values, jobs: int):
    """Make the outputs in todo, and note what each read."""
    for name in renderer.env.list_templates(extensions=["html"]):
        renderer.env.get_template(name)  # compiled once here, inherited by every worker
    renderer.fill_bodies(renderer.pages_among(todo), jobs)

    def make_and_place(paths: list[str]) -> list:
        placed, found = [], {}
        looked_at: set = set()  # keys already looked at here: outputs share most of theirs (the frame's)
        for path in paths:
            with recording() as reads:
                data = outputs[path]()
            for key in reads - looked_at:  # the values of keys new to the record, while the worker has them at hand
                looked_at.add(key)
                if key not in values.digests and not record.knows(key):
                    found[key] = values.digest(key)
            placed.append((*writer.place(path, data), list(reads)))
        return [(item, found if i == len(placed) - 1 else {}) for i, item in enumerate(placed)]

    weights = [1 + len(record.ids(path) or ()) / USUAL_READS for path in todo]
    results = run_all(make_and_place, todo, jobs, weights)
    for _, found in results:
        values.digests.update(found)
    for path, ((entry, written, reads), _) in zip(todo, results):
        writer.add(path, entry, written)
        record.note(path, reads, values)
