"""Typed checks for the fields of a YAML mapping: unknown keys with a did-you-mean, missing
fields, and values YAML read as another type because they were not quoted."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from .problems import Problems
from .source import BadDate, YList, YMap, as_date

TEXT, TEXT_LIST, WORDS, BOOL, DATE, INT, MAP, LIST, NUMBER, PHONE, TIME, URL = (
    "text",
    "text list",
    "words",  # a word or a list of words: one text, or a text list
    "bool",
    "date",
    "int",
    "map",
    "list",
    "number",
    "phone",  # text in E.164: a plus sign, the country code and the number
    "time",  # text, a time of day on the 24-hour clock: "08:00"
    "url",  # text, the full https address of one page of another site (not its home page)
)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# https, a host name with a dot, and a path beyond the home page; no spaces or quotes.
PAGE_URL = re.compile(r"^https://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?/[^\s\"'<>]*[^\s\"'<>/#?][^\s\"'<>]*$")


@dataclass
class Where:
    """The file and the name a field is reported under (`providers[dr-lee].phone`)."""

    path: str
    prefix: str = ""

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key


def suggest(key: str, known) -> str:
    """' (did you mean `x`?)' for the nearest known key, or a list of what is allowed."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "known fields: " + ", ".join(sorted(known))


def check_fields(
    mapping: YMap,
    spec: dict[str, str],
    required: set[str],
    where: Where,
    problems: Problems,
    missing_line: int | None = None,
    choices: dict[str, tuple[str, ...]] | None = None,
) -> dict:
    """The fields of mapping that have the type spec asks for; every other field is reported.
    choices: the values allowed in a field, where only some are, for the message of an empty one."""
    good: dict = {}
    for key, value in mapping.items():
        line = mapping.key_lines.get(key, mapping.line)
        if key not in spec:
            problems.error(where.path, line, where.name(key), f"unknown field; {suggest(key, spec)}")
            continue
        if key in required and (value is None or (isinstance(value, str) and not value.strip())) and spec[key] != BOOL:
            allowed = (choices or {}).get(key)
            what = f"write one of {', '.join(allowed)}" if allowed else "write it"
            problems.error(where.path, line, where.name(key), f"is empty, and it is required; {what}")
            continue
        checked = check_value(value, spec[key], mapping.raw.get(key), where.path, line, where.name(key), problems)
        if checked is not None:
            good[key] = checked
    for key in sorted(required - mapping.keys()):
        allowed = (choices or {}).get(key)
        problems.error(
            where.path,
            missing_line or mapping.line,
            where.name(key),
            f"missing; add a line `{key}: ...`" + (f" with one of {', '.join(allowed)}" if allowed else ""),
        )
    return good


def check_choices(values: YList, allowed: tuple[str, ...], required: bool, path: str, name: str, problems: Problems) -> list[str]:
    """The items of a list whose every item is one of allowed (a tumor's levels of the spine),
    each once; every other item is reported at its line as name[n], with the nearest choice.
    A required list names at least one. Items that are not text were reported by check_value."""
    good: list[str] = []
    for index, (item, line) in enumerate(zip(values, values.item_lines)):
        if not isinstance(item, str) or not item.strip():
            continue
        if item not in allowed:
            close = difflib.get_close_matches(item, allowed, n=1, cutoff=0.6)
            nearest = f'; did you mean "{close[0]}"?' if close else ""
            problems.error(path, line, f"{name}[{index + 1}]", f'"{item}" is not one of {", ".join(allowed)}{nearest}')
        elif item in good:
            problems.error(path, line, f"{name}[{index + 1}]", f'"{item}" is listed twice; keep one')
        else:
            good.append(item)
    if required and not values:
        problems.error(path, values.line, name, f"is empty; list at least one of {', '.join(allowed)}")
    return good


def check_value(value, kind: str, raw: str | None, path: str, line: int, name: str, problems: Problems):
    """value when it has the kind asked for, else None after recording why."""
    if kind == TEXT:
        if isinstance(value, str) and not isinstance(value, BadDate):
            if not value.strip():
                problems.error(path, line, name, "is empty; write the text or remove the field")
                return None
            return value
        if isinstance(value, BadDate):
            return value.text
        if value is None:
            problems.error(path, line, name, "is empty; write the text or remove the field")
            return None
        problems.error(path, line, name, _retyped(value, raw))
        return None
    if kind == TIME:
        text = check_value(value, TEXT, raw, path, line, name, problems)
        if text is not None and not TIME_OF_DAY.match(text):
            problems.error(path, line, name, f'"{text}" is not a time of day; write it from "00:00" to "23:59", like "08:00" or "17:30"')
            return None
        return text
    if kind == URL:
        text = check_value(value, TEXT, raw, path, line, name, problems)
        if text is not None and not PAGE_URL.match(text.strip()):
            problems.error(
                path, line, name, "should be the full address of the page you read, starting https:// (a page, not a site's home page)"
            )
            return None
        return text.strip() if text is not None else None
    if kind == PHONE:
        if isinstance(value, str) and E164.match(value):
            return value
        if isinstance(value, str) and value.strip():
            problems.error(path, line, name, f'"{value}" is not E.164; {e164_hint(value)}')
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            written = raw if raw is not None else str(value)
            problems.error(path, line, name, f"{written} was read as a number; {e164_hint(written)}, in quotes")
        else:
            problems.error(path, line, name, f"{_shown(value, raw)} is not a phone number; {e164_hint('')}")
        return None
    if kind == TEXT_LIST:
        if not isinstance(value, YList):
            if isinstance(value, str):
                problems.error(path, line, name, f'should be a list; write it as ["{value}"]')
            else:
                problems.error(path, line, name, "should be a list, like [first, second]")
            return None
        items = []
        for item, item_line, raw_item in zip(value, value.item_lines, value.item_raw):
            if isinstance(item, str) and item.strip():
                items.append(str(item))
            else:
                problems.error(path, item_line, name, _retyped(item, raw_item) if item is not None else "has an empty item; remove it")
        return items
    if kind == WORDS:
        if isinstance(value, str) and not isinstance(value, BadDate) and value.strip():
            return [str(value)]
        if isinstance(value, YList):
            return check_value(value, TEXT_LIST, raw, path, line, name, problems)
        problems.error(path, line, name, "should be a word or a list of words, like [ct]")
        return None
    if kind == BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in YAML_BOOLS:
            problems.error(path, line, name, f'"{value}" is in quotes, so it is text; write true or false, without quotes')
        else:
            problems.error(path, line, name, f"{_shown(value, raw)} should be true or false")
        return None
    if kind == DATE:
        if isinstance(value, BadDate):
            problems.error(path, line, name, f"{value.text} is not a real date; write it as YYYY-MM-DD")
            return None
        date = as_date(value)
        if date is None:
            problems.error(path, line, name, f"{_shown(value, raw)} is not a date; write it as YYYY-MM-DD, like 2026-01-31")
        return date
    if kind == INT:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        problems.error(path, line, name, f"{_shown(value, raw)} should be a whole number above 0")
        return None
    if kind == NUMBER:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        problems.error(path, line, name, f"{_shown(value, raw)} should be a number")
        return None
    if kind == MAP:
        if isinstance(value, YMap):
            return value
        problems.error(path, line, name, "should be a group of fields on the lines below it, indented")
        return None
    if kind == LIST:
        if isinstance(value, YList):
            return value
        problems.error(path, line, name, "should be a list, one `- ` item a line")
        return None
    raise ValueError(kind)  # pragma: no cover - a programming error, not a content one


# The words YAML 1.1 reads as true or false when they stand without quotes.
YAML_BOOLS = {"true", "false", "yes", "no", "on", "off"}


def _shown(value, raw: str | None) -> str:
    if raw is not None:
        return f'"{raw}"' if raw else "an empty value"
    if isinstance(value, (dt.date, bool, int, float)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return "this value"


def _retyped(value, raw: str | None) -> str:
    written = raw if raw is not None else str(value)
    if isinstance(value, bool):
        return f'{written} was read as {"true" if value else "false"}, not text; put quotes around it: "{written}"'
    if isinstance(value, (int, float)):
        return f'{written} was read as a number, not text; put quotes around it: "{written}"'
    if isinstance(value, dt.date):
        return f'{written} was read as a date, not text; put quotes around it: "{written}"'
    return "should be text"


def e164_hint(number: str) -> str:
    """How to write a number in E.164, with the rewritten number where it can be worked out."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return 'write it as a plus sign, the country code and the number, like "+19195550100"'
    if phonenumbers.is_possible_number(parsed):
        return f'write it as "{phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)}"'
    return 'write it as a plus sign, the country code and the number, like "+19195550100"'
