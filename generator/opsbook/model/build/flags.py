"""Feature flags from their definitions."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Bucketing, Flag, FlagChange, Variant
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import plain, source_of


def flag(built: Built, f: SourceFile, node: YMap) -> Flag:
    kill = node.get("kill", {})
    change = node.get("change")
    bucketing = node.get("bucketing")
    return Flag(
        id=node["id"],
        key=node.get("key", node["id"]),
        service=built.service_of(f, node),
        type=node["type"],
        purpose=node["purpose"],
        description=node["description"],
        default=plain(node["default"]),
        source=source_of(f, node),
        name=node.get("name"),
        owner=built.teams[node["owner"].lower()] if "owner" in node else None,
        group=node.get("group"),
        variants=tuple(
            Variant(plain(v["value"]), v.get("description"), v.get("name"), v.get("weight"))
            for v in node.get("variants", ())
        ),
        rollout_percentage=node.get("rollout_percentage"),
        on_value=node.get("on_value", "true"),
        off_value=node.get("off_value", "false"),
        bucketing=Bucketing(
            bucketing.get("by"),
            bucketing.get("deterministic"),
            bucketing.get("anonymous"),
            bucketing.get("key"),
        )
        if bucketing
        else None,
        when_on=node.get("when_on"),
        when_off=node.get("when_off"),
        kill_value=plain(kill.get("value")),
        kill_command=kill.get("command"),
        kill_note=kill.get("note"),
        change=FlagChange(
            change.get("command"),
            change.get("how"),
            change.get("where"),
            change.get("restart"),
            change.get("language", "shell"),
            change.get("apply"),
        )
        if change
        else None,
        propagation=node.get("propagation"),
        created=node.get("created"),
        expires=node.get("expires"),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
        served_by=node.get("served_by"),
        state=node.get("state", "enabled"),
        targeting=plain(node["targeting"]) if "targeting" in node else None,
        metadata=tuple((str(k), v) for k, v in node.get("metadata", {}).items()),
    )
