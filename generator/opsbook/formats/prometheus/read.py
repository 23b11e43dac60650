"""Prometheus rule files read with positions: plain rule files, PrometheusRule resources,
Lists, several documents and JSON; what is not a rule file is a positioned problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic, Level
from opsbook.formats.files import read_documents
from opsbook.load.nodes import Mark, YList, YMap


@dataclass(frozen=True)
class RuleEntry:
    """One rule of a rule file, where it is, and the group it is in."""

    path: str
    node: YMap
    group: str
    group_node: YMap | None = None
    namespace: str | None = None

    @property
    def mark(self) -> Mark:
        return self.node.value_marks.get(
            "alert", self.node.value_marks.get("record", self.node.mark)
        )


def read_rules(paths: list[Path]) -> tuple[list[RuleEntry], list[Diagnostic]]:
    """Every rule of the rule files: plain `groups:` files, `PrometheusRule` resources,
    Kubernetes `List`s, several YAML documents, and the JSON form of each. A file that is
    not one of those, or a rule that is neither `alert` nor `record`, is a positioned
    problem (rule `rule-file`)."""
    rules: list[RuleEntry] = []
    problems: list[Diagnostic] = []
    for shown, documents in read_documents(paths, "rule-file", problems):

        def problem(
            mark: Mark, message: str, level: Level = Level.ERROR, shown: str = shown
        ) -> None:
            problems.append(Diagnostic(shown, *mark, level, "rule-file", message))

        for document in documents:
            _read_document(document, shown, rules, problem)
    return rules, problems


def _read_document(
    document: Any, shown: str, rules: list[RuleEntry], problem: Any, namespace: str | None = None
) -> None:
    if not isinstance(document, YMap):
        problem(
            getattr(document, "mark", (1, 1)),
            "not a rule file: expected `groups:`, a PrometheusRule or a List",
        )
        return
    kind = document.get("kind")
    if kind == "List":
        items = document.get("items")
        if not isinstance(items, YList):
            problem(document.mark, "a List without `items`")
            return
        for item in items:
            _read_document(item, shown, rules, problem)
        return
    if kind == "PrometheusRule":
        metadata = document.get("metadata")
        if isinstance(metadata, YMap) and isinstance(metadata.get("namespace"), str):
            namespace = metadata["namespace"]
        spec = document.get("spec")
        if not isinstance(spec, YMap):
            problem(
                document.value_marks.get("kind", document.mark), "a PrometheusRule without `spec`"
            )
            return
        document = spec
    groups = document.get("groups")
    if not isinstance(groups, YList):
        problem(document.mark, "not a rule file: expected `groups:`, a PrometheusRule or a List")
        return
    for group in groups:
        name = group.get("name") if isinstance(group, YMap) else None
        entries = group.get("rules") if isinstance(group, YMap) else None
        if not isinstance(name, str) or not isinstance(entries, YList | None):
            problem(getattr(group, "mark", document.mark), "a rule group needs `name` and `rules`")
            continue
        if not entries:  # Prometheus loads a group without rules, and runs nothing
            mark = group.value_marks.get("rules", group.value_marks["name"])
            problem(mark, f"group `{name}` has no rules: nothing to import", Level.WARNING)
            continue
        for rule in entries:
            if not isinstance(rule, YMap) or not (
                isinstance(rule.get("alert"), str) or isinstance(rule.get("record"), str)
            ):
                problem(getattr(rule, "mark", group.mark), "a rule needs `alert` or `record`")
                continue
            rules.append(RuleEntry(shown, rule, name, group, namespace))
