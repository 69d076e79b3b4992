"""Which outputs to make again, and making them into the writer.

While an output is made, everything it reads is recorded (reads.py): a page's fields, a data
record's, a query of the model, a template, an asset's address. The manifest keeps, for every
output, the keys it read, and for every key a digest of its value at the time. The next build
makes an output again exactly when one of those values has changed, when the output is new, or
when its file is not as the last build left it; every other output stays as it is, unread and
unwritten. A change to the generator, its libraries or the base URL makes everything again.

Working out which values changed costs little: a page whose file and body are as they were
(its version) cannot have changed, so only the keys of changed pages are looked at again,
beside the few that have no version (queries, data records, templates, assets), which are."""

from __future__ import annotations

from collections.abc import Callable

from .output import Writer
from .reads import digest, recording
from .render import Renderer
from .store import generator_version
from .validate import Model
from .workers import run_all

MISSING = object()  # the value of a read whose record is gone
RECORD = "reads"  # where the manifest keeps the record
# Reads of a usual page: how an output's reads weigh its rendering against a page's (a list of
# every page reads thousands).
USUAL_READS = 60


class Record:
    """What every output of a build read: each key with the digest its value had, and for each
    output the positions of the keys it read. Keys are (source, name) pairs: name is a field's
    name or, for a query, its arguments."""

    def __init__(self, universal: str, keys: list[tuple], digests: list[str], outputs: dict[str, list[int]], versions: dict[str, str]):
        self.universal = universal
        self.keys, self.digests, self.outputs, self.versions = keys, digests, outputs, versions
        self.index = {key: i for i, key in enumerate(keys)}

    @classmethod
    def load(cls, stored, universal: str) -> Record | None:
        """The record the manifest kept, when the last build was made by this generator at this
        base URL and the record is whole; else None: everything is made again."""
        if not isinstance(stored, dict) or stored.get("universal") != universal:
            return None
        try:
            keys = [(source, tuple(name) if isinstance(name, list) else name) for source, name in stored["keys"]]
            digests, outputs, versions = list(stored["digests"]), dict(stored["outputs"]), dict(stored["versions"])
            if len(digests) != len(keys) or not all(isinstance(i, int) and 0 <= i < len(keys) for ids in outputs.values() for i in ids):
                return None
        except (KeyError, TypeError, ValueError):
            return None
        return cls(universal, keys, digests, outputs, versions)

    def as_json(self) -> dict:
        return {
            "universal": self.universal,
            "keys": [[source, list(name) if isinstance(name, tuple) else name] for source, name in self.keys],
            "digests": self.digests,
            "outputs": self.outputs,
            "versions": self.versions,
        }

    def changed(self, values: Values) -> set[int]:
        """The positions of the keys whose value is not what it was."""
        by_source: dict[str, list[int]] = {}
        for i, (source, _) in enumerate(self.keys):
            by_source.setdefault(source, []).append(i)
        changed = set()
        for source, positions in by_source.items():
            version = values.version(source)
            if version is not None and version == self.versions.get(source):
                continue
            changed.update(i for i in positions if values.digest(self.keys[i]) != self.digests[i])
        return changed


class Values:
    """The digests of the values behind keys, now: each worked out once."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer, self.model = renderer, renderer.model
        self.digests: dict[tuple, str] = {}

    def version(self, source: str) -> str | None:
        """What a page's reads all depend on (its file's text and its body's HTML key), so that
        a page with the same version has the same values; None for a source without one."""
        page = self.model.by_source.get(source) if not source.startswith(("?", "template:", "asset:", "media:")) else None
        if page is None or not hasattr(page, "text_hash"):
            return None
        return f"{page.text_hash or digest(page.meta)}:{self.model.bodies[page.url].key}"

    def digest(self, key: tuple) -> str:
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


def make_outputs(renderer: Renderer, writer: Writer, jobs: int) -> list[str]:
    """Make every output that needs making into writer, on `jobs` processes, and keep the
    record of what each read in the writer's manifest; the paths of every output."""
    outputs = renderer.outputs()
    universal = f"{generator_version()} {renderer.urls.base_url}"
    previous = Record.load(writer.previous.extra.get(RECORD), universal)
    values = Values(renderer)
    changed = previous.changed(values) if previous is not None else set()
    todo: list[str] = []
    for path in outputs:
        read = previous.outputs.get(path) if previous is not None else None
        if read is None or not changed.isdisjoint(read) or not writer.reuse(path):
            todo.append(path)
    made: dict[str, list[tuple]] = {}
    if todo:
        made = _make(renderer, writer, outputs, todo, previous, jobs)
    writer.manifest.extra[RECORD] = _next_record(universal, previous, changed, outputs, made, values).as_json()
    return list(outputs)


def _make(renderer: Renderer, writer: Writer, outputs: dict[str, Callable], todo: list[str], previous: Record | None, jobs: int) -> dict:
    """Make the outputs in todo; what each read, by path."""
    for name in renderer.env.list_templates(extensions=["html"]):
        renderer.env.get_template(name)  # compiled once here, inherited by every worker
    renderer.fill_bodies(renderer.pages_among(todo), jobs)

    def make_and_place(paths: list[str]) -> list:
        placed = []
        for path in paths:
            with recording() as reads:
                data = outputs[path]()
            placed.append((*writer.place(path, data), list(reads)))
        return placed

    weights = [1 + len(previous.outputs.get(path, ())) / USUAL_READS if previous else 1 for path in todo]
    made = {}
    for path, (entry, written, reads) in zip(todo, run_all(make_and_place, todo, jobs, weights)):
        writer.add(path, entry, written)
        made[path] = reads
    return made


def _next_record(universal: str, previous: Record | None, changed: set[int], outputs: dict, made: dict, values: Values) -> Record:
    """The record of this build: what the outputs made now read, with their values now, and
    what the others read when last made (none of it has changed)."""
    keys: list[tuple] = []
    digests: list[str] = []
    index: dict[tuple, int] = {}

    def position(key: tuple, old: int | None) -> int:
        at = index.get(key)
        if at is None:
            at = index[key] = len(keys)
            keys.append(key)
            digests.append(previous.digests[old] if old is not None and old not in changed else values.digest(key))
        return at

    read: dict[str, list[int]] = {}
    for path in outputs:
        if path in made:
            old_index = previous.index if previous is not None else {}
            read[path] = sorted(position(key, old_index.get(key)) for key in made[path])
        else:
            read[path] = [position(previous.keys[i], i) for i in previous.outputs[path]]
    versions = {}
    for source, _ in keys:
        if source not in versions:
            version = values.version(source)
            if version is not None:
                versions[source] = version
    return Record(universal, keys, digests, read, versions)
