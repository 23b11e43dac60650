"""The definitions built so far, by section and lower-cased id, and the pieces that every
kind shares which refer to them: notification channels, steps, flag settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import (
    Alert,
    Channel,
    Checklist,
    Escalation,
    Flag,
    FlagSetting,
    Incident,
    RecordingRule,
    Rollout,
    Service,
    Severity,
    Step,
    Team,
)
from opsbook.model.build.values import link_of, plain, readable


@dataclass
class Built:
    """Every definition built so far, by section and lower-cased id."""

    teams: dict[str, Team] = field(default_factory=dict)
    severities: dict[str, Severity] = field(default_factory=dict)
    escalations: dict[str, Escalation] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    flags: dict[str, Flag] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    recording_rules: dict[str, RecordingRule] = field(default_factory=dict)
    rollouts: dict[str, Rollout] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """The definitions of one section built so far."""
        found: dict[str, Any] = getattr(self, name)
        return found

    def service_of(self, f: SourceFile, node: YMap) -> Service:
        return self.services[str(node.get("service", f.data.get("service"))).lower()]

    def channels(self, raw: Any) -> tuple[Channel, ...]:
        channels = []
        for entry in raw or ():
            ((kind, target),) = entry.items()
            team = self.teams[target.lower()] if kind == "team" else None
            channels.append(Channel(kind, target, team))
        return tuple(channels)

    def step(self, raw: Any) -> Step:
        if isinstance(raw, str):
            return Step(text=readable(raw))
        # `{{ $labels.namespace }}` in a step is shown as ‹namespace›, which the page fills
        # from the label values its address carries.
        return Step(
            text=readable(raw.get("do")),
            run=readable(raw.get("run")),
            lang=raw.get("lang", "bash"),
            set_flag=self.setting(raw["set_flag"]) if "set_flag" in raw else None,
            expect=readable(raw.get("expect")),
            link=link_of(raw["link"]) if "link" in raw else None,
        )

    def steps(self, raw: Any) -> tuple[Step, ...]:
        return tuple(self.step(s) for s in raw or ())

    def setting(self, raw: YMap) -> FlagSetting:
        return FlagSetting(self.flags[raw["flag"].lower()], plain(raw["value"]), raw.get("why"))
