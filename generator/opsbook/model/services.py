"""Services: dependencies, health checks, SLOs, configuration, signals, procedures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from opsbook.model.common import Condition, Link, Source, Step, _spoken, duration_seconds
from opsbook.model.teams import Escalation, Team


@dataclass(frozen=True, eq=False)
class Dependency:
    """Something a service depends on; `service` when it is one of the handbook's."""

    name: str
    kind: str | None = None
    critical: bool = True
    fallback: str | None = None
    description: str | None = None
    service: Service | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class SubCheck:
    """One named part of a health check."""

    name: str
    description: str | None = None


@dataclass(frozen=True, eq=False)
class HealthCheck:
    """How to tell that a service is healthy: an endpoint, a command, or both."""

    id: str
    kind: str
    name: str | None = None
    endpoint: str | None = None
    expect: str | None = None
    command: str | None = None
    interval: str | None = None
    checks: tuple[SubCheck, ...] = ()
    description: str | None = None


@dataclass(frozen=True, eq=False)
class Indicator:
    """How an SLO is measured: a ratio of good (or bad) to all events, or a threshold on
    one metric, each a query (text, or a metric source's own spec)."""

    name: str | None = None
    description: str | None = None
    source: str = "Prometheus"
    counter: bool | None = None
    good: str | dict[str, Any] | None = None
    bad: str | dict[str, Any] | None = None
    total: str | dict[str, Any] | None = None
    threshold: str | dict[str, Any] | None = None

    @property
    def queries(self) -> tuple[tuple[str, str, str], ...]:
        """(what it counts, the query as text, its language) for each query."""
        said = (
            ("good", "Good events"),
            ("bad", "Bad events"),
            ("total", "All events"),
            ("threshold", "The metric"),
        )
        found = []
        for key, what in said:
            query = getattr(self, key)
            if isinstance(query, str):
                found.append((what, query, "promql" if self.source == "Prometheus" else ""))
            elif query is not None:
                found.append((what, json.dumps(query, indent=2, ensure_ascii=False), "json"))
        return tuple(found)

    @property
    def ratio_query(self) -> str | None:
        """For a Prometheus ratio: the good share of events (0–1) as one PromQL query."""
        if self.source != "Prometheus" or not isinstance(self.total, str):
            return None
        if isinstance(self.good, str):
            return f"({self.good}) / ({self.total})"
        if isinstance(self.bad, str):
            return f"1 - ({self.bad}) / ({self.total})"
        return None


@dataclass(frozen=True, eq=False)
class Slo:
    """A service level objective (or indicator) of a service."""

    id: str
    name: str
    objective: Condition
    kind: str = "slo"
    window: str | None = None
    description: str | None = None
    indicator: Indicator | None = None
    target: float | int | None = None
    budgeting: str = "occurrences"
    slice_window: str | None = None
    slice_target: float | int | None = None
    calendar: tuple[str, str | None, str | None] | None = None

    @property
    def period(self) -> str | None:
        """The compliance window in words: `28d, rolling` or `1M, calendar from …`."""
        if self.calendar is not None:
            period, start, zone = self.calendar
            since = f" from {start}" if start else ""
            return f"{period}, calendar{since}{f' ({zone})' if zone else ''}"
        return f"{self.window}, rolling" if self.window else None

    @property
    def budget(self) -> str | None:
        """The error budget in words, with what it amounts to where that is known."""
        if self.target is None:
            return None
        share = f"{100 - self.target:.6g}%"
        if self.budgeting == "occurrences":
            text = f"{share} of events may be bad"
        elif self.budgeting == "timeslices":
            good = (
                f" (a slice is good when {self.slice_target:g}% of it is)"
                if (self.slice_target is not None)
                else ""
            )
            text = f"{share} of the {self.slice_window} slices may be bad{good}"
        else:
            text = f"the {self.slice_window} slices' good ratios may average {share} below 100%"
        seconds = duration_seconds(self.window) if self.calendar is None else None
        if seconds:
            allowed = seconds * (100 - self.target) / 100
            text += f"; over {self.window}, about {_spoken(allowed)} of full outage"
        return text


@dataclass(frozen=True, eq=False)
class ConfigValue:
    """A configuration setting of a service, with its default."""

    key: str
    default: Any = None
    unit: str | None = None
    description: str | None = None


@dataclass(frozen=True, eq=False)
class Signal:
    """A signal worth watching for a service: its kind, where it comes from, a command to see it."""

    name: str
    kind: str
    source: str | None = None
    command: str | None = None
    description: str | None = None


@dataclass(frozen=True, eq=False)
class Procedure:
    """An operational procedure of a service (a restart, a failover): ordered steps."""

    id: str
    title: str
    steps: tuple[Step, ...]
    when: str | None = None
    target_time: str | None = None


@dataclass(frozen=True, eq=False)
class Service:
    """A service: owner, tier, links, dependencies, health checks, SLOs, procedures."""

    id: str
    name: str
    owner: Team
    source: Source
    summary: str | None = None
    description: str | None = None
    tier: int | None = None
    escalation: Escalation | None = None
    links: tuple[Link, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    slos: tuple[Slo, ...] = ()
    config: tuple[ConfigValue, ...] = ()
    telemetry: tuple[Signal, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    reviewed: str | None = None
    review_by: str | None = None
