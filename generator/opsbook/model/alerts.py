"""Alerts: their levels, the rule group they come from, their escalation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsbook.model import gotemplate
from opsbook.model.common import Condition, Link, Source, Step
from opsbook.model.services import Service
from opsbook.model.teams import Channel, Escalation, Severity

if TYPE_CHECKING:
    from opsbook.model.incidents import Incident


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
    group: RuleGroup | None = None
    """The rule group of this level's rule, when it is not the alert's."""

    @property
    def pages(self) -> bool:
        return self.severity.pages


@dataclass(frozen=True)
class RecordingRule:
    """A Prometheus recording rule: the series `record`, computed from `expr`."""

    id: str
    service: Service
    record: str
    expr: str
    source: Source
    labels: tuple[tuple[str, str], ...] = ()
    group: RuleGroup | None = None
    description: str | None = None


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
    name: str = ""
    """The alert's name as Prometheus knows it: its own `name`, else its id."""

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
    def placeholders(self) -> tuple[str, ...]:
        """The labels whose values the page shows as placeholders (‹namespace›, from
        `{{ $labels.namespace }}` in its text, steps and links), sorted."""
        texts = [self.summary, self.meaning, self.description, self.impact, self.first_step]
        for step in (*self.diagnosis, *self.mitigation):
            texts += [step.text, step.run, step.expect]
            texts += [step.link.url, step.link.title] if step.link else []
        texts += [t for link in self.dashboards for t in (link.url, link.title)]
        return gotemplate.labels_in(" ".join(t for t in texts if t))

    @property
    def first_mitigation(self) -> Step | None:
        """The step to take first: the first mitigation that flips a kill switch, else the
        first mitigation step."""
        for step in self.mitigation:
            if step.set_flag is not None and step.set_flag.flag.is_kill_switch:
                return step
        return next((s for s in self.mitigation if not s.is_placeholder), None)

    @property
    def first_diagnosis(self) -> Step | None:
        """The first diagnosis step that says something to do (not a placeholder)."""
        return next((s for s in self.diagnosis if not s.is_placeholder), None)
