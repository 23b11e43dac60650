"""What an edit changed: each definition's fingerprint and the definitions it refers to.

`opsbook serve` keeps these between rebuilds to redo only what an edit reaches: the
catalog rebuilds the changed definitions and those that point at them, and the renderer
renders the pages of the changed definitions and of their neighbours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from opsbook.core.kinds import KINDS, SECTIONS
from opsbook.load.definitions import REFERENCES, definition_key, definitions, walk
from opsbook.load.files import SourceFile
from opsbook.model.build.values import plain

Key = tuple[str, str]
"""A definition as (section, lower-cased id); a release record as ("releases", path)."""

SHARED = frozenset(kind.section for kind in KINDS if kind.shared)
"""Sections whose definitions most pages show and most definitions point at: a change to
one of them is treated as a change to everything."""


@dataclass(frozen=True)
class Fingerprints:
    """Each definition of one loaded file: what it says and where (`prints`), and the
    definitions it refers to (`refs`)."""

    source: SourceFile
    prints: dict[Key, object]
    refs: dict[Key, frozenset[Key]]


def fingerprints(source: SourceFile) -> Fingerprints:
    """The fingerprints of every definition in `source`."""
    file_service = source.data.get("service")
    prints: dict[Key, object] = {}
    refs: dict[Key, frozenset[Key]] = {}
    for section in SECTIONS:
        for node, _ in definitions(source, section):
            key = (section, definition_key(source, section, node))
            prints[key] = (source.path, node.mark[0], file_service, repr(plain(node)))
            targets = {
                (target, value.lower())
                for path, target in REFERENCES.get(section, ())
                for value, _ in walk(node, path)
                if isinstance(value, str)
            }
            if "service" not in node and isinstance(file_service, str):
                targets.add(("services", file_service.lower()))
            refs[key] = frozenset(targets)
    return Fingerprints(source, prints, refs)


class FingerprintCache:
    """Fingerprints of loaded files, computed again only for files loaded anew."""

    def __init__(self) -> None:
        self._kept: dict[str, Fingerprints] = {}

    def of(
        self, files: Iterable[SourceFile]
    ) -> tuple[dict[Key, object], dict[Key, frozenset[Key]]]:
        """The prints and references of every definition in `files`."""
        found = []
        for source in files:
            kept = self._kept.get(source.path)
            found.append(
                kept if kept is not None and kept.source is source else fingerprints(source)
            )
        self._kept = {f.source.path: f for f in found}
        prints = {key: value for f in found for key, value in f.prints.items()}
        refs = {key: value for f in found for key, value in f.refs.items()}
        return prints, refs


def changed(before: Mapping[Key, object], after: Mapping[Key, object]) -> set[Key]:
    """Definitions added, removed, or different between two sets of prints."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def neighbours(
    keys: set[Key], refs: Mapping[Key, frozenset[Key]], *more: Mapping[Key, frozenset[Key]]
) -> set[Key]:
    """`keys`, what they refer to (in `refs` and in each of `more`), and what refers to them."""
    found = set(keys)
    for key in keys:
        found.update(refs.get(key, ()))
        for other in more:
            found.update(other.get(key, ()))
    found.update(key for key, targets in refs.items() if not targets.isdisjoint(keys))
    return found


def dependents(keys: set[Key], refs: Mapping[Key, frozenset[Key]]) -> set[Key]:
    """`keys` and every definition that refers to one of them, directly or through others:
    what holds a reference to a rebuilt model object must be rebuilt too."""
    pointing: dict[Key, list[Key]] = {}
    for key, targets in refs.items():
        for target in targets:
            pointing.setdefault(target, []).append(key)
    found, todo = set(keys), list(keys)
    while todo:
        for holder in pointing.get(todo.pop(), ()):
            if holder not in found:
                found.add(holder)
                todo.append(holder)
    return found
