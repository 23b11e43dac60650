"""Teams, severities and escalation policies from their definitions."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Channel, Escalation, EscalationLevel, Member, Severity, Team
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import source_of


def team(built: Built, f: SourceFile, node: YMap) -> Team:
    # Channels naming other teams are resolved once every team exists (see build).
    channels = [Channel(*next(iter(entry.items()))) for entry in node.get("channels", ())]
    members = tuple(
        Member(m["name"], m.get("role"), m.get("contact")) for m in node.get("members", ())
    )
    return Team(
        node["id"],
        node["name"],
        source_of(f, node),
        node.get("description"),
        tuple(channels),
        members,
    )


def severity(built: Built, f: SourceFile, node: YMap) -> Severity:
    return Severity(
        id=node["id"],
        rank=node["rank"],
        meaning=node["meaning"],
        source=source_of(f, node),
        name=node.get("name"),
        examples=tuple(node.get("examples", ())),
        pages=node.get("pages", False),
        response_time=node.get("response_time"),
        update_every=node.get("update_every"),
        who=node.get("who"),
        label=node.get("label", node["id"]),
        scale=node.get("scale"),
    )


def escalation(built: Built, f: SourceFile, node: YMap) -> Escalation:
    levels = tuple(
        EscalationLevel(
            name=level["name"],
            after=str(level["after"]),
            level=level.get("level"),
            team=built.teams[level["team"].lower()] if "team" in level else None,
            contact=built.channels(level.get("contact")),
            responsibilities=level.get("responsibilities"),
        )
        for level in node["levels"]
    )
    return Escalation(
        node["id"],
        node["name"],
        levels,
        source_of(f, node),
        node.get("description"),
        node.get("repeat"),
    )
