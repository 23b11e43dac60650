"""Alerts from their definitions: levels, runbook, escalation."""

from __future__ import annotations

from opsbook.load import definitions
from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Alert, AlertEscalation, AlertLevel, RecordingRule, RuleGroup
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import annotations_of, condition_of, link_of, readable, source_of


def alert(built: Built, f: SourceFile, node: YMap) -> Alert:
    notify = built.channels(node.get("notify"))
    if "levels" in node:
        levels = tuple(
            AlertLevel(
                built.severities[lv["severity"].lower()],
                condition_of(lv["condition"]),
                built.channels(lv["notify"]) if "notify" in lv else notify,
                labels=tuple(sorted(lv.get("labels", {}).items())),
                summary=readable(lv.get("summary")),
                description=readable(lv.get("description")),
                annotations=annotations_of(lv),
                group=rule_group(lv["group"]) if "group" in lv else None,
            )
            for lv in node["levels"]
        )
    else:
        levels = (
            AlertLevel(
                built.severities[node["severity"].lower()], condition_of(node["condition"]), notify
            ),
        )
    runbook = node["runbook"]
    escalation = runbook.get("escalation")
    return Alert(
        id=node["id"],
        service=built.service_of(f, node),
        summary=readable(
            node.get("summary") or definitions.annotated(node, definitions.STAND_INS["summary"])
        )
        or "",
        levels=levels,
        notify=notify,
        meaning=readable(
            runbook.get("meaning") or definitions.annotated(node, definitions.STAND_INS["meaning"])
        )
        or "",
        source=source_of(f, node),
        description=readable(node.get("description")),
        labels=tuple(sorted(node.get("labels", {}).items())),
        annotations=annotations_of(node),
        group=rule_group(node["group"]) if "group" in node else None,
        impact=readable(runbook.get("impact")),
        first_step=readable(runbook.get("first_step")),
        diagnosis=built.steps(runbook.get("diagnosis")),
        mitigation=built.steps(runbook.get("mitigation")),
        escalation=AlertEscalation(
            built.escalations[escalation["policy"].lower()] if "policy" in escalation else None,
            escalation.get("after"),
            escalation.get("note"),
        )
        if escalation
        else None,
        dashboards=tuple(link_of(x) for x in node.get("dashboards", ())),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
        name=node.get("name", node["id"]),
    )


def rule_group(node: YMap) -> RuleGroup:
    """A rule group: its name and evaluation interval."""
    return RuleGroup(node["name"], node.get("interval"))


def recording_rule(built: Built, f: SourceFile, node: YMap) -> RecordingRule:
    return RecordingRule(
        id=node["id"],
        service=built.service_of(f, node),
        record=node["record"],
        expr=node["expr"],
        source=source_of(f, node),
        labels=tuple(sorted(node.get("labels", {}).items())),
        group=rule_group(node["group"]) if "group" in node else None,
        description=readable(node.get("description")),
    )
