"""Diagnostics: one positioned problem found in the definitions, and the error root."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_MESSAGE = 400
"""Characters of a message kept: a message quotes values, and a value can be a whole file."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
"""Control characters, and the invisible and direction-changing ones a terminal shows as
nothing or uses to reorder text (`Trojan source`)."""


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

    def __post_init__(self) -> None:
        # A quoted value cannot move the terminal's cursor, start a new CI log line or run
        # for pages: control characters are shown as escapes, and long messages cut.
        if len(self.message) <= MAX_MESSAGE and self.message.isprintable():
            return
        message = printable(self.message)
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        if message != self.message:
            object.__setattr__(self, "message", message)

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
    return sorted(
        set(diagnostics),
        key=lambda d: (d.rule not in first, d.path, d.line, d.col, d.level, d.rule, d.message),
    )


def limit_per_file(diagnostics: list[Diagnostic], limit: int) -> list[Diagnostic]:
    """At most `limit` diagnostics of each file (in the order given), then one
    `problem-limit` line that counts the rest (and takes in any `problem-limit` line made
    earlier, such as the schema check's count of definitions it did not describe)."""
    kept: list[Diagnostic] = []
    shown: dict[str, int] = {}
    rest: dict[str, list[Diagnostic]] = {}
    notes: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.rule == "problem-limit":
            notes.setdefault(diagnostic.path, []).append(diagnostic)
        elif shown.get(diagnostic.path, 0) < limit:
            kept.append(diagnostic)
            shown[diagnostic.path] = shown.get(diagnostic.path, 0) + 1
        else:
            rest.setdefault(diagnostic.path, []).append(diagnostic)
    for path in sorted(rest.keys() | notes.keys()):
        hidden, earlier = rest.get(path, []), notes.get(path, [])
        errors = sum(d.level is Level.ERROR for d in hidden)
        parts = (
            [f"{len(hidden):,} more are not ({errors:,} errors, {len(hidden) - errors:,} warnings)"]
            if hidden
            else []
        )
        parts += [d.message for d in earlier]
        first = (hidden or earlier)[0]
        kept.append(
            Diagnostic(
                path,
                first.line,
                first.col,
                Level.ERROR if errors or earlier else Level.WARNING,
                "problem-limit",
                f"{shown.get(path, 0)} problems shown in this file; {'; '.join(parts)}: fix "
                "the first ones, then validate again",
            )
        )
    return kept


def printable(text: str) -> str:
    """`text` for a terminal line: control characters and line breaks as escapes, so a
    value cannot move the cursor, clear the screen or forge another line of output."""
    if text.isprintable():
        return text
    text = _CONTROL.sub(lambda m: _escape(ord(m[0])), text)
    return text.replace("\n", "\\n").replace("\t", "\\t")


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class OpsbookError(Exception):
    """Root of every error opsbook reports to a user; the CLI turns it into an exit code."""

    exit_code = 1


class UsageError(OpsbookError):
    """The command was called wrongly (a missing path, a bad option)."""

    exit_code = 2
