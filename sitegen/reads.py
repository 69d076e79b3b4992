"""What an output reads, recorded as it is read.

Every value a page can show comes from a record of the model: a page (its front matter, its
body), a data record (a provider, a location, the site), or a query over them (the doctors
who treat a tumor). A record's fields are read through `RecordedField`, and a query through
`query`: while an output is made inside `recording()`, each read adds its key, a pair
(record's source, field or query arguments), to the output's set of reads. The incremental
build keeps each output's reads and makes the output again exactly when the value behind one
of them has changed; nobody lists what a template shows.

A query records itself, not what it reads on the way: the doctors who treat chordoma are one
read, whose value is the list of those doctors (by source), not every provider's conditions.
Values are compared by `shape`: a record stands for itself by its source (what a template then
reads of it is recorded by the read), anything else by repr().

Recording costs a lookup and a set insertion per read, and nothing outside `recording()`."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
from collections.abc import Callable


class _Now(threading.local):
    """The reads of the output being made in this thread, if any (serve makes one page on its
    own thread while a build runs on another)."""

    reads: set | None = None


NOW = _Now()


class recording:  # noqa: N801 - used as a function: `with recording() as reads:`
    """Record the reads made inside the block into a new set. Inside another recording, the
    outer one gets them too: a fragment made once (a doctor's card) keeps its own reads, to
    add them to every output that shows it. (A class, not a generator: it is entered once per
    output, and contextmanager's machinery cost more than the recording itself.)"""

    __slots__ = ("outer", "reads")

    def __enter__(self) -> set:
        self.outer = NOW.reads
        self.reads = NOW.reads = set()
        return self.reads

    def __exit__(self, *exc) -> None:
        NOW.reads = self.outer
        if self.outer is not None:
            self.outer |= self.reads


def record(source: str, name="") -> None:
    """Record a read of something outside the model (a template, an asset's address)."""
    reads = NOW.reads
    if reads is not None:
        reads.add((source, name))


def replay(reads: set) -> None:
    """Add reads recorded earlier (a fragment's) to the current recording."""
    current = NOW.reads
    if current is not None:
        current |= reads


class RecordedField:
    """A dataclass field whose reads are recorded under (the record's source, the field)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, record, owner=None):
        if record is None:
            return self
        reads = NOW.reads
        if reads is not None:
            reads.add((record.source, self.name))
        return record.__dict__[self.name]

    def __set__(self, record, value) -> None:
        record.__dict__[self.name] = value


def recorded(cls):
    """Make every field of a dataclass recorded, but its identity (the fields its `source`
    is made of, which never change while the source stands) and private ones (leading _)."""
    identity = set(getattr(cls, "IDENTITY", ()))
    for field in dataclasses.fields(cls):
        if field.name not in identity and not field.name.startswith("_"):
            setattr(cls, field.name, RecordedField(field.name))
    return cls


def value_of(record, name: str):
    """A field's value, without recording the read."""
    return record.__dict__[name]


def query(method: Callable) -> Callable:
    """A recorded query of the model: a call records (?name, arguments) and runs unrecorded,
    so that what the query reads on the way is not taken for what the output shows. Its
    arguments are sources and names (strings): the query can be asked again next time."""
    name = "?" + method.__name__

    @functools.wraps(method)
    def recorded_query(self, *args):
        reads = NOW.reads
        if reads is None:
            return method(self, *args)
        reads.add((name, args))
        NOW.reads = None
        try:
            return method(self, *args)
        finally:
            NOW.reads = reads

    recorded_query.unrecorded = method
    return recorded_query


def shape(value) -> str:
    """The text a read value is compared by: a record by its source, containers item by
    item, anything else by repr()."""
    if type(value) is str:
        return repr(value)
    source = getattr(value, "source", None) if hasattr(value, "__dict__") else None
    if isinstance(source, str):
        return "@" + source
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(shape, value)) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{shape(key)}:{shape(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(map(shape, value))) + "}"
    return repr(value)


def digest(value) -> bytes:
    """A digest of shape(value), of 96 bits: two values alike by chance never are."""
    return hashlib.blake2b(shape(value).encode(), digest_size=12).digest()
