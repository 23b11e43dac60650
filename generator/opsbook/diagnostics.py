"""Diagnostics: one positioned problem found in the definitions, and the error root."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """How bad a diagnostic is."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem at `path:line:col` (1-based), produced by a rule with a stable id."""

    path: str
    line: int
    col: int
    level: Level
    rule: str
    message: str

    def format(self) -> str:
        """The one-line text form: `path:line:col: level [rule] message`."""
        return (
            f"{self.path}:{self.line}:{self.col}: {self.level.value} [{self.rule}] {self.message}"
        )


def sort_diagnostics(
    diagnostics: list[Diagnostic], first: frozenset[str] = frozenset()
) -> list[Diagnostic]:
    """Sorted by file, then line and column, without duplicates; those of the rules in
    `first` (what stops a file from being read: the cause of what follows) come first."""
    return sorted(set(diagnostics), key=lambda d: (d.rule not in first, d))


class OpsbookError(Exception):
    """Root of every error opsbook reports to a user; the CLI turns it into an exit code."""

    exit_code = 1


class UsageError(OpsbookError):
    """The command was called wrongly (a missing path, a bad option)."""

    exit_code = 2
