"""The typed model of a handbook: frozen dataclasses with references resolved to objects.

Later stages (rendering, export) see only these, never raw YAML. Dataclasses compare by
identity (`eq=False`) because references can form cycles (an alert names the incidents it
detects, and the incident names the alert).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any


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
class Channel:
    """A notification target such as `slack: "#alerts"`; `team` resolves to a Team."""

    kind: str
    target: str
    team: Team | None = None

    @property
    def pages(self) -> bool:
        """Whether notifying this channel wakes someone up."""
        if self.team is not None:
            return any(c.pages for c in self.team.channels)
        return self.kind in ("pagerduty", "opsgenie")


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
    def text(self) -> str:
        """The condition in one line, such as `API latency p95 > 1 s for 10m`."""
        parts = []
        if self.metric:
            parts.append(self.metric)
        elif self.expr and self.operator is not None and self.threshold is not None:
            parts.append(" ".join(self.expr.split()))
        if self.operator is not None and self.threshold is not None:
            unit = self.unit or ""
            spaced = "" if unit in ("", "%") or unit.startswith("/") else " "
            parts.append(f"{self.operator} {self.threshold:g}{spaced}{unit}")
        if not parts and (self.description or self.expr):
            parts.append(" ".join((self.description or self.expr or "").split()))
        if self.window:
            parts.append(f"over {self.window}")
        if self.for_:
            parts.append(f"for {self.for_}")
        if self.keep_firing_for:
            parts.append(f"keeps firing {self.keep_firing_for}")
        return " ".join(parts)


@dataclass(frozen=True, eq=False)
class Team:
    """A team that owns services and is reached through its channels."""

    id: str
    name: str
    source: Source
    description: str | None = None
    channels: tuple[Channel, ...] = ()
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, eq=False)
class Member:
    """A person in a team, with their role and how to reach them."""

    name: str
    role: str | None = None
    contact: str | None = None


@dataclass(frozen=True, eq=False)
class Severity:
    """One severity level (SEV-1 …): what it means, how fast to respond, whether it pages."""

    id: str
    rank: int
    meaning: str
    source: Source
    name: str | None = None
    examples: tuple[str, ...] = ()
    pages: bool = False
    response_time: str | None = None
    update_every: str | None = None
    who: str | None = None
    label: str = ""
    """The `severity` label value of its Prometheus rules; empty: they carry none."""
    scale: str | None = None
    """`alert` or `incident` as the definition says; None: decided by what uses it."""


@dataclass(frozen=True, eq=False)
class EscalationLevel:
    """One step of an escalation policy: who, after how long, how to reach them."""

    name: str
    after: str
    level: str | None = None
    team: Team | None = None
    contact: tuple[Channel, ...] = ()
    responsibilities: str | None = None

    @property
    def reach(self) -> tuple[Channel, ...]:
        """How to reach this level: its own contact, else its team's channels."""
        return self.contact or (self.team.channels if self.team else ())


@dataclass(frozen=True, eq=False)
class Escalation:
    """An escalation policy: its ordered levels, and how often it repeats."""

    id: str
    name: str
    levels: tuple[EscalationLevel, ...]
    source: Source
    description: str | None = None
    repeat: int | None = None


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


@dataclass(frozen=True, eq=False)
class Variant:
    """One value of a flag, with its name, its share of a split and what it means."""

    value: str | int | float | bool | dict[str, Any]
    description: str | None = None
    name: str | None = None
    weight: float | int | None = None


@dataclass(frozen=True, eq=False)
class Bucketing:
    """How a percentage or experiment flag assigns users to variants."""

    by: str | None = None
    deterministic: bool | None = None
    anonymous: str | None = None
    key: str | None = None


@dataclass(frozen=True, eq=False)
class FlagChange:
    """How to change a flag: the exact command (with `{value}`), where, whether to restart."""

    command: str | None = None
    how: str | None = None
    where: str | None = None
    restart: bool | None = None


_SERVED = {
    "environment": "an environment variable, read by the process",
    "config": "configuration deployed with the service",
    "flag-system": "a flag system, evaluated at run time",
}


@dataclass(frozen=True, eq=False)
class Flag:
    """A feature flag: its type, purpose, values, kill switch, how to change it."""

    id: str
    key: str
    service: Service
    type: str
    purpose: str
    description: str
    default: Any
    source: Source
    name: str | None = None
    owner: Team | None = None
    group: str | None = None
    variants: tuple[Variant, ...] = ()
    rollout_percentage: float | int | None = None
    on_value: str = "true"
    off_value: str = "false"
    bucketing: Bucketing | None = None
    when_on: str | None = None
    when_off: str | None = None
    kill_value: Any = None
    kill_command: str | None = None
    kill_note: str | None = None
    change: FlagChange | None = None
    propagation: str | None = None
    created: str | None = None
    expires: str | None = None
    reviewed: str | None = None
    review_by: str | None = None
    served_by: str | None = None
    state: str = "enabled"
    targeting: dict[str, Any] | None = None
    metadata: tuple[tuple[str, str | int | float | bool], ...] = ()

    @property
    def is_kill_switch(self) -> bool:
        return self.purpose == "kill-switch"

    @property
    def applies(self) -> str | None:
        """Where a change to the flag is made and what it takes (restart, propagation)."""
        parts = []
        if self.change is not None and self.change.where:
            parts.append(self.change.where)
        if self.change is not None and self.change.restart:
            parts.append("needs a restart")
        if self.propagation:
            parts.append(f"takes effect within {self.propagation}")
        return "; ".join(parts) or None

    @property
    def served(self) -> str | None:
        """What serves the flag's value, in words."""
        return _SERVED.get(self.served_by or "")

    def share(self, variant: Variant) -> float | None:
        """The variant's share of the traffic in percent, when the variants split it."""
        total = sum(v.weight for v in self.variants if v.weight is not None)
        return None if variant.weight is None or not total else 100 * variant.weight / total

    @property
    def metadata_shown(self) -> tuple[tuple[str, str], ...]:
        """The metadata with each value as the flag system holds it (`true`, `3`, text)."""
        return tuple((k, v if isinstance(v, str) else json.dumps(v)) for k, v in self.metadata)

    @property
    def targeting_json(self) -> str:
        """The targeting rule as indented JSON, as a flag system reads it."""
        return json.dumps(self.targeting, indent=2, ensure_ascii=False)

    def written(self, value: Any) -> str:
        """`value` as it is written where the flag lives (`1` for true, say)."""
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        if isinstance(value, bool):
            return self.on_value if value else self.off_value
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    def command_for(self, value: Any) -> str | None:
        """The exact command that sets the flag to `value`, when the flag documents one."""
        if self.kill_command and type(value) is type(self.kill_value) and value == self.kill_value:
            return self.kill_command
        if self.change is None or self.change.command is None:
            return None
        return self.change.command.replace("{value}", self.written(value))


@dataclass(frozen=True, eq=False)
class FlagSetting:
    """A flag set to a value by a step (a mitigation, a rollback, a phase)."""

    flag: Flag
    value: Any
    why: str | None = None

    @property
    def command(self) -> str | None:
        return self.flag.command_for(self.value)


@dataclass(frozen=True, eq=False)
class Step:
    """One step: text, a command, or a flag to set (or a mix)."""

    text: str | None = None
    run: str | None = None
    lang: str = "bash"
    set_flag: FlagSetting | None = None
    expect: str | None = None
    link: Link | None = None


@dataclass(frozen=True, eq=False)
class AlertLevel:
    """One severity level of an alert: its condition and whom it notifies."""

    severity: Severity
    condition: Condition
    notify: tuple[Channel, ...]
    labels: tuple[tuple[str, str], ...] = ()
    summary: str | None = None
    description: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def pages(self) -> bool:
        return self.severity.pages


@dataclass(frozen=True)
class RuleGroup:
    """The Prometheus rule group an alert's rules belong to."""

    name: str
    interval: str | None = None


@dataclass(frozen=True, eq=False)
class AlertEscalation:
    """When an alert is to be escalated, and to which policy."""

    policy: Escalation | None = None
    after: str | None = None
    note: str | None = None


@dataclass(frozen=True, eq=False)
class Alert:
    """An alert with its levels and its runbook (meaning, impact, diagnosis, mitigation)."""

    id: str
    service: Service
    summary: str
    levels: tuple[AlertLevel, ...]
    notify: tuple[Channel, ...]
    meaning: str
    source: Source
    description: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    group: RuleGroup | None = None
    impact: str | None = None
    first_step: str | None = None
    diagnosis: tuple[Step, ...] = ()
    mitigation: tuple[Step, ...] = ()
    escalation: AlertEscalation | None = None
    dashboards: tuple[Link, ...] = ()
    incidents: tuple[Incident, ...] = field(default=(), repr=False)
    reviewed: str | None = None
    review_by: str | None = None

    @property
    def pages(self) -> bool:
        """Whether any level of the alert pages someone."""
        return any(level.pages for level in self.levels)

    @property
    def worst(self) -> Severity:
        """The gravest severity among its levels."""
        return min((level.severity for level in self.levels), key=lambda s: s.rank)

    @property
    def policy(self) -> Escalation | None:
        """The escalation policy that applies: the alert's own, else its service's."""
        if self.escalation is not None and self.escalation.policy is not None:
            return self.escalation.policy
        return self.service.escalation

    @property
    def first_mitigation(self) -> Step | None:
        """The step to take first: the first mitigation that flips a kill switch, else the
        first mitigation step."""
        for step in self.mitigation:
            if step.set_flag is not None and step.set_flag.flag.is_kill_switch:
                return step
        return self.mitigation[0] if self.mitigation else None


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


@dataclass(frozen=True, eq=False)
class Analysis:
    """An Argo Rollouts analysis that judges a gate: its template and the step's arguments."""

    template: str
    cluster_scope: bool = False
    args: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, eq=False)
class Gate:
    """What must hold before a rollout phase goes on: a metric, alert, SLO or manual check."""

    id: str
    check: str
    condition: Condition | None = None
    alert: Alert | None = None
    slo: Slo | None = None
    manual: bool = False
    analysis: Analysis | None = None
    slo_ref: str | None = None
    """The SLO as the definition names it, `service/slo-id`."""


@dataclass(frozen=True, eq=False)
class ArgoStep:
    """An Argo Rollouts step with no meaning in the plan, kept as written."""

    at: str
    step: dict[str, Any]

    @property
    def kind(self) -> str:
        return next(iter(self.step))


@dataclass(frozen=True, eq=False)
class Monitoring:
    """What to watch during a rollout phase, how often and for how long."""

    cadence: str | None = None
    duration: str | None = None
    watch: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Phase:
    """One phase of a rollout: traffic share, audience, soak time, gates, approvals."""

    id: str
    name: str
    when: str | None = None
    environment: str | None = None
    traffic_min: float | int | None = None
    traffic_max: float | int | None = None
    audience: str | None = None
    flag_value: Any = None
    settings: tuple[FlagSetting, ...] = ()
    soak: str | None = None
    goals: tuple[str, ...] = ()
    tasks: tuple[CheckItem, ...] = ()
    gates: tuple[Gate, ...] = ()
    monitoring: Monitoring | None = None
    commands: tuple[Step, ...] = ()
    approvals: tuple[str, ...] = ()
    argo_steps: tuple[ArgoStep, ...] = ()

    @property
    def traffic(self) -> str | None:
        """The traffic share as text: `10%` or `10–20%`."""
        if self.traffic_min is None:
            return None
        if self.traffic_min == self.traffic_max:
            return f"{self.traffic_min:g}%"
        return f"{self.traffic_min:g}–{self.traffic_max:g}%"


@dataclass(frozen=True, eq=False)
class RollbackTrigger:
    """A condition on which a rollout is rolled back."""

    description: str
    id: str | None = None
    condition: Condition | None = None
    alert: Alert | None = None
    automatic: bool = False


@dataclass(frozen=True, eq=False)
class Rollback:
    """How to roll a rollout back: triggers, steps, and the target time."""

    triggers: tuple[RollbackTrigger, ...]
    procedure: tuple[Step, ...]
    target_time: str | None = None
    verify: tuple[Step, ...] = ()


@dataclass(frozen=True, eq=False)
class Risk:
    """A known risk of a rollout: its impact, likelihood and mitigation."""

    risk: str
    mitigation: str
    impact: str | None = None
    likelihood: str | None = None


def kubernetes_name(text: str) -> str:
    """`text` as a Kubernetes object name: lower case, runs of other characters as `-`."""
    name = re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.")
    return name[:253].rstrip("-.") or "rollout"


@dataclass(frozen=True, eq=False)
class ArgoRollout:
    """The Argo Rollouts `Rollout` that executes a rollout plan."""

    name: str
    namespace: str | None = None
    metadata: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None

    def command(self, verb: str) -> str:
        """The `kubectl argo rollouts` command `verb` (promote, abort, undo) for it."""
        where = f" -n {self.namespace}" if self.namespace else ""
        return f"kubectl argo rollouts {verb} {self.name}{where}"


@dataclass(frozen=True, eq=False)
class Rollout:
    """A rollout plan: its gating flag, prerequisites, phases, rollback, launch items."""

    id: str
    name: str
    service: Service
    strategy: str
    phases: tuple[Phase, ...]
    rollback: Rollback | None
    source: Source
    flag: Flag | None = None
    owner: Team | None = None
    summary: str | None = None
    prerequisites: tuple[CheckItem, ...] = ()
    launch_day: tuple[CheckItem, ...] = ()
    post_launch: tuple[CheckItem, ...] = ()
    post_launch_monitoring: Monitoring | None = None
    success_criteria: tuple[str, ...] = ()
    risks: tuple[Risk, ...] = ()
    reviewed: str | None = None
    review_by: str | None = None
    argo: ArgoRollout | None = None


@dataclass(frozen=True, eq=False)
class Communication:
    """Prefilled incident messages (initial, update, resolved) for some channels and audience."""

    channels: tuple[Channel, ...] = ()
    audience: str | None = None
    initial: str | None = None
    update: str | None = None
    resolved: str | None = None


@dataclass(frozen=True, eq=False)
class Postmortem:
    """Whether an incident needs a post-mortem, within what time, who owns it, its sections."""

    required: bool
    within: str | None = None
    owner: str | None = None
    sections: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Incident:
    """An incident scenario: symptoms, detecting alerts, diagnosis, resolution."""

    id: str
    title: str
    service: Service
    severity: Severity
    symptoms: tuple[str, ...]
    source: Source
    summary: str | None = None
    detected_by: tuple[Alert, ...] = ()
    impact: str | None = None
    diagnosis: tuple[Step, ...] = ()
    resolution: tuple[Step, ...] = ()
    flags: tuple[FlagSetting, ...] = ()
    escalation: Escalation | None = None
    communication: Communication | None = None
    postmortem: Postmortem | None = None
    rollouts: tuple[Rollout, ...] = ()
    reviewed: str | None = None
    review_by: str | None = None


@dataclass(frozen=True, eq=False)
class ChecklistSection:
    """A titled section of a readiness checklist."""

    id: str
    title: str
    items: tuple[CheckItem, ...]
    when: str | None = None


@dataclass(frozen=True, eq=False)
class Checklist:
    """A standalone readiness checklist: sections of items, owner, evidence."""

    id: str
    title: str
    sections: tuple[ChecklistSection, ...]
    source: Source
    kind: str = "readiness"
    service: Service | None = None
    owner: str | None = None
    summary: str | None = None
    reviewed: str | None = None
    review_by: str | None = None


_NONE_OF: tuple[tuple[Any, ...], ...] = ((), (), (), (), ())


@dataclass(frozen=True, eq=False)
class Catalog:
    """The whole handbook, every kind in definition order (files sorted by path)."""

    services: tuple[Service, ...]
    teams: tuple[Team, ...]
    severities: tuple[Severity, ...]
    escalations: tuple[Escalation, ...]
    flags: tuple[Flag, ...]
    alerts: tuple[Alert, ...]
    rollouts: tuple[Rollout, ...]
    incidents: tuple[Incident, ...]
    checklists: tuple[Checklist, ...]

    def flags_of(self, service: Service) -> tuple[Flag, ...]:
        return self._by_service.get(id(service), _NONE_OF)[0]

    def alerts_of(self, service: Service) -> tuple[Alert, ...]:
        return self._by_service.get(id(service), _NONE_OF)[1]

    def rollouts_of(self, service: Service) -> tuple[Rollout, ...]:
        return self._by_service.get(id(service), _NONE_OF)[2]

    def incidents_of(self, service: Service) -> tuple[Incident, ...]:
        return self._by_service.get(id(service), _NONE_OF)[3]

    def checklists_of(self, service: Service) -> tuple[Checklist, ...]:
        return self._by_service.get(id(service), _NONE_OF)[4]

    def alerts_at(self, severity: Severity) -> tuple[Alert, ...]:
        """Alerts with a level at `severity`, in definition order."""
        return self._by_severity.get(id(severity), ((), ()))[0]

    def scale_of(self, severity: Severity) -> str:
        """`alert` or `incident`: the severity's own `scale`, else `incident` when incidents
        use it and no alert does, else `alert`."""
        if severity.scale:
            return severity.scale
        if not self.alerts_at(severity) and any(i.severity is severity for i in self.incidents):
            return "incident"
        return "alert"

    def worst_at(self, severity: Severity) -> tuple[Alert, ...]:
        """Alerts whose gravest level is at `severity`, in definition order."""
        return self._by_severity.get(id(severity), ((), ()))[1]

    @functools.cached_property
    def paging_alerts(self) -> tuple[Alert, ...]:
        """Alerts with a level that pages someone."""
        return tuple(a for a in self.alerts if a.pages)

    @functools.cached_property
    def _by_severity(self) -> dict[int, tuple[tuple[Alert, ...], tuple[Alert, ...]]]:
        at: dict[int, list[Alert]] = {id(s): [] for s in self.severities}
        worst: dict[int, list[Alert]] = {id(s): [] for s in self.severities}
        for alert in self.alerts:
            for key in dict.fromkeys(id(level.severity) for level in alert.levels):
                at[key].append(alert)
            worst[id(alert.worst)].append(alert)
        return {key: (tuple(at[key]), tuple(worst[key])) for key in at}

    @functools.cached_property
    def _by_service(self) -> dict[int, tuple[tuple[Any, ...], ...]]:
        """Each service's flags, alerts, rollouts, incidents and checklists, grouped once:
        pages ask for them service by service, and a scan per question grows as N²."""
        groups: dict[int, tuple[list[Any], ...]] = {
            id(s): ([], [], [], [], []) for s in self.services
        }
        kinds: tuple[tuple[Any, ...], ...] = (
            self.flags,
            self.alerts,
            self.rollouts,
            self.incidents,
            self.checklists,
        )
        for slot, definitions in enumerate(kinds):
            for definition in definitions:
                if definition.service is not None:
                    groups[id(definition.service)][slot].append(definition)
        return {key: tuple(tuple(g) for g in group) for key, group in groups.items()}
