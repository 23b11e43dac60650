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
has are not written again: how they differ from the file is reported instead."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook.formats.flagd.read import FlagEntry
from opsbook.formats.flagd.write import flagd_flag
from opsbook.formats.imports import Made, NewDefinitions, Report, definition_id
from opsbook.model import Catalog, Flag


@dataclass
class FlagdImported(Report):
    """The report of a flagd import, with how many flags it made of how many files."""

    units = ("flag(s)", "flag(s)")


def import_flags(
    entries: list[FlagEntry], catalog: Catalog, service: str | None, owner: str | None
) -> FlagdImported:
    """The flags read as definitions for the handbook `catalog`, each under the service
    `service`, else its flag set's `flagSetId`, else its file's name."""
    result = FlagdImported(files=len({entry.path for entry in entries}))
    result.not_kept.extend(line for entry in entries for line in entry.not_kept)
    _NewFlags(Made(catalog, "flagd", "flags", owner), result, service).add(entries)
    return result


class _NewFlags(NewDefinitions[FlagEntry]):
    section = "flags"

    def __init__(self, made: Made, result: FlagdImported, service: str | None) -> None:
        super().__init__(made, result)
        self.wanted = service
        self.known: dict[str, Flag] = {}
        for flag in made.catalog.flags:
            self.known.setdefault(flag.key.lower(), flag)
            self.known.setdefault(flag.id.lower(), flag)

    def ours(self, item: FlagEntry) -> Flag | None:
        return self.known.get(item.key.lower()) or self.known.get(self.key(item))

    def differences(self, ours: Flag, item: FlagEntry) -> str:
        return _differences(ours, item)

    def key(self, item: FlagEntry) -> str:
        return definition_id(item.key).lower()

    def taken(self, item: FlagEntry, first: FlagEntry) -> str:
        return (
            f"{item.where}: flag `{item.key}`: its id `{definition_id(item.key)}` is taken by "
            f"`{first.key}` ({first.where}); handbook ids ignore case"
        )

    def service(self, item: FlagEntry) -> str:
        wanted = self.wanted or item.set_id or Path(item.path).name.split(".")[0]
        return self.made.service(wanted, item.path)

    def definition(self, item: FlagEntry, service: str) -> dict[str, Any]:
        return _definition(definition_id(item.key), item)


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
