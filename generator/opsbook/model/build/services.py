"""Services from their definitions: links, dependencies, health checks, SLOs, procedures."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import (
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
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import condition_of, link_of, plain, source_of


def service(built: Built, f: SourceFile, node: YMap) -> Service:
    return Service(
        id=node["id"],
        name=node["name"],
        owner=built.teams[node["owner"].lower()],
        source=source_of(f, node),
        summary=node.get("summary"),
        description=node.get("description"),
        tier=node.get("tier"),
        escalation=built.escalations[node["escalation"].lower()] if "escalation" in node else None,
        links=tuple(link_of(x) for x in node.get("links", ())),
        dependencies=tuple(
            Dependency(
                d["name"],
                d.get("kind"),
                d.get("critical", True),
                d.get("fallback"),
                d.get("description"),
            )
            for d in node.get("dependencies", ())
        ),
        health_checks=tuple(
            HealthCheck(
                id=h["id"],
                kind=h["kind"],
                name=h.get("name"),
                endpoint=h.get("endpoint"),
                expect=h.get("expect"),
                command=h.get("command"),
                interval=h.get("interval"),
                checks=tuple(
                    SubCheck(c["name"], c.get("description")) for c in h.get("checks", ())
                ),
                description=h.get("description"),
            )
            for h in node.get("health_checks", ())
        ),
        slos=tuple(slo(s) for s in node.get("slos", ())),
        config=tuple(
            ConfigValue(c["key"], plain(c.get("default")), c.get("unit"), c.get("description"))
            for c in node.get("config", ())
        ),
        telemetry=tuple(
            Signal(t["name"], t["kind"], t.get("source"), t.get("command"), t.get("description"))
            for t in node.get("telemetry", ())
        ),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
    )


def procedure(built: Built, raw: YMap) -> Procedure:
    return Procedure(
        raw["id"],
        raw["title"],
        built.steps(raw["steps"]),
        raw.get("when"),
        raw.get("target_time"),
    )


def slo(raw: YMap) -> Slo:
    indicator = raw.get("indicator")
    time_slice = raw.get("time_slice", {})
    calendar = raw.get("calendar")
    return Slo(
        raw["id"],
        raw["name"],
        condition_of(raw["objective"]),
        raw.get("kind", "slo"),
        raw.get("window"),
        raw.get("description"),
        Indicator(
            indicator.get("name"),
            indicator.get("description"),
            indicator.get("source", "Prometheus"),
            indicator.get("counter"),
            *(plain(indicator.get(k)) for k in ("good", "bad", "total", "threshold")),
        )
        if indicator
        else None,
        raw.get("target"),
        raw.get("budgeting", "occurrences"),
        time_slice.get("window"),
        time_slice.get("target"),
        (calendar["period"], calendar.get("start"), calendar.get("time_zone"))
        if calendar
        else None,
    )
