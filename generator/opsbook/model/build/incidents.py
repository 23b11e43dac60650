"""Incident scenarios from their definitions."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Communication, Incident, Postmortem
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import source_of


def incident(built: Built, f: SourceFile, node: YMap) -> Incident:
    comm = node.get("communication")
    postmortem = node.get("postmortem")
    service = built.service_of(f, node)
    policy = node.get("escalation")
    return Incident(
        id=node["id"],
        title=node["title"],
        service=service,
        severity=built.severities[node["severity"].lower()],
        symptoms=tuple(node["symptoms"]),
        source=source_of(f, node),
        summary=node.get("summary"),
        detected_by=tuple(built.alerts[a.lower()] for a in node.get("detected_by", ())),
        impact=node.get("impact"),
        diagnosis=built.steps(node.get("diagnosis")),
        resolution=built.steps(node.get("resolution")),
        flags=tuple(built.setting(s) for s in node.get("flags", ())),
        escalation=built.escalations[policy.lower()] if policy else service.escalation,
        communication=Communication(
            built.channels(comm.get("channels")),
            comm.get("audience"),
            comm.get("initial"),
            comm.get("update"),
            comm.get("resolved"),
        )
        if comm
        else None,
        postmortem=Postmortem(
            postmortem["required"],
            postmortem.get("within"),
            postmortem.get("owner"),
            tuple(postmortem.get("sections", ())),
        )
        if postmortem
        else None,
        rollouts=tuple(built.rollouts[r.lower()] for r in node.get("rollouts", ())),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
    )
