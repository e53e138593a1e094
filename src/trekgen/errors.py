"""Source locations, problems, and the list that collects them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


def display_path(path: Path) -> str:
    """The path as a user wants to see it: relative to the current folder when inside it."""
    try:
        return Path(os.path.relpath(path)).as_posix() if path.is_absolute() else path.as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


@dataclass(frozen=True, order=True)
class Location:
    """A point in a source file; line and column count from 1."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, at its place."""

    location: Location
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"

    def annotation(self) -> str:
        """The GitHub Actions workflow command for this problem."""
        loc = self.location
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{self.severity} file={loc.path},line={loc.line},col={loc.column}::{message}"


class Problems:
    """Collects every problem so that all of them are reported at once."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def error(self, location: Location, message: str) -> None:
        self._items.append(Problem(location, message, "error"))

    def warning(self, location: Location, message: str) -> None:
        self._items.append(Problem(location, message, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(set(self._items))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.sorted())


class TrekgenError(Exception):
    """An error trekgen reports in words, never as a traceback."""


class ContentError(TrekgenError):
    """The content has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(p.severity == "error" for p in problems)
        super().__init__(f"{errors} error{'s' if errors != 1 else ''} in the content")


class UsageError(TrekgenError):
    """The command was asked to do something it must refuse (exit 2)."""
