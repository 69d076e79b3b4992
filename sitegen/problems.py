"""Problems found in the content: collected as data, formatted in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One error or warning, pointing at a file, a line and a field."""

    path: str
    line: int
    field: str
    message: str
    warning: bool = False

    def format(self) -> str:
        kind = " warning:" if self.warning else ""
        return f"{self.path}:{self.line}:{kind} {self.field}: {self.message}"

    def github(self) -> str:
        """The problem as a GitHub Actions annotation, escaped as its workflow commands ask."""
        where = f"file={_escape(self.path, True)},line={self.line}"
        return f"::{'warning' if self.warning else 'error'} {where}::{_escape(f'{self.field}: {self.message}', False)}"


def _escape(text: str, property_value: bool) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


@dataclass
class Problems:
    """Collects every problem of a run so they can all be reported at once."""

    items: list[Problem] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)  # the pages left out as drafts, said every time
    # Files that cannot be read (YAML that does not parse, a page whose front matter does not):
    # their problems are the real cause and come first; the errors that would only follow from
    # them (a reviewer "missing" from an unreadable providers.yaml) are counted, not shown.
    unreadable: set[str] = field(default_factory=set)
    held_back: int = 0

    def error(self, path: str, line: int, field_name: str, message: str) -> None:
        self.items.append(Problem(path, line, field_name, message))

    def warn(self, path: str, line: int, field_name: str, message: str) -> None:
        self.items.append(Problem(path, line, field_name, message, warning=True))

    def cannot_read(self, path: str) -> None:
        """path cannot be read: its errors are listed first, and what follows from it held back."""
        self.unreadable.add(path)

    def hold_back(self) -> None:
        """An error that follows from a file that cannot be read: counted, not shown."""
        self.held_back += 1

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.warning]

    def report(self) -> str:
        """Every problem a line (the files that cannot be read first, then the rest sorted by
        path and line), the drafts left out, then a count."""
        return "\n".join([*self.lines(), _count(len(self.errors), len(self.warnings)) + self.held_back_note()])

    def lines(self) -> list[str]:
        """Every problem a line, sorted by path and line, then the drafts left out."""
        lines = [p.format() for p in self.in_order()]
        return lines + ([self.drafts_note()] if self.drafts else [])

    def in_order(self) -> list[Problem]:
        """Each problem once: those of the files that cannot be read first, then the rest,
        each group sorted by path and line."""
        return sorted(set(self.items), key=lambda p: (p.path not in self.unreadable, *_sort_key(p)))

    def github(self) -> list[str]:
        """Every problem as a GitHub Actions annotation, then the drafts left out as a notice."""
        notice = [f"::notice::{_escape(self.drafts_note(), False)}"] if self.drafts else []
        return [p.github() for p in self.in_order()] + notice

    def drafts_note(self) -> str:
        """1 draft left out: content/tumors/x.md (preview it with --drafts, ...)"""
        count, shown = len(self.drafts), ", ".join(self.drafts[:10])
        more = f" and {count - 10} more" if count > 10 else ""
        if count == 1:
            return f"1 draft left out: {shown} (preview it with --drafts, publish it by removing draft: true)"
        return f"{count} drafts left out: {shown}{more} (preview them with --drafts, publish each by removing draft: true)"

    def warnings_note(self) -> str:
        """ "", or " (1 warning)" after a summary that says there are no errors."""
        count = len(self.warnings)
        return f" ({count} warning{'' if count == 1 else 's'})" if count else ""

    def held_back_note(self) -> str:
        """ "", or how many checks wait for the files that cannot be read."""
        if not self.held_back:
            return ""
        files = sorted(self.unreadable)
        shown = files[0] if len(files) == 1 else ", ".join(files[:-1][:4]) + f" and {files[-1] if len(files) <= 5 else 'others'}"
        count = f"{self.held_back} check{'' if self.held_back == 1 else 's'}"
        return f" ({count} that need {shown} wait until {'it' if len(files) == 1 else 'they'} can be read)"


def _sort_key(problem: Problem) -> tuple:
    return (problem.path, problem.line, problem.warning, problem.field, problem.message)


def _count(errors: int, warnings: int) -> str:
    parts = [f"{errors} error{'' if errors == 1 else 's'}"]
    if warnings:
        parts.append(f"{warnings} warning{'' if warnings == 1 else 's'}")
    return ", ".join(parts)
