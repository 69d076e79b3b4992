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


@dataclass
class Problems:
    """Collects every problem of a run so they can all be reported at once."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, field_name: str, message: str) -> None:
        self.items.append(Problem(path, line, field_name, message))

    def warn(self, path: str, line: int, field_name: str, message: str) -> None:
        self.items.append(Problem(path, line, field_name, message, warning=True))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.warning]

    def report(self) -> str:
        """Every problem a line, sorted by path and line, then a count."""
        lines = [p.format() for p in sorted(set(self.items), key=_sort_key)]
        lines.append(_count(len(self.errors), len(self.warnings)))
        return "\n".join(lines)


def _sort_key(problem: Problem) -> tuple:
    return (problem.path, problem.line, problem.warning, problem.field, problem.message)


def _count(errors: int, warnings: int) -> str:
    parts = [f"{errors} error{'' if errors == 1 else 's'}"]
    if warnings:
        parts.append(f"{warnings} warning{'' if warnings == 1 else 's'}")
    return ", ".join(parts)
