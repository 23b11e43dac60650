"""Editor support: the bundled schema as a file, and scaffolds for new definitions."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from opsbook.check.references import build_index
from opsbook.core import defaults, kinds
from opsbook.core.diagnostics import OpsbookError, UsageError
from opsbook.load.definitions import definitions, walk
from opsbook.load.files import SourceFile
from opsbook.load.schema import bundled_schema

SCAFFOLD_KINDS = tuple(kind.scaffold for kind in kinds.KINDS if kind.scaffold)
"""What `opsbook new` writes: the kinds with a scaffold (`scaffolds/<kind>.yaml`)."""
_SERVICE_KINDS = frozenset(
    kind.scaffold
    for kind in kinds.KINDS
    if kind.scaffold and ("service", "services") in kind.references
)


def schema_text() -> str:
    """The bundled schema as it is written to disk: stable, indented JSON."""
    return json.dumps(bundled_schema(), indent=2, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it holds it already; True when the file changed."""
    if path.is_file() and path.read_text("utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return True


def modeline(target: Path, schema: Path) -> str:
    """The yaml-language-server comment that points `target` at `schema`."""
    relative = os.path.relpath(schema.resolve(), target.parent.resolve())
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def scaffold(
    kind: str,
    definition_id: str,
    *,
    directory: Path,
    schema: Path,
    service: str | None,
    handbook: Iterable[SourceFile] = (),
) -> Path:
    """Write a new definitions file for one `kind` named `definition_id`; returns its path.

    Its references (service, owner, severities, escalation policy, channels) are taken
    from the `handbook` it joins; what cannot be known there is a TODO placeholder, which
    `opsbook validate` reports once.
    """
    if kind not in SCAFFOLD_KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(SCAFFOLD_KINDS)}")
    if not re.fullmatch(bundled_schema()["$defs"]["id"]["pattern"], definition_id):
        raise UsageError(
            f"{definition_id!r} is not a valid id: letters, digits, `_`, `-` and `.`, "
            "not starting with `.`"
        )
    target = directory / f"{definition_id}.yaml"
    if target.exists():
        raise OpsbookError(f"{target} already exists; nothing was written")
    fill = Fill(list(handbook), service if kind in _SERVICE_KINDS else None)
    body = (resources.files("opsbook") / "scaffolds" / f"{kind}.yaml").read_text("utf-8")
    header = modeline(target, schema) + f"apiVersion: {defaults.API_VERSION}\n"
    if kind in _SERVICE_KINDS:
        header += f"service: {fill.service}\n"
    text = _SLOT.sub(lambda m: fill.slot(m[1], definition_id), body)
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(header + "\n" + text, "utf-8")
    return target


_SLOT = re.compile(
    r"\{(id|service|owner|team|escalation|rank|paging_severity|"
    r"warning_severity|incident_severity|paging_channel|chat_channel)\}"
)
_PAGING = ("pagerduty", "opsgenie")


class Fill:
    """What a new definition refers to, chosen from the handbook it joins."""

    def __init__(self, files: list[SourceFile], service: str | None) -> None:
        self.index, _ = build_index(files)
        self.files = files
        services = self.index["services"]
        if service is not None and service.lower() not in services and services:
            known = ", ".join(sorted(d.node["id"] for d in services.values()))
            raise UsageError(f"service {service!r} is not defined; the handbook has: {known}")
        if service is None and len(services) == 1:
            service = next(iter(services.values())).node["id"]
        self.service = service or "TODO-service"
        defined = services.get(self.service.lower())
        self.service_node = defined.node if defined else None

    def slot(self, name: str, definition_id: str) -> str:
        """The text for one `{slot}` of a scaffold."""
        if name == "id":
            return definition_id
        return str(getattr(self, name)())

    def owner(self) -> str:
        found = self._of_service("owner") or self._only("teams")
        return found or "TODO-team"

    def team(self) -> str:
        return self.owner()

    def escalation(self) -> str:
        return self._of_service("escalation") or self._only("escalations") or "TODO-policy"

    def rank(self) -> int:
        ranks = [d.node.get("rank") for d in self.index["severities"].values()]
        return max([r for r in ranks if isinstance(r, int)], default=0) + 1

    def paging_severity(self) -> str:
        return self._severity(levels=True, paging=True)

    def warning_severity(self) -> str:
        return self._severity(levels=True, paging=False)

    def incident_severity(self) -> str:
        return self._severity(levels=False, paging=True)

    def paging_channel(self) -> str:
        return self._channel(_PAGING) or "{pagerduty: TODO-service}"

    def chat_channel(self) -> str:
        return self._channel(("slack", "msteams", "email")) or '{slack: "#TODO"}'

    def _of_service(self, key: str) -> str | None:
        value = self.service_node.get(key) if self.service_node is not None else None
        return value if isinstance(value, str) else None

    def _only(self, section: str) -> str | None:
        defined = list(self.index[section].values())
        return defined[0].node["id"] if len(defined) == 1 else None

    def _severity(self, *, levels: bool, paging: bool) -> str:
        """The severity that the handbook's alert levels (or incidents) use most often
        among those that page (or not); else the most severe such severity."""
        severities = {key: d.node for key, d in self.index["severities"].items()}
        fitting = {k for k, node in severities.items() if bool(node.get("pages")) is paging}
        used: Counter[str] = Counter()
        for source in self.files:
            section = "alerts" if levels else "incidents"
            for node, _ in definitions(source, section):
                paths = ("severity", "levels[].severity") if levels else ("severity",)
                for path in paths:
                    for value, _ in walk(node, path):
                        if isinstance(value, str) and value.lower() in fitting:
                            used[value.lower()] += 1
        if used:
            return str(severities[max(used, key=lambda k: (used[k], k))]["id"])
        ranked = sorted(fitting, key=lambda k: (_rank(severities[k]), k))
        return str(severities[ranked[0]]["id"]) if ranked else "TODO-severity"

    def _channel(self, kinds: tuple[str, ...]) -> str | None:
        team = self.index["teams"].get(self.owner().lower())
        for channel, _ in walk(team.node, "channels[]") if team else []:
            if isinstance(channel, dict):
                for kind in kinds:
                    if isinstance(channel.get(kind), str):
                        return f"{{{kind}: {json.dumps(channel[kind])}}}"
        return None


def _rank(node: Any) -> int:
    rank = node.get("rank")
    return rank if isinstance(rank, int) else 1_000
