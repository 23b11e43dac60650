"""Values that must fit what they are given to or the language they are written in: the
values flags are set to (their type, their variants), rollout traffic shares, and PromQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.core.kinds import KINDS as ALL_KINDS
from opsbook.core.ruleset import report
from opsbook.load.definitions import Index, definitions, walk
from opsbook.load.files import SourceFile
from opsbook.load.nodes import Mark, YMap

_STEP_LISTS = {kind.section: kind.steps for kind in ALL_KINDS if kind.steps}
_SETTINGS = {kind.section: kind.settings for kind in ALL_KINDS if kind.settings}


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


def check_flag_values(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    for flag_id, mark, value in _flag_settings(source):
        flag = index["flags"].get(flag_id.lower()) if isinstance(flag_id, str) else None
        if flag is None:
            continue  # reported as an unknown reference
        problem = value_problem(flag.node, value)
        if problem:
            rule, message = problem
            yield report(source.path, mark, rule, f"flag `{flag.node['id']}`: {message}")
    for node, _ in definitions(source, "flags"):
        for field in ("default", "kill.value"):
            for value, mark in walk(node, field):
                problem = value_problem(node, value)
                if problem:
                    rule, message = problem
                    if node.get("type") == "enum" and field == "default":
                        rule = "enum-default"
                    yield report(source.path, mark, rule, f"flag `{node['id']}` {field}: {message}")
        yield from _variant_problems(source.path, node)
        for value, mark in walk(node, "rollout_percentage"):
            if _is_number(value) and not 0 <= value <= 100:
                yield report(
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
            yield report(
                path,
                mark,
                "flag-variants",
                f"{where}: a name is given to some variants; give one to each",
            )
        elif isinstance(name, str) and name in seen:
            yield report(
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
                yield report(
                    path, variant.value_marks["value"], problem[0], f"{where}: {problem[1]}"
                )
        elif kinds and _kind(value) not in kinds:
            yield report(
                path,
                variant.value_marks["value"],
                "flag-variants",
                f"{where}: `{value!r}` is a {_kind(value)}; the other variants hold "
                f"{', '.join(sorted(kinds))} values",
            )
        kinds.add(_kind(value))
    weights = [v["weight"] for v, _ in variants if _is_number(v.get("weight"))]
    if weights and not any(weights):
        yield report(
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


def check_traffic(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
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
                yield report(
                    source.path,
                    mark,
                    "percentage-range",
                    f"phase `{phase.get('id')}` traffic must lie within 0–100 (and `min` ≤ `max`)",
                )
                continue
            if previous is not None and low < previous[1]:
                yield report(
                    source.path,
                    mark,
                    "traffic-decreasing",
                    f"phase `{phase.get('id')}` exposes {low:g}% of traffic, less than "
                    f"{previous[1]:g}% in the phase before (`{previous[0]}`)",
                )
            previous = (str(phase.get("id")), low)


# --- PromQL --------------------------------------------------------------------------

_EXPRESSIONS = {kind.section: kind.expressions for kind in ALL_KINDS if kind.expressions}
"""Where PromQL expressions are, by section (the kinds' registry says)."""


def check_promql(source: SourceFile, index: Index) -> Iterator[Diagnostic]:
    """Every `expr` must parse as PromQL, as Prometheus will parse it."""
    for section, paths in _EXPRESSIONS.items():
        for node, _ in definitions(source, section):
            for path in paths:
                for value, mark in walk(node, path):
                    if not isinstance(value, str):
                        continue
                    problem = promql_problem(value)
                    if problem is not None:
                        yield report(
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
