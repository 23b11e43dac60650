"""Where a definition was written, links, conditions, steps and durations: what
every kind of definition uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsbook.core import defaults

if TYPE_CHECKING:
    from opsbook.model.flags import FlagSetting


@dataclass(frozen=True, eq=False)
class Source:
    """Where a definition was written: file and line."""

    path: str
    line: int


@dataclass(frozen=True, eq=False)
class Link:
    """A titled web address (a dashboard, logs, a repository, a document)."""

    title: str
    url: str
    kind: str | None = None


@dataclass(frozen=True, eq=False)
class Condition:
    """When an alert level or a gate fires: a PromQL `expr`, or metric, operator, threshold."""

    expr: str | None = None
    metric: str | None = None
    operator: str | None = None
    threshold: float | int | None = None
    unit: str | None = None
    window: str | None = None
    for_: str | None = None
    description: str | None = None
    keep_firing_for: str | None = None

    @property
    def fits_a_line(self) -> bool:
        """Whether `text` says the condition faithfully: not when it would be a PromQL
        expression of several lines (its `#` comments would swallow the rest), which a
        page shows as a block instead."""
        if self.metric or self.description or not self.expr:
            return True
        return "\n" not in self.expr.strip()

    @property
    def text(self) -> str:
        """The condition in one line, such as `API latency p95 > 1 s for 10m`."""
        parts = []
        if self.metric:
            parts.append(self.metric)
        elif self.expr and self.operator is not None and self.threshold is not None:
            parts.append(" ".join(self.expr.split()))
        if self.operator is not None and self.threshold is not None:
            parts.append(f"{self.operator} {self._value}")
        if not parts and (self.description or self.expr):
            parts.append(" ".join((self.description or self.expr or "").split()))
        if self.timing:
            parts.append(self.timing)
        return " ".join(parts)

    @property
    def comparison(self) -> str:
        """The threshold in words, such as `is above 1 s`; empty without one."""
        if self.operator is None or self.threshold is None:
            return ""
        return f"{_COMPARED.get(self.operator, self.operator)} {self._value}"

    @property
    def timing(self) -> str:
        """How long it must hold, such as `over 5m for 10m`; empty when it need not."""
        parts = []
        if self.window:
            parts.append(f"over {self.window}")
        if self.for_:
            parts.append(f"for {self.for_}")
        if self.keep_firing_for:
            parts.append(f"keeps firing {self.keep_firing_for}")
        return " ".join(parts)

    @property
    def _value(self) -> str:
        unit = self.unit or ""
        spaced = "" if unit in ("", "%") or unit.startswith("/") else " "
        return f"{self.threshold:g}{spaced}{unit}"


_COMPARED = {
    ">": "is above",
    ">=": "is at or above",
    "<": "is below",
    "<=": "is at or below",
    "==": "is",
    "!=": "is not",
}
"""Comparison operators as a sentence says them."""


_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration_seconds(duration: Any) -> float | None:
    """A schema-valid duration (`1h30m`, `3d`, `0`) in seconds; None for anything else."""
    if not isinstance(duration, str) or not re.fullmatch(r"0|(\d+(ms|s|m|h|d|w|y))+", duration):
        return None
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", duration))


def _spoken(seconds: float) -> str:
    """Seconds as `3h 36m` or `43m 12s`: the two largest units."""
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return " ".join(parts[:2]) or "0s"


@dataclass(frozen=True, eq=False)
class Step:
    """One step: text, a command, or a flag to set (or a mix)."""

    text: str | None = None
    run: str | None = None
    lang: str = "bash"
    set_flag: FlagSetting | None = None
    expect: str | None = None
    link: Link | None = None

    @property
    def is_placeholder(self) -> bool:
        """Only words still to be written (`TODO: how to stop the impact`, as an import
        leaves them): nothing to do yet."""
        return bool(
            self.text
            and defaults.PLACEHOLDER.search(self.text)
            and not (self.run or self.set_flag or self.expect or self.link)
        )


@dataclass(frozen=True, eq=False)
class CheckItem:
    """One item of a checklist, with its owner, evidence and command."""

    id: str
    text: str
    owner: str | None = None
    evidence: str | None = None
    required: bool = True
    done: bool = False
    run: str | None = None
