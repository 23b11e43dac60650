"""Argo Rollout resources read with positions (several documents, Lists), with their
AnalysisTemplates; what is not a Rollout is listed, what is wrong in one is a problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.argo.write import MANAGED
from opsbook.formats.files import Problems, read_documents
from opsbook.formats.imports import Entry
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model.build.values import plain

_STEPS = frozenset(
    {"setWeight", "pause", "analysis", "experiment", "setCanaryScale", "setHeaderRoute",
     "setMirrorRoute", "plugin"}
)  # fmt: skip


RANK = {"setWeight": 0, "soak": 1, "analysis": 2, "promote": 3}


_GO_DURATION = re.compile(r"^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")


_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60,
             "h": 3600}  # fmt: skip


APPROVAL = "TODO: who promotes the rollout past this pause"


_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


_NAMESPACE = re.compile(r"^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass
class RolloutEntry(Entry):
    """One Rollout read from a file: where, its name, its steps as phases to be."""

    name: str
    namespace: str | None
    strategy: str
    resource: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)


def read_rollout_files(
    paths: list[Path],
) -> tuple[list[RolloutEntry], dict[str, dict[str, Any]], list[str], list[Diagnostic]]:
    """The Rollouts of the files, the analysis templates by name, the other resources
    (listed, not imported) and the problems (rule `rollout-file`)."""
    entries: list[RolloutEntry] = []
    templates: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    problems: list[Diagnostic] = []
    for shown, documents in read_documents(paths, "rollout-file", problems):
        problem = Problems(shown, "rollout-file")
        read: list[RolloutEntry] = []
        for document in documents or [None]:
            _read_resource(document, shown, read, templates, others, problem)
        problems.extend(problem.found)
        if not problem.found:
            entries.extend(read)
    return entries, templates, others, problems


def _read_resource(
    document: Any,
    shown: str,
    entries: list[RolloutEntry],
    templates: dict[str, dict[str, Any]],
    others: list[str],
    problem: Problems,
) -> None:
    kind = document.get("kind") if isinstance(document, YMap) else None
    if not isinstance(kind, str):
        problem(
            getattr(document, "mark", (1, 1)),
            "not a Kubernetes resource: expected `kind` (a Rollout, or a List of them)",
        )
        return
    assert isinstance(document, YMap)
    if kind == "List":
        items = document.get("items")
        if not isinstance(items, YList):
            problem(document.value_marks["kind"], "a List without `items`")
            return
        for item in items:
            _read_resource(item, shown, entries, templates, others, problem)
        return
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, YMap) else None
    line, column = document.mark
    if kind in ("AnalysisTemplate", "ClusterAnalysisTemplate") and isinstance(name, str):
        templates[name] = plain(document)
        labels = metadata.get("labels") if isinstance(metadata, YMap) else None
        made = isinstance(labels, YMap) and all(labels.get(k) == v for k, v in MANAGED.items())
        if not made:  # opsbook's own templates come back as the gates they were made for
            others.append(
                f"{shown}:{line}:{column}: {kind} `{name}`: its metrics and queries are not "
                "kept (a gate names it and says what it checks); keep it with your manifests"
            )
        return
    if kind != "Rollout":
        others.append(f"{shown}:{line}:{column}: a {kind}: only Rollouts are imported")
        return
    if not isinstance(name, str) or not name:
        problem(document.value_marks.get("metadata", document.mark), "a Rollout without a name")
        return
    assert isinstance(metadata, YMap)
    namespace = metadata.get("namespace")
    for what, value, pattern in (("name", name, _NAME), ("namespace", namespace, _NAMESPACE)):
        if value is not None and not (isinstance(value, str) and pattern.match(value)):
            problem(
                metadata.value_marks[what],
                f"Rollout {what} `{value}` is not one Kubernetes accepts (lower-case letters, "
                "digits, `-`" + (", `.`" if what == "name" else "") + ")",
            )
            return
    entry = _rollout(document, shown, name, problem)
    if entry is not None:
        entries.append(entry)


def _rollout(document: YMap, shown: str, name: str, problem: Problems) -> RolloutEntry | None:
    what = f"Rollout `{name}`"
    before = len(problem.found)
    spec = document.get("spec")
    strategy = spec.get("strategy") if isinstance(spec, YMap) else None
    if not isinstance(strategy, YMap):
        where = spec.mark if isinstance(spec, YMap) else document.value_marks["kind"]
        problem(where, f"{what}: no `strategy` (`canary` or `blueGreen`)")
        return None
    kinds = [key for key in ("canary", "blueGreen") if key in strategy]
    if len(kinds) != 1 or not isinstance(strategy[kinds[0]], YMap):
        problem(strategy.mark, f"{what}: `strategy` holds neither `canary` nor `blueGreen`")
        return None
    chosen = strategy[kinds[0]]
    metadata = document["metadata"]
    namespace = metadata.get("namespace") if isinstance(metadata.get("namespace"), str) else None
    entry = RolloutEntry(shown, document.mark, name, namespace, kinds[0], plain(document))
    if kinds[0] == "canary":
        steps = chosen.get("steps", YList(chosen.mark))
        if not isinstance(steps, YList):
            problem(chosen.value_marks["steps"], f"{what}: `steps` is not a list")
            return None
        for step, mark in zip(steps, steps.item_marks, strict=True):
            _check_step(step, mark, what, problem)
        entry.steps = plain(steps)
    else:
        if not isinstance(chosen.get("activeService"), str):
            problem(chosen.mark, f"{what}: a blue-green strategy without `activeService`")
        for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
            if key in chosen:
                _check_analysis(chosen[key], chosen.value_marks[key], f"{what} {key}", problem)
        seconds = chosen.get("autoPromotionSeconds")
        if seconds is not None and not (isinstance(seconds, int) and seconds >= 0):
            problem(chosen.value_marks["autoPromotionSeconds"], f"{what}: "
                    "`autoPromotionSeconds` is not a whole number of seconds")  # fmt: skip
    return entry if len(problem.found) == before else None


def _check_step(step: Any, mark: Mark, what: str, problem: Problems) -> None:
    """A step holds one action or, as Argo's schema allows, several; each is checked."""
    if not isinstance(step, YMap) or not step:
        problem(mark, f"{what}: a step is a mapping of actions (`setWeight`, `pause`, …)")
        return
    for kind in step:
        _check_action(step, kind, what, problem)


def _check_action(step: YMap, kind: Any, what: str, problem: Problems) -> None:
    at = step.value_marks[kind]
    if kind not in _STEPS:
        problem(step.key_marks[kind], f"{what}: unknown step `{kind}`")
        return
    value = step[kind]
    if kind == "setWeight":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            problem(at, f"{what}: setWeight `{value}` is not a whole number from 0 to 100")
    elif kind == "pause":
        if not isinstance(value, YMap) or set(value) - {"duration"}:
            problem(at, f"{what}: `pause` holds only an optional `duration`")
        elif "duration" in value and pause_seconds(value["duration"]) is None:
            problem(
                value.value_marks["duration"],
                f"{what}: pause duration `{value['duration']}` is not one Argo Rollouts reads "
                "(seconds, or a Go duration such as `90s`, `10m`, `1h30m`)",
            )
    elif kind == "analysis":
        _check_analysis(value, at, f"{what} analysis", problem)
    elif not isinstance(value, YMap):
        problem(at, f"{what}: `{kind}` is not a mapping")


def _check_analysis(value: Any, at: Mark, what: str, problem: Problems) -> None:
    templates = value.get("templates") if isinstance(value, YMap) else None
    if not isinstance(templates, YList) or not templates:
        problem(at, f"{what}: no `templates` list")
        return
    for template, mark in zip(templates, templates.item_marks, strict=True):
        if not isinstance(template, YMap) or not isinstance(template.get("templateName"), str):
            problem(mark, f"{what}: a template without `templateName`")


def pause_seconds(duration: Any) -> int | None:
    """Whole seconds of an Argo pause duration, as Argo reads it, or None."""
    if isinstance(duration, bool):
        return None
    if isinstance(duration, int):
        return duration if duration >= 0 else None
    if not isinstance(duration, str):
        return None
    if duration.isdigit():
        return int(duration)
    if not _GO_DURATION.match(duration):
        return None
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)", duration)
    return int(sum(float(number) * _GO_UNITS[unit] for number, unit in parts))
