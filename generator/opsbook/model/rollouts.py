"""Rollout plans: phases with gates, rollback, risks, and the Argo Rollout they map to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from opsbook.model.alerts import Alert
from opsbook.model.common import CheckItem, Condition, Source, Step
from opsbook.model.flags import Flag, FlagSetting
from opsbook.model.services import Service, Slo
from opsbook.model.teams import Team


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
