"""Incident scenarios with their communication and post-mortem templates."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.model.alerts import Alert
from opsbook.model.common import Source, Step
from opsbook.model.flags import FlagSetting
from opsbook.model.rollouts import Rollout
from opsbook.model.services import Service
from opsbook.model.teams import Channel, Escalation, Severity


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
