"""The whole handbook: every definition of every kind, and the groupings pages ask for."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from opsbook.model.alerts import Alert, RecordingRule
from opsbook.model.checklists import Checklist
from opsbook.model.flags import Flag
from opsbook.model.incidents import Incident
from opsbook.model.rollouts import Rollout
from opsbook.model.services import Service
from opsbook.model.teams import Escalation, Severity, Team

_NONE_OF: tuple[tuple[Any, ...], ...] = ((), (), (), (), ())
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
"""What may name a series in PromQL (words that are not series are looked up in vain)."""


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
    recording_rules: tuple[RecordingRule, ...] = ()

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

    def recording_rules_of(self, service: Service) -> tuple[RecordingRule, ...]:
        """The service's recording rules, in definition order."""
        return tuple(r for r in self.recording_rules if r.service is service)

    def recorded_for(self, alert: Alert) -> tuple[RecordingRule, ...]:
        """The recording rules whose series an alert's expressions query, by name."""
        names = {
            name
            for level in alert.levels
            for name in _METRIC_NAME.findall(level.condition.expr or "")
        }
        return tuple(r for name in sorted(names) for r in self._records.get(name, ()))

    @functools.cached_property
    def _records(self) -> dict[str, list[RecordingRule]]:
        found: dict[str, list[RecordingRule]] = {}
        for rule in self.recording_rules:
            found.setdefault(rule.record, []).append(rule)
        return found

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
