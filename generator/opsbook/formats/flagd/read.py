"""flagd flag files read with positions: flags as a mapping or a list, `$evaluators`
resolved, the flag set's metadata; what is not flagd is a positioned problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.files import Problems, read_documents
from opsbook.formats.imports import Entry
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model.build.values import plain

_TOP_KEYS = frozenset({"$schema", "$comment", "flags", "$evaluators", "metadata"})


_FLAG_KEYS = frozenset({"state", "variants", "defaultVariant", "targeting", "metadata"})


@dataclass
class FlagEntry(Entry):
    """One flag read from a file: where, its key, and its fields as plain data."""

    key: str
    flag: dict[str, Any]
    set_id: str | None = None
    not_kept: list[str] = field(default_factory=list)


def read_flag_files(paths: list[Path]) -> tuple[list[FlagEntry], list[Diagnostic]]:
    """Every flag of the flagd files; what is not flagd is a positioned problem
    (rule `flag-file`), and then no flag of that file is read."""
    entries: list[FlagEntry] = []
    problems: list[Diagnostic] = []
    for shown, documents in read_documents(paths, "flag-file", problems):
        problem = Problems(shown, "flag-file")
        read: list[FlagEntry] = []
        for document in documents or [None]:
            _read_document(document, shown, read, problem)
        problems.extend(problem.found)
        if not problem.found:
            entries.extend(read)
    return entries, problems


def _read_document(document: Any, shown: str, entries: list[FlagEntry], problem: Problems) -> None:
    flags = document.get("flags") if isinstance(document, YMap) else None
    if not isinstance(flags, YMap | YList):
        problem(
            getattr(document, "mark", (1, 1)),
            "not a flagd flag file: expected `flags:`, a mapping of flag keys (or a list of "
            "flags with `key`)",
        )
        return
    evaluators = _evaluators(document, problem)
    metadata = _metadata(document, "the flag set", problem)
    set_id = metadata.get("flagSetId") if isinstance(metadata.get("flagSetId"), str) else None
    not_kept = [
        f"{shown}:{document.key_marks[key][0]}:{document.key_marks[key][1]}: `{key}` has no "
        "place in the handbook; not kept"
        for key in sorted(set(document) - _TOP_KEYS, key=str)
    ]
    for key, node, mark in _flags(flags, problem):
        entry = _read_flag(shown, key, node, mark, evaluators, metadata, problem)
        if entry is not None:
            entry.set_id = set_id
            entries.append(entry)
    if entries and not_kept:
        entries[0].not_kept[:0] = not_kept


def _flags(flags: YMap | YList, problem: Problems) -> list[tuple[str, Any, Mark]]:
    if isinstance(flags, YMap):
        return [(str(key), node, flags.key_marks[key]) for key, node in flags.items()]
    found = []
    for node, mark in zip(flags, flags.item_marks, strict=True):
        key = node.get("key") if isinstance(node, YMap) else None
        if not isinstance(key, str) or not key:
            problem(mark, "a flag in the `flags` list without a `key`")
            continue
        found.append((key, node, mark))
    return found


def _evaluators(document: YMap, problem: Problems) -> dict[str, Any]:
    shared = document.get("$evaluators")
    if shared is None:
        return {}
    if not isinstance(shared, YMap):
        problem(document.value_marks["$evaluators"], "`$evaluators` is not a mapping of rules")
        return {}
    for name, rule in shared.items():
        if not isinstance(rule, YMap):
            problem(shared.value_marks[name], f"evaluator `{name}` is not a JsonLogic rule")
    return {name: rule for name, rule in shared.items() if isinstance(rule, YMap)}


def _metadata(node: YMap, what: str, problem: Problems) -> dict[str, Any]:
    metadata = node.get("metadata")
    if metadata is None:
        return {}
    if not isinstance(metadata, YMap):
        problem(node.value_marks["metadata"], f"`metadata` of {what} is not a mapping")
        return {}
    for key, value in metadata.items():
        if isinstance(value, YMap | YList) or value is None:
            problem(
                metadata.value_marks[key],
                f"`metadata` of {what}: `{key}` is not a boolean, string or number",
            )
    return dict(plain(metadata))


def _read_flag(
    shown: str,
    key: str,
    node: Any,
    mark: Mark,
    evaluators: dict[str, Any],
    set_metadata: dict[str, Any],
    problem: Problems,
) -> FlagEntry | None:
    what = f"flag `{key}`"
    if not key:
        problem(mark, "a flag key is empty")
        return None
    if not isinstance(node, YMap):
        problem(mark, f"{what} is not a mapping")
        return None
    before = len(problem.found)
    state = node.get("state")
    if state not in ("ENABLED", "DISABLED"):
        where = node.value_marks.get("state", mark)
        problem(where, f"{what}: `state` is {_shown(state)}, not ENABLED or DISABLED")
    variants = _variants(node, mark, what, problem)
    default = node.get("defaultVariant")
    if default is not None and (not isinstance(default, str) or default not in variants):
        problem(
            node.value_marks["defaultVariant"],
            f"{what}: `defaultVariant` {_shown(default)} is not one of its variants",
        )
    targeting = node.get("targeting")
    if targeting is not None and not isinstance(targeting, YMap):
        problem(node.value_marks["targeting"], f"{what}: `targeting` is not a JsonLogic rule")
    metadata = _metadata(node, what, problem)
    resolved = _resolved(targeting, evaluators, what, problem) if targeting else None
    if len(problem.found) != before:
        return None
    flag: dict[str, Any] = {
        "state": state,
        "variants": dict(plain(variants)),
        "defaultVariant": default,
    }
    if resolved:
        flag["targeting"] = resolved
    merged = {**set_metadata, **metadata}
    if merged:
        flag["metadata"] = merged
    entry = FlagEntry(shown, mark, key, flag)
    for extra in sorted(set(node) - _FLAG_KEYS - {"key"}, key=str):
        at = node.key_marks[extra]
        entry.not_kept.append(f"{shown}:{at[0]}:{at[1]}: {what}: `{extra}` has no place; not kept")
    if "defaultVariant" not in node or default is None:
        entry.not_kept.append(
            f"{entry.where}: {what}: no `defaultVariant` (the code's default applies); the "
            "import takes the first variant as the flag's default"
        )
    return entry


def _variants(node: YMap, mark: Mark, what: str, problem: Problems) -> YMap:
    """The flag's variants, all of one kind (boolean, string, number or object)."""
    variants = node.get("variants")
    if not isinstance(variants, YMap) or not variants:
        problem(node.value_marks.get("variants", mark), f"{what}: no `variants` mapping")
        return YMap(mark)
    kinds: set[str] = set()
    for name, value in variants.items():
        kind = _kind(value)
        if kind is None:
            problem(
                variants.value_marks[name],
                f"{what}: variant `{name}` is not a boolean, string, number or object",
            )
        elif kinds and kind not in kinds:
            problem(
                variants.value_marks[name],
                f"{what}: variant `{name}` is a {kind}; the others are {', '.join(kinds)}s",
            )
        if kind:
            kinds.add(kind)
    return variants


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, YMap) else None


def _shown(value: Any) -> str:
    return "missing" if value is None else f"`{value}`"


def _resolved(
    rule: Any, evaluators: dict[str, Any], what: str, problem: Problems, seen: tuple[str, ...] = ()
) -> Any:
    """The rule with every `{"$ref": name}` replaced by the shared evaluator `name`."""
    if isinstance(rule, YMap):
        if set(rule) == {"$ref"}:
            name = rule["$ref"]
            if name in seen:
                problem(rule.value_marks["$ref"], f"{what}: evaluator `{name}` refers to itself")
                return None
            if name not in evaluators:
                problem(rule.value_marks["$ref"], f"{what}: no evaluator `{name}` in `$evaluators`")
                return None
            return _resolved(evaluators[name], evaluators, what, problem, (*seen, name))
        return {k: _resolved(v, evaluators, what, problem, seen) for k, v in rule.items()}
    if isinstance(rule, YList):
        return [_resolved(v, evaluators, what, problem, seen) for v in rule]
    return rule
