"""OpenSLO v1 objects read with positions: SLOs, SLIs, Services and DataSources; other
kinds are listed, what is wrong in an object is a positioned problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.files import Problems, read_documents
from opsbook.load.nodes import Mark, YList, YMap

API_VERSION = "openslo/v1"


OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "=="}


BUDGETING = {
    "Occurrences": "occurrences",
    "Timeslices": "timeslices",
    "RatioTimeslices": "ratio-timeslices",
}


ROLLING = re.compile(r"^([1-9][0-9]*)(m|h|d|w)$")


_PERIOD = re.compile(r"^[1-9][0-9]*(m|h|d|w|M|Q|Y)$")


_OTHER_KINDS = ("AlertPolicy", "AlertCondition", "AlertNotificationTarget")


SPEC_KEYS = frozenset({"description", "service", "indicator", "indicatorRef", "timeWindow",
                        "budgetingMethod", "objectives", "alertPolicies"})  # fmt: skip


OBJECTIVE_KEYS = frozenset({"displayName", "target", "targetPercent", "op", "value",
                             "timeSliceTarget", "timeSliceWindow", "indicator",
                             "indicatorRef"})  # fmt: skip


@dataclass
class Objects:
    """The OpenSLO objects read, by kind and name, with where each was."""

    slos: list[tuple[str, Mark, YMap]] = field(default_factory=list)
    slis: dict[str, YMap] = field(default_factory=dict)
    services: dict[str, YMap] = field(default_factory=dict)
    sources: dict[str, YMap] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    where: dict[tuple[str, str], str] = field(default_factory=dict)
    """Where each SLI, Service and DataSource is (`file:line:col`), by kind and name."""


def read_openslo_files(paths: list[Path]) -> tuple[Objects, list[Diagnostic]]:
    """The OpenSLO objects of the files; what is not OpenSLO v1, or an SLO that cannot be
    read, is a positioned problem (rule `slo-file`)."""
    objects = Objects()
    problems: list[Diagnostic] = []
    for shown, documents in read_documents(paths, "slo-file", problems):
        problem = Problems(shown, "slo-file")
        for document in documents or [None]:
            items = document if isinstance(document, YList) else [document]
            for item in items:
                _read_object(item, shown, objects, problem)
        problems.extend(problem.found)
    readable = []
    for slo in objects.slos:
        problem = Problems(slo[0], "slo-file")
        _check_slo(slo[2], objects, problem)
        problems.extend(problem.found)
        if not problem.found:  # an SLO with a problem is listed, never imported
            readable.append(slo)
    objects.slos = readable
    return objects, problems


def _read_object(node: Any, shown: str, objects: Objects, problem: Problems) -> None:
    version = node.get("apiVersion") if isinstance(node, YMap) else None
    kind = node.get("kind") if isinstance(node, YMap) else None
    if not isinstance(version, str) or not version.startswith("openslo/"):
        problem(
            getattr(node, "mark", (1, 1)),
            "not an OpenSLO object: expected `apiVersion: openslo/v1` and a `kind`",
        )
        return
    assert isinstance(node, YMap)
    if version != API_VERSION:
        problem(
            node.value_marks["apiVersion"], f"`{version}`: only OpenSLO `{API_VERSION}` is read"
        )
        return
    metadata = node.get("metadata")
    name = metadata.get("name") if isinstance(metadata, YMap) else None
    if not isinstance(name, str) or not name:
        problem(node.mark, f"an OpenSLO {kind} without `metadata.name`")
        return
    line, column = node.mark
    objects.where[(str(kind), name)] = f"{shown}:{line}:{column}"
    if kind == "SLO":
        objects.slos.append((shown, node.mark, node))
    elif kind == "SLI":
        objects.slis[name] = node
    elif kind == "Service":
        objects.services[name] = node
    elif kind == "DataSource":
        objects.sources[name] = node
    elif kind in _OTHER_KINDS:
        objects.others.append(
            f"{shown}:{line}:{column}: {kind} `{name}`: not imported; the handbook's alert "
            "definitions say what pages whom"
        )
    else:
        problem(node.value_marks.get("kind", node.mark), f"`{kind}` is not an OpenSLO kind")


def _check_slo(node: YMap, objects: Objects, problem: Problems) -> None:
    name = node["metadata"]["name"]
    what = f"SLO `{name}`"
    spec = node.get("spec")
    if not isinstance(spec, YMap):
        problem(node.mark, f"{what}: no `spec`")
    elif not isinstance(spec.get("service"), str):
        problem(spec.mark, f"{what}: no `service`")
    elif not isinstance(spec.get("objectives"), YList) or not spec["objectives"]:
        problem(spec.mark, f"{what}: no `objectives`")
    else:
        for objective, mark in zip(spec["objectives"], spec["objectives"].item_marks, strict=True):
            _check_objective(objective, mark, spec, what, objects, problem)
        windows = spec.get("timeWindow")
        if windows is not None and not (
            isinstance(windows, YList) and len(windows) == 1 and isinstance(windows[0], YMap)
            and isinstance(windows[0].get("duration"), str)
            and _PERIOD.match(windows[0]["duration"])
        ):  # fmt: skip
            problem(spec.value_marks["timeWindow"], f"{what}: `timeWindow` is not one window "
                    "with a `duration` such as `28d` or `1M`")  # fmt: skip
        method = spec.get("budgetingMethod", "Occurrences")
        if method not in BUDGETING:
            where = spec.value_marks.get("budgetingMethod", spec.mark)
            problem(where, f"{what}: budgetingMethod `{method}` is not "
                    + ", ".join(BUDGETING))  # fmt: skip


def _check_objective(
    objective: Any, mark: Mark, spec: YMap, what: str, objects: Objects, problem: Problems
) -> None:
    if not isinstance(objective, YMap):
        problem(mark, f"{what}: an objective is not a mapping")
        return
    target = objective.get("target", objective.get("targetPercent"))
    if isinstance(target, bool) or not isinstance(target, int | float):
        problem(mark, f"{what}: an objective without `target` or `targetPercent`")
    elif "target" in objective and not 0 <= target <= 1:
        problem(objective.value_marks["target"], f"{what}: target `{target}` is not from 0 to 1")
    elif "targetPercent" not in objective or 0 <= target <= 100:
        pass
    else:
        problem(objective.value_marks["targetPercent"], f"{what}: targetPercent `{target}` is "
                "not from 0 to 100")  # fmt: skip
    indicator = indicator_node(objective, spec, objects)
    if isinstance(indicator, str):
        holder = objective if "indicatorRef" in objective else spec
        problem(holder.value_marks.get("indicatorRef", mark), f"{what}: {indicator}")
        return
    metric = indicator.get("spec") if isinstance(indicator, YMap) else None
    kinds = ("ratioMetric", "thresholdMetric")
    if not isinstance(metric, YMap) or not any(isinstance(metric.get(k), YMap) for k in kinds):
        problem(getattr(indicator, "mark", mark), f"{what}: the indicator has neither "
                "`ratioMetric` nor `thresholdMetric`")  # fmt: skip
        return
    ratio = metric.get("ratioMetric")
    if isinstance(ratio, YMap):
        wanted = ("total", "good" if "good" in ratio or "bad" not in ratio else "bad")
        for key in wanted:
            if not isinstance(ratio.get(key), YMap) or not isinstance(
                ratio[key].get("metricSource"), YMap
            ):
                where = ratio.value_marks.get(key, ratio.mark)
                problem(where, f"{what}: the ratio's `{key}` has no `metricSource`")
    elif not isinstance(metric["thresholdMetric"].get("metricSource"), YMap):
        problem(metric["thresholdMetric"].mark, f"{what}: the threshold has no `metricSource`")
    if "thresholdMetric" in metric and not isinstance(objective.get("value"), int | float):
        problem(mark, f"{what}: a threshold objective without a numeric `value`")
    if "thresholdMetric" in metric and objective.get("op") not in OPERATORS:
        problem(objective.value_marks.get("op", mark), f"{what}: op `{objective.get('op')}` is "
                "not " + ", ".join(OPERATORS))  # fmt: skip


def indicator_node(objective: YMap, spec: YMap, objects: Objects) -> YMap | str:
    """The objective's indicator (its own, else the SLO's), inline or by reference; a
    string says why there is none."""
    for holder in (objective, spec):
        inline = holder.get("indicator")
        if isinstance(inline, YMap):
            return inline
        ref = holder.get("indicatorRef")
        if isinstance(ref, str):
            found = objects.slis.get(ref)
            return found if found is not None else f"no SLI `{ref}` in the files given"
    return "no `indicator` or `indicatorRef`"
