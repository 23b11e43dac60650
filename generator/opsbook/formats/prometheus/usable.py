"""Which rules an import can use: each alerting rule read as one level of an alert, by
alert name; recording rules, rules that do not map and keys without a place in the
handbook are listed, never dropped silently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from opsbook.check.values import promql_problem
from opsbook.formats.imports import Report, pattern
from opsbook.formats.prometheus.read import RuleEntry
from opsbook.load.nodes import YList, YMap

_RULE_KEYS = frozenset(
    {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
)
_GROUP_KEYS = frozenset({"name", "rules", "interval"})


@dataclass
class Rule:
    entry: RuleEntry
    name: str
    expr: str
    for_: str | None
    keep_firing_for: str | None
    labels: dict[str, str]
    annotations: dict[str, str]

    @property
    def where(self) -> str:
        line, column = self.entry.mark
        return f"{self.entry.path}:{line}:{column}"


_RECORD_KEYS = frozenset({"record", "expr", "labels"})


def usable(entries: list[RuleEntry], result: Report, records: list[Rule]) -> list[Rule]:
    """The alerting rules an import can use; the usable recording rules go into
    `records`; what cannot be used is listed in `result`."""
    durations = pattern("duration")
    usable = []
    groups_seen: set[int] = set()
    for entry in entries:
        node = entry.node
        line, column = entry.mark
        where = f"{entry.path}:{line}:{column}"
        group = entry.group_node
        if group is not None and id(group) not in groups_seen:
            groups_seen.add(id(group))
            for key in sorted(set(group) - _GROUP_KEYS, key=str):
                mark = group.key_marks.get(key, group.mark)
                result.not_kept.append(
                    f"{entry.path}:{mark[0]}:{mark[1]}: group `{entry.group}`: `{key}` has no "
                    "place in the handbook; not kept"
                )
        if isinstance(node.get("record"), str) and not isinstance(node.get("alert"), str):
            _record(entry, where, result, records)
            continue
        name = node["alert"]
        why = _unusable(node, durations)
        if why:
            result.not_imported.append(f"{where}: alert `{name}`: {why}")
            continue
        _not_kept(entry, f"alert `{name}`", _RULE_KEYS, result)
        usable.append(
            Rule(
                entry,
                name,
                _expr(node),
                _duration(node.get("for")),
                _duration(node.get("keep_firing_for")),
                _texts(node.get("labels")),
                _texts(node.get("annotations")),
            )
        )
    return usable


def _not_kept(entry: RuleEntry, what: str, known: frozenset[str], result: Report) -> None:
    """List each key of the rule that has no place in the handbook, at its position."""
    node = entry.node
    for key in sorted(set(node) - known, key=str):
        mark = node.key_marks.get(key, node.mark)
        result.not_kept.append(
            f"{entry.path}:{mark[0]}:{mark[1]}: {what}: `{key}` has no place in the handbook; "
            "not kept"
        )


_RECORD_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _record(entry: RuleEntry, where: str, result: Report, records: list[Rule]) -> None:
    """A recording rule, when Prometheus would load it, into `records`."""
    node = entry.node
    name = node["record"]
    expr = _expr(node)
    problem = promql_problem(expr) if expr.strip() else "no `expr`"
    if not _RECORD_NAME.match(name):
        problem = "the name is not a metric name Prometheus accepts"
    labels = node.get("labels")
    if labels is not None and not (
        isinstance(labels, YMap) and all(not isinstance(v, YMap | YList) for v in labels.values())
    ):
        problem = "`labels` is not a mapping of text"
    if problem:
        result.not_imported.append(f"{where}: recording rule `{name}`: {problem}")
        return
    _not_kept(entry, f"recording rule `{name}`", _RECORD_KEYS, result)
    records.append(Rule(entry, name, expr, None, None, _texts(labels), {}))


def _unusable(node: YMap, durations: re.Pattern[str]) -> str | None:
    """Why a rule cannot become an alert level, or None."""
    expr = _expr(node)
    if not expr.strip():
        return "no `expr`"
    problem = promql_problem(expr)
    if problem:
        return f"`expr` is not PromQL: {problem}"
    for key in ("for", "keep_firing_for"):
        value = node.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # Prometheus reads `for: 0` as the text `0`
        if value is not None and not (isinstance(value, str) and durations.match(value)):
            return f"`{key}` is `{value}`, not a Prometheus duration"
    for key in ("labels", "annotations"):
        value = node.get(key)
        if value is None:
            continue
        if not isinstance(value, YMap):
            return f"`{key}` is not a mapping"
        for item in value.values():
            if isinstance(item, YMap | YList) or item is None:
                return f"`{key}` holds a value that is not text"
    return None


def _expr(node: YMap) -> str:
    """The rule's expression as Prometheus reads it: `expr: 1` is the text `1`."""
    expr = node.get("expr")
    if isinstance(expr, str):
        return expr
    if isinstance(expr, int | float) and not isinstance(expr, bool):
        return _scalar(expr)
    return ""


def _duration(value: Any) -> str | None:
    return None if value is None else str(value)


def _texts(value: Any) -> dict[str, str]:
    """Labels or annotations as text, as Prometheus reads `1` or `true` in them."""
    if not isinstance(value, YMap):
        return {}
    return {str(k): v if isinstance(v, str) else _scalar(v) for k, v in value.items()}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def by_name(rules: list[Rule]) -> dict[str, list[Rule]]:
    """Rules by alert name (as Prometheus compares them: exactly), in the order first
    seen, from whichever groups they are in."""
    named: dict[str, list[Rule]] = {}
    for rule in rules:
        named.setdefault(rule.name, []).append(rule)
    return named
