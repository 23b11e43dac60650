"""Cross-reference rules: what the schema cannot see because it spans definitions or files."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

from opsbook.check import values
from opsbook.core.diagnostics import Diagnostic
from opsbook.core.kinds import KINDS as ALL_KINDS
from opsbook.core.ruleset import report
from opsbook.load.definitions import (
    KINDS,
    REFERENCES,
    STAND_INS,
    Defined,
    Index,
    MaybeDefined,
    annotated,
    definition_key,
    definitions,
    walk,
)
from opsbook.load.files import SourceFile
from opsbook.load.nodes import Mark, YList, YMap

_NEEDS_SERVICE = tuple(kind.section for kind in ALL_KINDS if kind.needs_service)
_NESTED_IDS = {kind.section: kind.nested_ids for kind in ALL_KINDS if kind.nested_ids}


def build_index(files: list[SourceFile]) -> tuple[Index, list[Diagnostic]]:
    """Every definition by section and case-folded id; duplicates reported at the later one."""
    index: Index = {section: {} for section in KINDS}
    found: list[Diagnostic] = []
    for source in files:
        for section, kind in KINDS.items():
            for node, mark in definitions(source, section):
                key = definition_key(source, section, node)
                first = index[section].get(key)
                if first is None:
                    index[section][key] = Defined(source.path, mark, node)
                    continue
                same = "" if first.node["id"] == node["id"] else f" as `{first.node['id']}`"
                found.append(
                    report(
                        source.path,
                        mark,
                        "duplicate-id",
                        f"{kind} id `{node['id']}` is already defined{same} at "
                        f"{first.path}:{first.mark[0]}:{first.mark[1]} (ids are unique "
                        "regardless of case)",
                    )
                )
    found.extend(_slos_listed_twice(index))
    found.extend(_alert_names_twice(index))
    return index, found


def _alert_names_twice(index: Index) -> Iterator[Diagnostic]:
    """Two alerts with one name (their `name`, else their id): Prometheus would fire both
    as one, and `check-rules` could not tell which page its rules lead to."""
    seen: dict[str, Defined] = {}
    for defined in index["alerts"].values():
        name = defined.node.get("name", defined.node["id"])
        if not isinstance(name, str):
            continue
        first = seen.setdefault(name, defined)
        if first is not defined:
            where = defined.node.value_marks.get("name", defined.mark)
            yield report(
                defined.path,
                where,
                "duplicate-id",
                f"alert `{defined.node['id']}` has the name `{name}` of alert "
                f"`{first.node['id']}` ({first.path}:{first.mark[0]}:{first.mark[1]}); an "
                "alert's rules are found by its name",
            )


def _slos_listed_twice(index: Index) -> Iterator[Diagnostic]:
    """SLOs of the `slos` section whose id the service lists itself too."""
    for key, defined in index["slos"].items():
        service_id, _, slo_id = key.partition("/")
        service = index["services"].get(service_id)
        if service is None:
            continue
        for value, mark in walk(service.node, "slos[].id"):
            if isinstance(value, str) and value.lower() == slo_id:
                yield report(
                    defined.path,
                    defined.mark,
                    "duplicate-id",
                    f"SLO id `{defined.node['id']}` is already defined in service "
                    f"`{service.node['id']}` at {service.path}:{mark[0]}:{mark[1]}",
                )


def check_files(
    files: list[SourceFile], index: Index, maybe: MaybeDefined = frozenset()
) -> list[Diagnostic]:
    """Run every cross-reference rule over all files together, against `index`; an id in
    `maybe` is not reported as unknown.

    Pass the files through `without` first to leave out definitions with schema errors:
    their ids stay in the index, but no rule looks inside them.
    """
    found: list[Diagnostic] = []
    for source in files:
        found.extend(_check_references(source, index, maybe))
        for check in _CHECKS:
            found.extend(check(source, index))
    return found


def without(source: SourceFile, invalid: set[tuple[str, int]]) -> SourceFile:
    """A view of `source` without the given definitions (positions are kept)."""
    if not invalid:
        return source
    data = YMap(source.data.mark)
    for key, value in source.data.items():
        kept = value
        if isinstance(value, YList) and any(s == key for s, _ in invalid):
            kept = YList(value.mark)
            for i, (item, mark) in enumerate(zip(value, value.item_marks, strict=True)):
                if (key, i) not in invalid:
                    kept.append(item)
                    kept.item_marks.append(mark)
        data[key] = kept
        data.key_marks[key] = source.data.key_marks[key]
        data.value_marks[key] = source.data.value_marks[key]
    return SourceFile(source.path, data)


def _check_references(
    source: SourceFile, index: Index, maybe: MaybeDefined
) -> Iterator[Diagnostic]:
    def unknown(value: Any, target: str) -> bool:
        if not isinstance(value, str) or value.lower() in index[target]:
            return False
        return maybe is not None and value.lower() not in maybe

    file_service = source.data.get("service")
    if isinstance(file_service, str) and unknown(file_service, "services"):
        yield _unknown(source, source.data.value_marks["service"], "services", file_service, index)
    for section, refs in REFERENCES.items():
        for node, _ in definitions(source, section):
            for path, target in refs:
                for value, mark in walk(node, path):
                    if unknown(value, target):
                        yield _unknown(source, mark, target, value, index)
            if section in _NEEDS_SERVICE and "service" not in node and file_service is None:
                yield report(
                    source.path,
                    node.mark,
                    "missing-service",
                    f"{KINDS[section]} `{node['id']}` names no service; add `service:` to it "
                    "or to the file",
                )
    for node, _ in definitions(source, "rollouts"):
        for value, mark in walk(node, "phases[].gates[].slo"):
            if isinstance(value, str) and not _slo_exists(value, index, maybe):
                yield report(
                    source.path,
                    mark,
                    "unknown-reference",
                    f"SLO `{value}` is not defined: no service `{value.split('/')[0]}` "
                    "with that SLO id",
                )


def _slo_exists(ref: str, index: Index, maybe: MaybeDefined) -> bool:
    service_id, _, slo_id = ref.partition("/")
    service = index["services"].get(service_id.lower())
    if service is None:  # unless it may be defined in a file that could not be loaded
        return maybe is None or service_id.lower() in maybe
    listed = index["slos"].get(ref.lower())
    if listed is not None and listed.node["id"] == slo_id:
        return True
    return any(value == slo_id for value, _ in walk(service.node, "slos[].id"))


def _unknown(source: SourceFile, mark: Mark, target: str, value: str, index: Index) -> Diagnostic:
    known = [d.node["id"] for d in index[target].values()]
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return report(
        source.path,
        mark,
        "unknown-reference",
        f"{KINDS[target]} `{value}` is not defined{hint}",
    )


def _check_nested_ids(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    for section, lists in _NESTED_IDS.items():
        for node, _ in definitions(source, section):
            for field in lists:
                seen: dict[str, Mark] = {}
                for value, mark in walk(node, f"{field}[].id"):
                    if not isinstance(value, str):
                        continue
                    if value.lower() in seen:
                        first = seen[value.lower()]
                        yield report(
                            source.path,
                            mark,
                            "duplicate-id",
                            f"`{field}` id `{value}` is already used in {KINDS[section]} "
                            f"`{node['id']}` at line {first[0]}",
                        )
                    else:
                        seen[value.lower()] = mark


def _check_alert_levels(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "alerts"):
        single = "severity" in node or "condition" in node
        if single and "levels" in node:
            yield report(
                source.path,
                node.key_marks["levels"],
                "alert-levels",
                f"alert `{node['id']}` has both `levels` and a top-level "
                "`severity`/`condition`; keep one form",
            )
        elif not single and "levels" not in node:
            yield report(
                source.path,
                node.mark,
                "alert-levels",
                f"alert `{node['id']}` has no `severity` and `condition`, and no `levels`",
            )
        elif single and not ("severity" in node and "condition" in node):
            missing = "condition" if "severity" in node else "severity"
            yield report(
                source.path,
                node.mark,
                "alert-levels",
                f"alert `{node['id']}` needs `{missing}` as well (or use `levels`)",
            )


def _check_alert_texts(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    """`summary` and the runbook's `meaning` may come from the rules' annotations."""
    for node, _ in definitions(source, "alerts"):
        for field, keys in STAND_INS.items():
            holder = node.get("runbook") if field == "meaning" else node
            if isinstance(holder, YMap) and field in holder:
                continue
            if annotated(node, keys) is None:
                yield report(
                    source.path,
                    node.mark,
                    "schema-required",
                    f"alert `{node['id']}` needs `{field}` (or a `{keys[0]}` annotation)",
                )


_CHECKS: tuple[Callable[[SourceFile, Index], Iterator[Diagnostic]], ...] = (
    _check_nested_ids,
    _check_alert_levels,
    _check_alert_texts,
    values.check_flag_values,
    values.check_traffic,
    values.check_promql,
)
