"""Cross-reference rules: what the schema cannot see because it spans definitions or files."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterator
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.core.kinds import KINDS as ALL_KINDS
from opsbook.core.ruleset import RULES
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

_STEP_LISTS = {kind.section: kind.steps for kind in ALL_KINDS if kind.steps}
_SETTINGS = {kind.section: kind.settings for kind in ALL_KINDS if kind.settings}
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
                    _diag(
                        source.path,
                        mark,
                        "duplicate-id",
                        f"{kind} id `{node['id']}` is already defined{same} at "
                        f"{first.path}:{first.mark[0]}:{first.mark[1]} (ids are unique "
                        "regardless of case)",
                    )
                )
    found.extend(_slos_listed_twice(index))
    return index, found


def _slos_listed_twice(index: Index) -> Iterator[Diagnostic]:
    """SLOs of the `slos` section whose id the service lists itself too."""
    for key, defined in index["slos"].items():
        service_id, _, slo_id = key.partition("/")
        service = index["services"].get(service_id)
        if service is None:
            continue
        for value, mark in walk(service.node, "slos[].id"):
            if isinstance(value, str) and value.lower() == slo_id:
                yield _diag(
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


def _diag(path: str, mark: Mark, rule: str, message: str) -> Diagnostic:
    return Diagnostic(path, mark[0], mark[1], RULES[rule].level, rule, message)


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
                yield _diag(
                    source.path,
                    node.mark,
                    "missing-service",
                    f"{KINDS[section]} `{node['id']}` names no service; add `service:` to it "
                    "or to the file",
                )
    for node, _ in definitions(source, "rollouts"):
        for value, mark in walk(node, "phases[].gates[].slo"):
            if isinstance(value, str) and not _slo_exists(value, index, maybe):
                yield _diag(
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
    return _diag(
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
                        yield _diag(
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
            yield _diag(
                source.path,
                node.key_marks["levels"],
                "alert-levels",
                f"alert `{node['id']}` has both `levels` and a top-level "
                "`severity`/`condition`; keep one form",
            )
        elif not single and "levels" not in node:
            yield _diag(
                source.path,
                node.mark,
                "alert-levels",
                f"alert `{node['id']}` has no `severity` and `condition`, and no `levels`",
            )
        elif single and not ("severity" in node and "condition" in node):
            missing = "condition" if "severity" in node else "severity"
            yield _diag(
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
                yield _diag(
                    source.path,
                    node.mark,
                    "schema-required",
                    f"alert `{node['id']}` needs `{field}` (or a `{keys[0]}` annotation)",
                )


# --- flag values ----------------------------------------------------------------------


def _flag_settings(source: SourceFile) -> Iterator[tuple[Any, Mark, str]]:
    """Every place a flag is given a value: (flag id, position of the value, the value)."""
    for section, lists in _STEP_LISTS.items():
        for node, _ in definitions(source, section):
            for list_path in lists:
                yield from _settings(node, f"{list_path}[].set_flag")
    for section, paths in _SETTINGS.items():
        for node, _ in definitions(source, section):
            for path in paths:
                yield from _settings(node, path)
    for node, _ in definitions(source, "rollouts"):
        flag = node.get("flag")
        for phase, _ in walk(node, "phases[]"):
            if isinstance(phase, YMap) and "flag_value" in phase and isinstance(flag, str):
                yield flag, phase.value_marks["flag_value"], phase["flag_value"]


def _settings(node: YMap, path: str) -> Iterator[tuple[Any, Mark, Any]]:
    for setting, _ in walk(node, path):
        if isinstance(setting, YMap) and "value" in setting:
            yield setting.get("flag"), setting.value_marks["value"], setting["value"]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_problem(flag: YMap, value: Any) -> tuple[str, str] | None:
    """Why `value` does not suit `flag` as (rule id, message), or None when it does."""
    kind = flag.get("type")
    shown = f"`{value!r}`" if not isinstance(value, str) else f"`{value}`"
    if kind == "boolean" and not isinstance(value, bool):
        return "flag-value", f"{shown} is not `true` or `false`"
    if kind == "percentage":
        if not _is_number(value):
            return "flag-value", f"{shown} is not a percentage (a number from 0 to 100)"
        if not 0 <= value <= 100:
            return "percentage-range", f"{shown} is outside 0–100"
    if kind == "number" and not _is_number(value):
        return "flag-value", f"{shown} is not a number"
    if kind == "string" and not isinstance(value, str):
        return "flag-value", f"{shown} is not a string (quote it)"
    if kind == "allowlist" and not (
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        return "flag-value", f"{shown} is not a list of entries"
    if kind == "enum":
        variants = [v.get("value") for v, _ in walk(flag, "variants[]") if isinstance(v, YMap)]
        if not any(type(v) is type(value) and v == value for v in variants):
            listed = ", ".join(f"`{v}`" for v in variants)
            return "flag-value", f"{shown} is not one of its variants ({listed})"
    return None


def _check_flag_values(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    for flag_id, mark, value in _flag_settings(source):
        flag = index["flags"].get(flag_id.lower()) if isinstance(flag_id, str) else None
        if flag is None:
            continue  # reported as an unknown reference
        problem = value_problem(flag.node, value)
        if problem:
            rule, message = problem
            yield _diag(source.path, mark, rule, f"flag `{flag.node['id']}`: {message}")
    for node, _ in definitions(source, "flags"):
        for field in ("default", "kill.value"):
            for value, mark in walk(node, field):
                problem = value_problem(node, value)
                if problem:
                    rule, message = problem
                    if node.get("type") == "enum" and field == "default":
                        rule = "enum-default"
                    yield _diag(source.path, mark, rule, f"flag `{node['id']}` {field}: {message}")
        yield from _variant_problems(source.path, node)
        for value, mark in walk(node, "rollout_percentage"):
            if _is_number(value) and not 0 <= value <= 100:
                yield _diag(
                    source.path,
                    mark,
                    "percentage-range",
                    f"flag `{node['id']}` rollout_percentage `{value}` is outside 0–100",
                )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return "object" if isinstance(value, dict) else "string"


def _variant_problems(path: str, flag: YMap) -> Iterator[Diagnostic]:
    """Variant names given for all or none, each once; one kind of value (the flag's own
    for types other than `enum`); weights that can split the traffic."""
    variants = [(v, m) for v, m in walk(flag, "variants[]") if isinstance(v, YMap)]
    named = [v for v, _ in variants if "name" in v]
    seen: set[str] = set()
    kinds: set[str] = set()
    for variant, mark in variants:
        where = f"flag `{flag['id']}` variant"
        name = variant.get("name")
        if named and name is None:
            yield _diag(
                path,
                mark,
                "flag-variants",
                f"{where}: a name is given to some variants; give one to each",
            )
        elif isinstance(name, str) and name in seen:
            yield _diag(
                path,
                variant.value_marks["name"],
                "flag-variants",
                f"{where} `{name}`: a second variant has this name",
            )
        if isinstance(name, str):
            seen.add(name)
        if "value" not in variant:
            continue
        value = variant["value"]
        if flag.get("type") != "enum":
            problem = value_problem(flag, value)
            if problem:
                yield _diag(
                    path, variant.value_marks["value"], problem[0], f"{where}: {problem[1]}"
                )
        elif kinds and _kind(value) not in kinds:
            yield _diag(
                path,
                variant.value_marks["value"],
                "flag-variants",
                f"{where}: `{value!r}` is a {_kind(value)}; the other variants hold "
                f"{', '.join(sorted(kinds))} values",
            )
        kinds.add(_kind(value))
    weights = [v["weight"] for v, _ in variants if _is_number(v.get("weight"))]
    if weights and not any(weights):
        yield _diag(
            path,
            flag.value_marks.get("variants", flag.mark),
            "flag-variants",
            f"flag `{flag['id']}`: every variant's weight is 0; a split needs one above zero",
        )


# --- rollouts -------------------------------------------------------------------------


def _traffic_bounds(traffic: Any) -> tuple[float, float] | None:
    if _is_number(traffic):
        return traffic, traffic
    if (
        isinstance(traffic, YMap)
        and _is_number(traffic.get("min"))
        and _is_number(traffic.get("max"))
    ):
        return traffic["min"], traffic["max"]
    return None


def _check_traffic(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "rollouts"):
        previous: tuple[str, float] | None = None
        for phase, _ in walk(node, "phases[]"):
            if not isinstance(phase, YMap) or "traffic" not in phase:
                continue
            bounds = _traffic_bounds(phase["traffic"])
            if bounds is None:
                continue
            mark = phase.value_marks["traffic"]
            low, high = bounds
            if not (0 <= low <= 100 and 0 <= high <= 100) or low > high:
                yield _diag(
                    source.path,
                    mark,
                    "percentage-range",
                    f"phase `{phase.get('id')}` traffic must lie within 0–100 (and `min` ≤ `max`)",
                )
                continue
            if previous is not None and low < previous[1]:
                yield _diag(
                    source.path,
                    mark,
                    "traffic-decreasing",
                    f"phase `{phase.get('id')}` exposes {low:g}% of traffic, less than "
                    f"{previous[1]:g}% in the phase before (`{previous[0]}`)",
                )
            previous = (str(phase.get("id")), low)


# --- PromQL --------------------------------------------------------------------------

_EXPRESSIONS = {
    "alerts": ("condition.expr", "levels[].condition.expr"),
    "services": ("slos[].objective.expr",),
    "rollouts": ("phases[].gates[].condition.expr", "rollback.triggers[].condition.expr"),
}
"""Where PromQL expressions are, by section."""


def _check_promql(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    """Every `expr` must parse as PromQL, as Prometheus will parse it."""
    for section, paths in _EXPRESSIONS.items():
        for node, _ in definitions(source, section):
            for path in paths:
                for value, mark in walk(node, path):
                    if not isinstance(value, str):
                        continue
                    problem = promql_problem(value)
                    if problem is not None:
                        yield _diag(
                            source.path,
                            mark,
                            "promql-syntax",
                            f"`{node['id']}`: `{path}` is not valid PromQL: {problem}",
                        )


@functools.lru_cache(maxsize=4096)
def promql_problem(expr: str) -> str | None:
    """Why `expr` is not PromQL (promql-parser, the Prometheus parser ported to Rust, so
    what it accepts is what Prometheus accepts), or None."""
    import promql_parser

    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        return " ".join(str(exc).split())
    return None


_CHECKS: tuple[Callable[[SourceFile, Index], Iterator[Diagnostic]], ...] = (
    _check_nested_ids,
    _check_alert_levels,
    _check_alert_texts,
    _check_flag_values,
    _check_traffic,
    _check_promql,
)
