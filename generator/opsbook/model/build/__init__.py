"""Map validated documents to the typed model, resolving every reference to its object:
one module per kind, and here the order they are built in.

Call only on documents that passed schema and cross-reference validation: a reference
that does not resolve here is a bug in the rules, and raises KeyError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from opsbook.core import kinds
from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Catalog
from opsbook.model.build import (
    alerts,
    checklists,
    flags,
    incidents,
    rollouts,
    services,
    teams,
)
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import patch, plain, slug, unique_ids

__all__ = ["BUILDERS", "build_catalog", "plain", "slug", "unique_ids"]

Builder = Callable[[Built, SourceFile, YMap], Any]

ORDER: tuple[Builder, ...] = (
    teams.team,
    teams.severity,
    teams.escalation,
    services.service,
    flags.flag,
    alerts.alert,
    alerts.recording_rule,
    rollouts.rollout,
    incidents.incident,
    checklists.checklist,
)
"""How one definition of each modelled kind is built, in the order the kinds are built: a
definition refers to kinds built before its own, and what closes a cycle (a team's
channel naming another team, a service's procedures setting flags, an alert's incidents)
is set once the other side exists (`_complete`)."""


def _section(builder: Builder) -> str:
    """The section whose definitions `builder` builds: the kind of the class it returns."""
    returned = builder.__annotations__["return"]
    return next(kind.section for kind in kinds.MODELLED if kind.model == returned)


BUILDERS: dict[str, Builder] = {_section(builder): builder for builder in ORDER}
"""Each modelled kind's section and its builder, in `ORDER`."""


def build_catalog(
    files: list[SourceFile], reuse: dict[tuple[str, str], Any] | None = None
) -> Catalog:
    """The catalog of all definitions in `files`, in file order.

    `reuse` maps (section, lower-cased id) to model objects of an earlier catalog that are
    still right: their definitions are unchanged, and so is everything they point at (see
    `changes.dependents`). Flags, alerts, rollouts, incidents and checklists are taken from
    it, and only when it holds every service, team, severity and escalation policy.
    """
    reuse = reuse or {}
    shared = [kind.section for kind in kinds.MODELLED if kind.shared]
    if not all(reuse.get(_key(s, node)) is not None for s in shared for _, node in _each(files, s)):
        reuse = {}
    built = Built()
    made: dict[str, list[tuple[Any, YMap]]] = {section: [] for section in BUILDERS}
    for section, build in BUILDERS.items():
        found = built.section(section)
        for f, node in _each(files, section):
            definition = reuse.get(_key(section, node))
            if definition is None:
                definition = build(built, f, node)
                made[section].append((definition, node))
            found[node["id"].lower()] = definition
        _complete(section, built, made, files)
    return Catalog(
        services=tuple(built.services.values()),
        teams=tuple(built.teams.values()),
        severities=tuple(sorted(built.severities.values(), key=lambda s: (s.rank, s.id))),
        escalations=tuple(built.escalations.values()),
        flags=tuple(built.flags.values()),
        alerts=tuple(built.alerts.values()),
        rollouts=tuple(built.rollouts.values()),
        incidents=tuple(built.incidents.values()),
        checklists=tuple(built.checklists.values()),
        recording_rules=tuple(built.recording_rules.values()),
    )


def _complete(
    section: str, built: Built, made: dict[str, list[tuple[Any, YMap]]], files: list[SourceFile]
) -> None:
    """Once `section` is built, what its definitions or earlier ones could not yet refer to."""
    if section == "teams":
        for team, _ in made["teams"]:
            for channel in team.channels:
                if channel.kind == "team":
                    patch(channel, "team", built.teams[channel.target.lower()])
    elif section == "services" and made["services"]:
        for f, node in _each(files, "slos"):
            service = built.service_of(f, node)
            patch(service, "slos", (*service.slos, services.slo(node)))
        for service, node in made["services"]:
            for dependency, raw in zip(
                service.dependencies, node.get("dependencies", ()), strict=True
            ):
                if "service" in raw:
                    patch(dependency, "service", built.services[raw["service"].lower()])
    elif section == "flags":  # services get their procedures now that flags exist
        for service, node in made["services"]:
            procedures = tuple(services.procedure(built, p) for p in node.get("procedures", ()))
            patch(service, "procedures", procedures)
    elif section == "incidents":
        for alert, node in made["alerts"]:
            found = tuple(built.incidents[i.lower()] for i in node.get("incidents", ()))
            patch(alert, "incidents", found)


def _each(files: list[SourceFile], section: str) -> Iterator[tuple[SourceFile, YMap]]:
    return ((f, node) for f in files for node in f.data.get(section, ()))


def _key(section: str, node: YMap) -> tuple[str, str]:
    return (section, node["id"].lower())
