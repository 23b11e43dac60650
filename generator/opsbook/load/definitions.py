"""Definitions in loaded files: where each section's definitions are, their ids, what
they refer to, and the values found at a path inside one."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opsbook.core.kinds import KINDS as ALL_KINDS
from opsbook.load.files import SourceFile
from opsbook.load.nodes import Mark, YList, YMap

KINDS = {kind.section: kind.one for kind in ALL_KINDS}
"""Each section and the name of one definition in it."""

REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    kind.section: kind.references
    + tuple((f"{path}[].set_flag.flag", "flags") for path in kind.steps)
    + tuple((f"{path}.flag", "flags") for path in kind.settings)
    for kind in ALL_KINDS
    if kind.references or kind.steps or kind.settings
}
"""Where each section refers to other definitions: a path inside a definition, and the
section the id must be defined in (a flag set by a step or a setting too)."""


@dataclass(frozen=True)
class Defined:
    """Where a definition is: its file, the position of its id, and the definition."""

    path: str
    mark: Mark
    node: YMap


Index = dict[str, dict[str, Defined]]
"""Section → lower-cased id → where it is defined (for `slos`, `service/id`)."""

MaybeDefined = frozenset[str] | None
"""Lower-cased ids that may be defined in files that could not be loaded, so are not
reported as unknown; None when any id may be (a file could not be read at all)."""


def walk(node: Any, path: str, mark: Mark = (1, 1)) -> list[tuple[Any, Mark]]:
    """Values at `path` (dotted, `[]` for every item of a list) with their positions."""
    found = [(node, mark)]
    for head in _steps(path):
        following: list[tuple[Any, Mark]] = []
        if head == "[]":
            for value, _ in found:
                if isinstance(value, YList):
                    following.extend(zip(value, value.item_marks, strict=True))
        else:
            for value, _ in found:
                if isinstance(value, YMap) and head in value:
                    following.append((value[head], value.value_marks[head]))
        if not following:
            return following
        found = following
    return found


@functools.cache
def _steps(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.replace("[]", ".[]").split(".") if p)


def definitions(source: SourceFile, section: str) -> Iterator[tuple[YMap, Mark]]:
    """The well-formed definitions (mappings with a string id) of one section of a file."""
    for node, _ in walk(source.data, f"{section}[]"):
        if isinstance(node, YMap) and isinstance(node.get("id"), str):
            yield node, node.value_marks["id"]


def definition_key(source: SourceFile, section: str, node: YMap) -> str:
    """The definition's id in lower case; for an SLO, `service/id` (unique per service)."""
    if section == "slos":
        return f"{node.get('service', source.data.get('service'))}/{node['id']}".lower()
    return str(node["id"]).lower()


STAND_INS = {"summary": ("summary", "message", "title"), "meaning": ("description",)}
"""The annotations that stand in for an alert's `summary` and its runbook's `meaning`."""


def annotated(node: YMap, keys: tuple[str, ...]) -> str | None:
    """The first of the annotations `keys` that an alert has, else its first level's."""
    holders = [node, *(lv for lv in node.get("levels") or () if isinstance(lv, YMap))]
    for key in keys:
        for holder in holders:
            annotations = holder.get("annotations")
            if isinstance(annotations, YMap) and isinstance(annotations.get(key), str):
                return str(annotations[key])
    return None
