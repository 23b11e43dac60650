"""flagd flag files → opsbook flag definitions.

Reads flag-definition files in JSON or YAML: `flags` as a mapping of keys or as a list of
flags with `key` (flagd's daemon form), `$evaluators` (each `{"$ref": name}` in a
targeting rule is replaced by the shared rule), and the flag set's `metadata`.

Mapping, flagd flag → flag:
- the key → `id` (a slug when the key cannot be an id; `key` keeps it);
- boolean variants → type `boolean`; one string or number variant → `string` or
  `number`; more, or objects → `enum`; every variant is kept with its name;
- `defaultVariant` → `default` (its value); `state: DISABLED` → `state: disabled`;
- a `fractional` split over the variants, alone at the top of `targeting` → the variants'
  `weight`s (and `bucketing.key` when it hashes the flag key with another attribute);
  any other targeting is kept as JsonLogic data, with the shared rules resolved;
- the flag's metadata, over the flag set's → `metadata`; the set's `flagSetId` names the
  service unless `--service` does;
- `served_by: flag-system`; `purpose` `release` and a TODO `description`, with the
  `imported` mark, until a person says better.

What has no place (unknown keys, a null `defaultVariant`) is listed. Flags the handbook
has are not written again: how they differ from the file is reported instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.files import Problems, read_documents
from opsbook.formats.flagd import flagd_flag
from opsbook.formats.imports import Entry, Made, Report, definition_id
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model import Catalog, Flag
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


@dataclass
class FlagdImported(Report):
    """The report of a flagd import, with how many flags it made of how many files."""

    units = ("flag(s)", "flag(s)")


# --- reading ------------------------------------------------------------------------------


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
    variants = node.get("variants")
    if not isinstance(variants, YMap) or not variants:
        problem(node.value_marks.get("variants", mark), f"{what}: no `variants` mapping")
        variants = YMap(mark)
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


# --- making definitions -------------------------------------------------------------------


def import_flags(
    entries: list[FlagEntry], catalog: Catalog, service: str | None, owner: str | None
) -> FlagdImported:
    """The flags read as definitions for the handbook `catalog`, each under the service
    `service`, else its flag set's `flagSetId`, else its file's name."""
    result = FlagdImported(files=len({entry.path for entry in entries}))
    made = Made(catalog, "flagd", "flags", owner)
    result.documents, result.created = made.documents, made.created
    known: dict[str, Flag] = {}
    for flag in catalog.flags:
        known.setdefault(flag.key.lower(), flag)
        known.setdefault(flag.id.lower(), flag)
    taken: dict[str, FlagEntry] = {}
    for entry in entries:
        result.not_kept.extend(entry.not_kept)
        flag_id = definition_id(entry.key)
        ours = known.get(entry.key.lower()) or known.get(flag_id.lower())
        if ours is not None:
            result.differences.append(_differences(ours, entry))
            continue
        first = taken.setdefault(flag_id.lower(), entry)
        if first is not entry:
            result.not_imported.append(
                f"{entry.where}: flag `{entry.key}`: its id `{flag_id}` is taken by "
                f"`{first.key}` ({first.where}); handbook ids ignore case"
            )
            continue
        wanted = service or entry.set_id or Path(entry.path).name.split(".")[0]
        service_id = made.service(wanted, entry.path)
        made.add(service_id, "flags", _definition(flag_id, entry))
        result.made += 1
    return result


def _definition(flag_id: str, entry: FlagEntry) -> dict[str, Any]:
    flag = entry.flag
    variants: dict[str, Any] = flag["variants"]
    default_name = flag["defaultVariant"] or next(iter(variants))
    weights, bucket_key = _weights(flag.get("targeting"), variants)
    values = list(variants.values())
    kind = _kind_of(values)
    definition: dict[str, Any] = {"id": flag_id}
    if entry.key != flag_id:
        definition["key"] = entry.key
    definition["type"] = kind
    definition["purpose"] = "release"
    definition["served_by"] = "flag-system"
    if flag["state"] == "DISABLED":
        definition["state"] = "disabled"
    definition["description"] = f"TODO: what `{entry.key}` controls, for whom and why."
    definition["default"] = variants[default_name]
    definition["variants"] = [
        {"name": name, "value": value, **({"weight": weights[name]} if name in weights else {})}
        for name, value in variants.items()
    ]
    if bucket_key:
        definition["bucketing"] = {"key": bucket_key}
    if "targeting" in flag and weights is _NONE:
        definition["targeting"] = flag["targeting"]
    if "metadata" in flag:
        definition["metadata"] = flag["metadata"]
    definition["change"] = {
        "where": f"flagd, in the flag file `{entry.path}`",
        "how": f"Edit `defaultVariant` or `targeting` of `{entry.key}` in the flag file.",
    }
    definition["imported"] = {"from": "flagd", "source": f"{entry.path}:{entry.mark[0]}"}
    return definition


_NONE: dict[str, int] = {}


def _weights(targeting: Any, variants: dict[str, Any]) -> tuple[dict[str, int], str | None]:
    """The variants' weights when `targeting` is only a `fractional` split over them
    (bucketed by the targeting key, or by the flag key and one attribute), else `_NONE`."""
    if not isinstance(targeting, dict) or set(targeting) != {"fractional"}:
        return _NONE, None
    entries = targeting["fractional"]
    if not isinstance(entries, list) or not entries:
        return _NONE, None
    key = None
    first = entries[0]
    if isinstance(first, dict):
        key = _bucket_key(first)
        if key is None:
            return _NONE, None
        entries = entries[1:]
    weights: dict[str, int] = {}
    for each in entries:
        if not (
            isinstance(each, list)
            and len(each) == 2
            and isinstance(each[0], str)
            and each[0] in variants
            and each[0] not in weights
            and isinstance(each[1], int)
            and not isinstance(each[1], bool)
            and each[1] >= 0
        ):
            return _NONE, None
        weights[each[0]] = each[1]
    return (weights, key) if weights and any(weights.values()) else (_NONE, None)


def _bucket_key(first: dict[str, Any]) -> str | None:
    """`K` of `{"cat": [{"var": "$flagd.flagKey"}, {"var": K}]}`, the form export writes."""
    parts = first.get("cat") if set(first) == {"cat"} else None
    if not isinstance(parts, list) or len(parts) != 2:
        return None
    if parts[0] != {"var": "$flagd.flagKey"}:
        return None
    second = parts[1]
    if isinstance(second, dict) and set(second) == {"var"} and isinstance(second["var"], str):
        key: str = second["var"]
        return key if key and key != "targetingKey" else None
    return None


def _kind_of(values: list[Any]) -> str:
    first = values[0]
    if isinstance(first, bool):
        return "boolean"
    if len(values) == 1 and isinstance(first, str):
        return "string"
    if len(values) == 1 and isinstance(first, int | float):
        return "number"
    return "enum"


def _differences(flag: Flag, entry: FlagEntry) -> str:
    """How the file's flag differs from the handbook's definition, in one entry."""
    ours = flagd_flag(flag)
    theirs = entry.flag
    found = []
    for what in ("state", "variants", "defaultVariant", "targeting", "metadata"):
        mine, other = ours.get(what), theirs.get(what)
        if mine != other:
            found.append(f"{what} {_compact(other)} in the file, {_compact(mine)} in the handbook")
    said = "; ".join(found) if found else "the file serves it the same"
    where = f"{flag.source.path}:{flag.source.line}"
    return f"{entry.where}: flag `{entry.key}` is already defined at {where}: {said}"


def _compact(value: Any) -> str:
    return "none" if value is None else f"`{json.dumps(value, sort_keys=True)}`"
