"""The editors' schemas (sitegen/schemas.py): committed as the table of kinds makes them; every
page and data file the checks accept is valid under its schema; and every bad input made from
the content model that a schema can express (a required field left out, a value of the wrong
type, a choice that is not one, a name that cannot be one, an unknown field) is invalid under
it, as the checks reject it."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO, TODAY, run_cli
from jsonschema import Draft202012Validator

from sitegen import schemas
from sitegen.content import load_page
from sitegen.data import DATA_FILES, SYNONYM, SYNONYMS_FILE, load_data
from sitegen.fields import BOOL, DATE, INT, LIST, MAP, NUMBER, PHONE, TEXT, TEXT_LIST, TIME, URL, WORDS
from sitegen.kinds import ENGLISH, KINDS, LANGUAGES, TRANSLATION_FIELDS, TRANSLATIONS, Field, language_of, place
from sitegen.options import Options
from sitegen.pipeline import load_and_check
from sitegen.problems import Problems
from sitegen.source import split_front_matter

# Every source folder: the repository's own, and each fixture site.
SOURCES = [REPO, *sorted(path for path in FIXTURES.iterdir() if (path / "content").is_dir() or (path / "data").is_dir())]
BASIC = FIXTURES / "basic"


def json_view(value):
    """YAML as read (YAML 1.1, as the generator reads it) the way an editor's schema sees it:
    dates as the ISO text they were written as."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): json_view(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_view(item) for item in value]
    return value


def front_matter(path: Path) -> tuple[dict, str]:
    yaml_text, _, body, _ = split_front_matter(path.read_text(encoding="utf-8-sig"), path.name, Problems())
    return json_view(yaml.safe_load(yaml_text)), body


def pages(source: Path) -> list[tuple[Path, str]]:
    """(file, the name of its kind's schema: tumor, or tumor.es for a translation) of every
    page of a source folder."""
    content = source / "content"
    found = []
    for path in sorted(content.rglob("*.md")):
        rel = path.relative_to(content).as_posix()
        if not rel.startswith("media/"):
            language = language_of(rel)[0]
            found.append((path, place(rel)[1].name + ("" if language is ENGLISH else f".{language.code}")))
    return found


def validator(rel: str) -> Draft202012Validator:
    schema = json.loads((REPO / rel).read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def front_matter_schema(kind: str) -> str:
    """The path of a schema by its name: tumor, or tumor.es for a translation's."""
    name, _, code = kind.partition(".")
    return schemas.front_matter_schema_path(name, TRANSLATIONS[code] if code else ENGLISH)


def data_schema(file: str) -> str:
    return schemas.data_schema_path(file)


# -- (a) what is committed is what the table makes -------------------------------------------


def test_the_committed_files_are_what_build_py_schemas_writes(tmp_path: Path):
    (tmp_path / "data").mkdir()
    result = run_cli("schemas", "--source", str(tmp_path))
    assert result.returncode == 0, result.stderr
    made = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file())
    assert made == sorted(schemas.generated())
    committed = sorted(path.relative_to(REPO).as_posix() for path in (REPO / "schemas").rglob("*") if path.is_file())
    assert committed == sorted(rel for rel in made if rel.startswith("schemas/")), "run `python build.py schemas` and commit what it writes"
    for rel in made:
        assert (REPO / rel).read_bytes() == (tmp_path / rel).read_bytes(), f"{rel} is stale: run `python build.py schemas` and commit it"
    again = run_cli("schemas", "--source", str(tmp_path))
    assert again.returncode == 0 and "all were up to date" in again.stdout


@pytest.mark.parametrize("rel", sorted(rel for rel in schemas.generated() if rel.startswith("schemas/")))
def test_each_schema_is_a_valid_draft_2020_12_schema(rel: str):
    Draft202012Validator.check_schema(json.loads((REPO / rel).read_text()))


def test_every_content_kind_and_data_file_has_a_schema_and_an_editor_setting():
    files = schemas.generated()
    kinds = [kind.name for kind in KINDS if kind.content]
    assert all(front_matter_schema(kind) in files for kind in kinds)
    assert all(front_matter_schema(f"{kind}.{code}") in files for kind in kinds for code in TRANSLATIONS), "a schema for translations"
    settings = json.loads(files[schemas.VSCODE_SETTINGS])
    assert settings["yaml.yamlVersion"] == "1.1"
    assert settings["yaml.schemas"] == {data_schema(file): f"data/{file}" for file in [*DATA_FILES, SYNONYMS_FILE]}
    cms = json.loads(files[schemas.FRONT_MATTER_CMS])
    translated = [f"{kind}-{code}" for code in TRANSLATIONS for kind in kinds]
    assert [t["name"] for t in cms["frontMatter.taxonomy.contentTypes"]] == ["default", *kinds, *translated]
    folders = {folder["path"]: folder["contentTypes"] for folder in cms["frontMatter.content.pageFolders"]}
    assert folders == {
        **{f"[[workspace]]/content/{kind.folder}": [kind.name] for kind in KINDS if kind.content and kind.folder},
        **{
            f"[[workspace]]/content/{code}/{kind.folder}": [f"{kind.name}-{code}"]
            for code in TRANSLATIONS
            for kind in KINDS
            if kind.content and kind.folder
        },
    }


# -- (b) what the checks accept, the schemas accept ------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [case for source in SOURCES for case in pages(source)],
    ids=[path.relative_to(REPO).as_posix() for source in SOURCES for path, _ in pages(source)],
)
def test_every_page_is_valid_under_its_kinds_schema(path: Path, kind: str):
    meta, _ = front_matter(path)
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(front_matter_schema(kind)).iter_errors(meta)]
    assert errors == []


DATA_CASES = [(source, file) for source in SOURCES for file in [*DATA_FILES, SYNONYMS_FILE] if (source / "data" / file).is_file()]


@pytest.mark.parametrize(("source", "file"), DATA_CASES, ids=[(s / "data" / f).relative_to(REPO).as_posix() for s, f in DATA_CASES])
def test_every_data_file_is_valid_under_its_schema(source: Path, file: str):
    document = json_view(yaml.safe_load((source / "data" / file).read_text(encoding="utf-8-sig")))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(data_schema(file)).iter_errors(document)]
    assert errors == []


def test_a_draft_may_leave_the_review_out_and_a_published_page_may_not():
    kind = next(kind for kind in KINDS if kind.review_fields)
    check = validator(front_matter_schema(kind.name))
    page = {"title": "A page", "summary": "What it is.", **{f.name: "x" for f in kind.fields if f.required and not f.choices}}
    page.update({f.name: f.choices[0][0] for f in kind.fields if f.required and f.choices})
    assert check.is_valid({**page, "draft": True})
    assert not check.is_valid(page) and not check.is_valid({**page, "draft": False})


def test_a_draft_tumor_page_may_leave_its_regions_out_and_a_published_one_may_not():
    """As content._checked_page: regions is required of a published tumor page only."""
    check = validator(front_matter_schema("tumor"))
    page, _ = front_matter(BASIC / "content/tumors/chordoma.md")
    assert check.is_valid(page)
    without = {key: value for key, value in page.items() if key != "regions"}
    assert check.is_valid({**without, "draft": True})
    assert not check.is_valid(without)


# -- (c) bad inputs made from the content model ----------------------------------------------

# Values of the wrong type for each field type, as YAML 1.1 reads what an editor might write
# (an unquoted 08:00 is the number 480, an unquoted yes is true).
WRONG = {
    TEXT: ["", "  ", 12, True],
    TEXT_LIST: ["one", [""], [3]],
    WORDS: ["", "  ", [""], [3], 12, True],
    BOOL: ["yes", 1],
    DATE: ["soon", "2026-1-5", 20261120],
    INT: [0, "3", 1.5],
    NUMBER: ["north", True],
    PHONE: ["919-555-0100", 9195550100],
    TIME: ["8am", 480],
    URL: [
        "",
        "http://example.org/page",
        "https://example.org/",
        "https://example.org",
        "www.example.org/page",
        "https://example.org/a page",
    ],
    MAP: ["x", []],
    LIST: ["x", {}, ["x"]],
}
NOT_A_NAME = "Not A Name"


def bad_values(field: Field, is_id: bool) -> list:
    if field.choices:
        return ["not-a-choice"]
    if field.refers_to:
        return [NOT_A_NAME] if field.type == TEXT else [[NOT_A_NAME]]
    return [NOT_A_NAME] + WRONG[field.type][1:] if is_id else WRONG[field.type]


def at(document, path: tuple):
    for step in path:
        document = document[step]
    return document


def changed(document, path: tuple, value=None, remove: bool = False):
    copied = copy.deepcopy(document)
    parent = at(copied, path[:-1])
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copied


def mutations(fields: tuple[Field, ...], document, path: tuple = (), in_list: bool = False, review: tuple[str, ...] = ()):
    """(what, bad document, whether its badness shows only across files) for every field of
    this group, and of the groups below it. review: the fields only a draft may leave out (the
    sample is a published page)."""
    node = at(document, path)
    for field in fields:
        where = (*path, field.name)
        shown = ".".join(map(str, where))
        if field.required or field.name in review:
            if field.name in node:
                yield f"{shown} left out", changed(document, where, remove=True), False
        for value in bad_values(field, in_list and field.name == "id"):
            yield f"{shown}: {value!r}", changed(document, where, value), bool(field.refers_to)
        if field.type == MAP and not field.fields:  # names to names, whose names are the site's own lists' (checked across)
            continue
        if field.type == MAP:
            if field.name not in node and not any(sub.required for sub in field.fields):
                document = changed(document, where, {})
            if field.name in at(document, path):
                yield from mutations(field.fields, document, where)
        elif field.type == LIST and node.get(field.name):
            yield from mutations(field.fields, document, (*where, 0))
    yield f"{'.'.join(map(str, (*path, 'unknown_field')))} added", changed(document, (*path, "unknown_field"), "x"), False


def sample_page(schema: str) -> Path | None:
    """A published page with this schema in the basic fixture (every kind has one in English;
    a translation, where the fixture has one of its kind)."""
    return next((path for path, name in pages(BASIC) if name == schema and not front_matter(path)[0].get("draft")), None)


# Each kind's fields made bad in a sample page of it, in English and in each translation the fixture has.
PAGE_MUTATIONS = [
    (schema, what, bad, across)
    for kind in KINDS
    if kind.content
    for language in LANGUAGES
    for schema in [kind.name + ("" if language is ENGLISH else f".{language.code}")]
    if sample_page(schema) is not None
    for what, bad, across in mutations(kind.fields_in(language), front_matter(sample_page(schema))[0], review=kind.review_fields)
]


def data_mutations():
    for file, (shape, fields) in DATA_FILES.items():
        document = json_view(yaml.safe_load((BASIC / "data" / file).read_text()))
        path = () if shape == MAP else (0,)
        for what, bad, across in mutations(fields, document, path, in_list=shape == LIST):
            yield file, what, bad, across
    document = json_view(yaml.safe_load((BASIC / "data" / SYNONYMS_FILE).read_text()))
    for word in document:  # any word maps to the words it means, each checked as one field
        for value in bad_values(SYNONYM, is_id=False):
            yield SYNONYMS_FILE, f"{word}.{SYNONYM.name}: {value!r}", changed(document, (word,), value), False


DATA_MUTATIONS = list(data_mutations())


def site_errors(tmp_path: Path, rel: str, write) -> list:
    """The errors the checks of the whole site find in a copy of the basic fixture with one
    file rewritten: for an input whose fault shows only beside the files it names."""
    target = tmp_path / "basic"
    shutil.copytree(BASIC, target)
    write(target / rel)
    options = Options(target, tmp_path / "site", dt.date.fromisoformat(TODAY), search=False, jobs=1)
    return load_and_check(options).problems.errors


def dumped(document) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@pytest.mark.parametrize(("kind", "what", "bad", "across"), PAGE_MUTATIONS, ids=[f"{k}: {w}" for k, w, _, _ in PAGE_MUTATIONS])
def test_a_bad_front_matter_is_invalid_under_the_schema_as_the_checks_reject_it(tmp_path: Path, kind: str, what, bad, across):
    assert not validator(front_matter_schema(kind)).is_valid(bad)
    path = sample_page(kind)
    rel = path.relative_to(BASIC).as_posix()
    body = front_matter(path)[1]

    def write(file: Path) -> None:
        file.write_text(f"---\n{dumped(bad)}---\n{body}", encoding="utf-8")

    if across:
        assert site_errors(tmp_path, rel, write), "the checks take it: the mutation is not a bad input"
    else:
        file = tmp_path / rel
        file.parent.mkdir(parents=True)
        write(file)
        problems = Problems()
        load_page(file, rel, rel.removeprefix("content/"), problems)
        assert problems.errors, "the checks take it: the mutation is not a bad input"


@pytest.mark.parametrize(("file", "what", "bad", "across"), DATA_MUTATIONS, ids=[f"{f}: {w}" for f, w, _, _ in DATA_MUTATIONS])
def test_a_bad_data_file_is_invalid_under_the_schema_as_the_checks_reject_it(tmp_path: Path, file: str, what, bad, across):
    assert not validator(data_schema(file)).is_valid(bad)

    def write(path: Path) -> None:
        path.write_text(dumped(bad), encoding="utf-8")

    if across:
        assert site_errors(tmp_path, f"data/{file}", write), "the checks take it: the mutation is not a bad input"
    else:
        shutil.copytree(BASIC / "data", tmp_path / "data")
        write(tmp_path / "data" / file)
        problems = Problems()
        load_data(tmp_path, problems)
        assert problems.errors, "the checks take it: the mutation is not a bad input"


def every_field(fields: tuple[Field, ...]):
    for field in fields:
        yield field
        yield from every_field(field.fields)


MODEL_FIELDS = [
    *(f for kind in KINDS if kind.content for f in every_field(kind.all_fields)),
    *every_field(TRANSLATION_FIELDS),
    *(f for _, fields in DATA_FILES.values() for f in every_field(fields)),
    SYNONYM,
]


def test_the_mutations_reach_every_field_of_the_model():
    """Every field of every kind and data file, nested ones too, is made bad above at least
    once (a new field type with no wrong values here fails with a KeyError when collected)."""
    mutated = {what.split(":")[0].removesuffix(" left out").removesuffix(" added").split(".")[-1] for _, what, _, _ in PAGE_MUTATIONS}
    mutated |= {what.split(":")[0].removesuffix(" left out").removesuffix(" added").split(".")[-1] for _, what, _, _ in DATA_MUTATIONS}
    assert {f.name for f in MODEL_FIELDS} - mutated == set()


# -- (d) structure only: no lists of ids -----------------------------------------------------


def enums(schema):
    if isinstance(schema, dict):
        if "enum" in schema:
            yield schema["enum"]
        for value in schema.values():
            yield from enums(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from enums(value)


def test_the_only_enums_are_the_models_choices_never_page_or_record_ids():
    model = [[value for value, _ in f.choices] for f in MODEL_FIELDS if f.choices]
    for rel, text in schemas.generated().items():
        for values in enums(json.loads(text)):
            assert values in model, f"{rel}: enum {values} is not a field's choices in the table"
    references = [(kind, field) for kind in KINDS for field in kind.references]
    assert references
    for kind, field in references:
        schema = json.loads(schemas.generated()[front_matter_schema(kind.name) if kind.content else data_schema(kind.data)])
        value = schema["properties"][field.name] if kind.content else schema["items"]["properties"][field.name]
        assert "enum" not in json.dumps(value) and "pattern" in json.dumps(value), f"{kind.name}.{field.name}: {value}"
