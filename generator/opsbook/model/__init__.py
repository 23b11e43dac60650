"""The typed model of a handbook: frozen dataclasses with references resolved to objects.

Later stages (rendering, export) see only these, never raw YAML. Dataclasses compare by
identity (`eq=False`) because references can form cycles (an alert names the incidents it
detects, and the incident names the alert).

One module per kind of definition; every class is named here too, so that
`from opsbook.model import Alert` and `model.Catalog` serve.
"""

from opsbook.model.alerts import Alert, AlertEscalation, AlertLevel, RecordingRule, RuleGroup
from opsbook.model.catalog import Catalog
from opsbook.model.checklists import Checklist, ChecklistSection
from opsbook.model.common import CheckItem, Condition, Link, Source, Step, duration_seconds
from opsbook.model.flags import Bucketing, Flag, FlagChange, FlagSetting, Variant
from opsbook.model.incidents import Communication, Incident, Postmortem
from opsbook.model.rollouts import (
    Analysis,
    ArgoRollout,
    ArgoStep,
    Gate,
    Monitoring,
    Phase,
    Risk,
    Rollback,
    RollbackTrigger,
    Rollout,
    kubernetes_name,
)
from opsbook.model.services import (
    ConfigValue,
    Dependency,
    HealthCheck,
    Indicator,
    Procedure,
    Service,
    Signal,
    Slo,
    SubCheck,
)
from opsbook.model.teams import Channel, Escalation, EscalationLevel, Member, Severity, Team

__all__ = [
    "Alert",
    "AlertEscalation",
    "AlertLevel",
    "Analysis",
    "ArgoRollout",
    "ArgoStep",
    "Bucketing",
    "Catalog",
    "Channel",
    "CheckItem",
    "Checklist",
    "ChecklistSection",
    "Communication",
    "Condition",
    "ConfigValue",
    "Dependency",
    "Escalation",
    "EscalationLevel",
    "Flag",
    "FlagChange",
    "FlagSetting",
    "Gate",
    "HealthCheck",
    "Incident",
    "Indicator",
    "Link",
    "Member",
    "Monitoring",
    "Phase",
    "Postmortem",
    "Procedure",
    "RecordingRule",
    "Risk",
    "Rollback",
    "RollbackTrigger",
    "Rollout",
    "RuleGroup",
    "Service",
    "Severity",
    "Signal",
    "Slo",
    "Source",
    "Step",
    "SubCheck",
    "Team",
    "Variant",
    "duration_seconds",
    "kubernetes_name",
]
