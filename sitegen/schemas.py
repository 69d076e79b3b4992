"""The editors' view of the content model: JSON Schemas of every kind's front matter and of
every data file, `.vscode/settings.json` that maps the data files to theirs, and Front Matter
CMS's `frontmatter.json`, whose content types give front matter forms and completion (VS Code's
YAML extension does not read front matter inside Markdown). All of it is made from the table of
kinds and the data files' field tables, the ones the checks read, so nothing is written twice.

Structure only: fields, types, choices and what is required. A field that names pages or
records is a plain name, never a list of the ids there are now, which would go stale with
every new page. `build.py schemas` writes the files; tests/test_schemas.py fails when the
committed ones are not what this module makes."""

from __future__ import annotations

import json
from pathlib import Path

from .data import DATA_FILES, SLUG, SYNONYM, SYNONYMS_FILE
from .fields import BOOL, DATE, E164, INT, LIST, MAP, NUMBER, PAGE_URL, PHONE, TEXT, TEXT_LIST, TIME, TIME_OF_DAY, URL, WORDS
from .kinds import ENGLISH, FOLDER_PAGE, KINDS, LANGUAGES, MIN_SOURCES, TRANSLATIONS, Field, Kind, Language

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
FRONT_MATTER, DATA = "schemas/front-matter", "schemas/data"
VSCODE_SETTINGS, FRONT_MATTER_CMS = ".vscode/settings.json", "frontmatter.json"
# How the checks' hint asks for a date (source.as_date also reads an unquoted YAML date, which an
# editor reading YAML 1.1 shows as this same text).
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
# Text the checks take: anything but empty or blank (fields.check_value).
NOT_BLANK = {"type": "string", "minLength": 1, "pattern": r"\S"}


def value_schema(field: Field, names_a_record: bool = False) -> dict:
    """The JSON Schema of one field's value, as fields.check_value checks its type."""
    described = {"description": field.hint} if field.hint else {}
    if field.choices:
        allowed = {"type": "string", "enum": [value for value, _ in field.choices]}
        if field.type == TEXT_LIST:  # each a choice, once; a required list names one at least (fields.check_choices)
            return {**described, "type": "array", "items": allowed, "uniqueItems": True, **({"minItems": 1} if field.required else {})}
        if field.type != TEXT:
            raise ValueError(f"{field.name}: choices are for text fields and text lists")  # pragma: no cover - a programming error
        return {**described, **allowed}
    name = {"type": "string", "pattern": SLUG.pattern}  # a page's file name or a record's id
    if field.type == TEXT:
        return {**described, **(name if field.refers_to or names_a_record else NOT_BLANK)}
    if field.type == TEXT_LIST:
        return {**described, "type": "array", "items": name if field.refers_to else NOT_BLANK}
    if field.type == WORDS:
        return {**described, "anyOf": [NOT_BLANK, {"type": "array", "items": NOT_BLANK}]}
    if field.type == BOOL:
        return {**described, "type": "boolean"}
    if field.type == DATE:
        return {**described, "type": "string", "format": "date", "pattern": ISO_DATE}
    if field.type == INT:
        return {**described, "type": "integer", "minimum": 1}
    if field.type == NUMBER:
        return {**described, "type": "number"}
    if field.type == PHONE:
        return {**described, "type": "string", "pattern": E164.pattern}
    if field.type == TIME:
        return {**described, "type": "string", "pattern": TIME_OF_DAY.pattern}
    if field.type == URL:
        return {**described, "type": "string", "pattern": PAGE_URL.pattern}
    if field.type == MAP and not field.fields:  # names to names (es: {specialties: {Neurosurgery: Neurocirugía}})
        return {**described, "type": "object", "additionalProperties": {"type": "string", "minLength": 1}}
    if field.type == MAP:
        return {**described, **record_schema(field.fields)}
    if field.type == LIST:
        return {**described, "type": "array", "items": record_schema(field.fields)}
    raise ValueError(f"{field.name}: no schema for the type {field.type!r}")  # pragma: no cover - a programming error


def record_schema(fields: tuple[Field, ...], has_id: bool = False, optional: tuple[str, ...] = ()) -> dict:
    """A group of fields: every field check_fields knows, those required (but optional ones),
    and no other (check_fields reports an unknown field). has_id: a record of a list in data/,
    whose id is a name other records and pages use (data._items)."""
    schema = {
        "type": "object",
        "properties": {f.name: value_schema(f, names_a_record=has_id and f.name == "id") for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required and not f.required_unless and f.name not in optional]
    if required:
        schema["required"] = required
    for f in fields:  # required but where another field has a value (kinds.Field.required_unless)
        if f.required and f.required_unless and f.name not in optional:
            name, value = f.required_unless
            condition = {"if": {"properties": {name: {"const": value}}, "required": [name]}, "else": {"required": [f.name]}}
            schema.setdefault("allOf", []).append(condition)
    return schema


def front_matter_schema(kind: Kind, language: Language = ENGLISH) -> dict:
    """A page's front matter, in a language: a translation has the fields of its kind but
    the shared ones, and what it was translated from. The review fields, and those only a
    published page needs, are required of a page that is not a draft; a medical page's sources
    too, but for a translation's (it may cite its English page's)."""
    optional = kind.draft_may_omit_in(language)
    title = f"Front matter of {kind.pages}" + (f" in {language.name}" if language is not ENGLISH else "")
    schema = {"$schema": DRAFT_2020_12, "title": title, **record_schema(kind.fields_in(language), optional=optional)}
    if optional:  # what a page that is not a draft needs: its review and, a medical page, its sources (content._checked_page)
        schema["if"] = {"properties": {"draft": {"const": True}}, "required": ["draft"]}
        published: dict = {"required": list(optional)}
        if kind.medical and language is ENGLISH:
            published = {"required": [*optional, "sources"], "properties": {"sources": {"minItems": MIN_SOURCES}}}
        elif kind.medical:
            published = {"required": list(optional), "properties": {"sources": {"minItems": MIN_SOURCES}}}
        schema["else"] = published
    return schema


def data_schema(file: str) -> dict:
    """A data file: a group of fields (site.yaml), or a list of records, each with an id."""
    head = {"$schema": DRAFT_2020_12, "title": f"data/{file}"}
    if file == SYNONYMS_FILE:  # any word, each mapped to the field data._synonyms checks it as; a language's own map under its code
        words = {"type": "object", "additionalProperties": value_schema(SYNONYM)}
        return {**head, **words, "properties": {code: words for code in TRANSLATIONS}}
    shape, fields = DATA_FILES[file]
    if shape == MAP:
        return {**head, **record_schema(fields)}
    return {**head, "type": "array", "items": record_schema(fields, has_id=True)}


def data_files() -> list[str]:
    return [*DATA_FILES, SYNONYMS_FILE]


def front_matter_schema_path(kind_name: str, language: Language = ENGLISH) -> str:
    """schemas/front-matter/tumor.schema.json, and tumor.es.schema.json for a translation."""
    return f"{FRONT_MATTER}/{kind_name}{'' if language is ENGLISH else '.' + language.code}.schema.json"


def data_schema_path(file: str) -> str:
    return f"{DATA}/{file.removesuffix('.yaml')}.schema.json"


def front_matter_cms_field(field: Field) -> dict:
    """One field of a Front Matter CMS content type (frontmatter.codes: content types, fields)."""
    entry = {"name": field.name, "title": field.name.replace("_", " ").capitalize()}
    if field.hint:
        entry["description"] = field.hint
    if field.required and not field.review and not field.published:  # a draft may leave these out; review --stamp sets the review
        entry["required"] = True
    if field.choices:
        multiple = {"multiple": True} if field.type == TEXT_LIST else {}
        return {**entry, "type": "choice", **multiple, "choices": [{"id": value, "title": meaning} for value, meaning in field.choices]}
    if field.type in (TEXT, PHONE, TIME, URL):
        return {**entry, "type": "string", "single": True}
    if field.type == TEXT_LIST:
        return {**entry, "type": "list"}
    if field.type == BOOL:
        return {**entry, "type": "boolean"}
    if field.type == DATE:  # the checks read a date, never a date and time
        return {**entry, "type": "datetime", "dateFormat": "yyyy-MM-dd"}
    if field.type in (INT, NUMBER):
        options = {"min": 1} if field.type == INT else {"isDecimal": True}
        return {**entry, "type": "number", "numberOptions": options}
    if field.type == MAP:
        return {**entry, "type": "fields", "fields": [front_matter_cms_field(f) for f in field.fields]}
    if field.type == LIST and field.fields:  # a list of groups of fields: a block field of its own field group
        return {**entry, "type": "block", "fieldGroup": [field.name]}
    raise ValueError(f"{field.name}: front matter has no {field.type} fields yet; add them here")  # pragma: no cover


def front_matter_cms() -> dict:
    """frontmatter.json: a content type for each content kind, and each kind's folder of
    content/ with its one kind, from which Front Matter CMS knows a page's type (our pages have
    no `type` field). A page outside those folders gets the type named default: the fields
    every page has (those of a folder's own page)."""
    content = [kind for kind in KINDS if kind.content]
    default = {"name": "default", "pageBundle": False, "fields": [front_matter_cms_field(f) for f in FOLDER_PAGE.all_fields]}
    folders = [
        {
            "title": (kind.title or kind.folder) + ("" if language is ENGLISH else f" ({language.name})"),
            "path": f"[[workspace]]/content/{'' if language is ENGLISH else language.code + '/'}{kind.folder}",
            "excludeSubdir": True,
            "contentTypes": [cms_type(kind, language)],
        }
        for language in LANGUAGES
        for kind in content
        if kind.folder
    ]
    groups = {f.name: f for kind in content for f in kind.all_fields if f.type == LIST and f.fields}
    return {
        "$schema": "https://frontmatter.codes/frontmatter.schema.json",
        "frontMatter.content.pageFolders": folders,
        "frontMatter.taxonomy.fieldGroups": [
            {"id": name, "labelField": group.fields[0].name, "fields": [front_matter_cms_field(f) for f in group.fields]}
            for name, group in groups.items()
        ],
        "frontMatter.taxonomy.contentTypes": [
            default,
            *(
                {
                    "name": cms_type(kind, language),
                    "pageBundle": False,
                    "fields": [front_matter_cms_field(f) for f in kind.fields_in(language)],
                }
                for language in LANGUAGES
                for kind in content
            ),
        ],
    }


def cms_type(kind: Kind, language: Language) -> str:
    """A Front Matter CMS content type's name: the kind's, and tumor-es for a translation."""
    return kind.name if language is ENGLISH else f"{kind.name}-{language.code}"


def vscode_settings() -> dict:
    """The Red Hat YAML extension's settings: each data file's schema, and YAML 1.1 as the
    generator's parser reads it (unquoted 08:00 is a number, no is false)."""
    return {
        "yaml.schemas": {data_schema_path(file): f"data/{file}" for file in data_files()},
        "yaml.yamlVersion": "1.1",
    }


def as_text(document: dict) -> str:
    """JSON as committed: sorted keys, two-space indent, a trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    """Every file this module makes, by its path from the repository root, with its text."""
    files = {
        front_matter_schema_path(kind.name, language): as_text(front_matter_schema(kind, language))
        for kind in KINDS
        if kind.content
        for language in LANGUAGES
    }
    files.update({data_schema_path(file): as_text(data_schema(file)) for file in data_files()})
    files[VSCODE_SETTINGS] = as_text(vscode_settings())
    files[FRONT_MATTER_CMS] = as_text(front_matter_cms())
    return files


def write(root: Path, files: dict[str, str]) -> list[str]:
    """Write the generated files (generated()) below root, and remove the schemas of kinds or
    files there no longer are, from this module's own two folders only. Returns the paths
    written or removed."""
    changed = []
    for rel, text in files.items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for stale in sorted(path for folder in (FRONT_MATTER, DATA) for path in (root / folder).glob("*.schema.json")):
        rel = stale.relative_to(root).as_posix()
        if rel not in files:
            stale.unlink()
            changed.append(rel)
    return changed
