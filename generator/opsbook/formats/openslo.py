"""OpenSLO `v1` objects → opsbook SLOs.

Reads YAML or JSON files of `SLO`, `SLI`, `Service` and `DataSource` objects (several
documents per file, or lists of them).

Mapping, OpenSLO SLO → handbook SLO (one per objective):
- `spec.service` → the handbook service (made, with the OpenSLO Service's name and
  description, when the handbook lacks it); `metadata.name` → `id` (with the objective's
  name when there are several), `displayName` → `name`, `spec.description` → description;
- the indicator, inline or by `indicatorRef` (an SLI object), or the objective's own →
  `indicator`: a `ratioMetric`'s good (or bad) and total queries, or a `thresholdMetric`'s
  query; a metric source's `spec.query` is kept as text, any other spec as written; the
  source's `type` (through `metricSourceRef` to a DataSource too);
- the objective's `target` (0–1) or `targetPercent` → `target` (percent); a threshold
  objective's `op` and `value` → the objective's operator and threshold;
- `budgetingMethod` → `budgeting` (with `timeSliceTarget` and `timeSliceWindow`);
- `timeWindow`: rolling → `window`, calendar → `calendar` (period, start, time zone).

Each SLO is written to the service's file as an `slos` entry marked `imported`. What has
no place (alert policies, other kinds, a rolling window in months) is listed; SLOs the
handbook has are reported with how they differ, never written again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.files import Problems, read_documents
from opsbook.formats.imports import Made, Report, definition_id
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model import Catalog, Slo
from opsbook.model.build.values import plain, slug

API_VERSION = "openslo/v1"
_OPERATORS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "eq": "=="}
_BUDGETING = {
    "Occurrences": "occurrences",
    "Timeslices": "timeslices",
    "RatioTimeslices": "ratio-timeslices",
}
_ROLLING = re.compile(r"^([1-9][0-9]*)(m|h|d|w)$")
_PERIOD = re.compile(r"^[1-9][0-9]*(m|h|d|w|M|Q|Y)$")
_OTHER_KINDS = ("AlertPolicy", "AlertCondition", "AlertNotificationTarget")
_SPEC_KEYS = frozenset({"description", "service", "indicator", "indicatorRef", "timeWindow",
                        "budgetingMethod", "objectives", "alertPolicies"})  # fmt: skip
_OBJECTIVE_KEYS = frozenset({"displayName", "target", "targetPercent", "op", "value",
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


@dataclass
class OpensloImported(Report):
    """The report of an OpenSLO import, with how many SLOs it made."""

    units = ("object(s)", "SLO(s)")


# --- reading ------------------------------------------------------------------------------


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
    for shown, _, node in objects.slos:
        problem = Problems(shown, "slo-file")
        _check_slo(node, objects, problem)
        problems.extend(problem.found)
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
        if method not in _BUDGETING:
            where = spec.value_marks.get("budgetingMethod", spec.mark)
            problem(where, f"{what}: budgetingMethod `{method}` is not "
                    + ", ".join(_BUDGETING))  # fmt: skip


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
    indicator = _indicator_node(objective, spec, objects)
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
    if "thresholdMetric" in metric and objective.get("op") not in _OPERATORS:
        problem(objective.value_marks.get("op", mark), f"{what}: op `{objective.get('op')}` is "
                "not " + ", ".join(_OPERATORS))  # fmt: skip


def _indicator_node(objective: YMap, spec: YMap, objects: Objects) -> YMap | str:
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


# --- making definitions -------------------------------------------------------------------


def import_slos(
    objects: Objects, catalog: Catalog, service: str | None, owner: str | None
) -> OpensloImported:
    """The SLOs as handbook SLOs, under `service` or each SLO's `spec.service`."""
    result = OpensloImported(files=len({shown for shown, _, _ in objects.slos}))
    result.not_imported.extend(objects.others)
    made = Made(catalog, "openslo", "slos", owner)
    result.documents, result.created = made.documents, made.created
    known = {(s.id.lower(), slo.id.lower()): slo for s in catalog.services for slo in s.slos}
    taken: set[tuple[str, str]] = set()
    for shown, mark, node in objects.slos:
        spec = node["spec"]
        wanted = service or spec["service"]
        service_id = _service(made, wanted, objects.services.get(spec["service"]), shown)
        objectives = spec["objectives"]
        for number, objective in enumerate(objectives, 1):
            slo = _Slo(node, objective, number, len(objectives), objects, result, shown)
            definition = slo.definition()
            key = (service_id.lower(), definition["id"].lower())
            if key in known:
                result.differences.append(_differences(known[key], definition, shown, mark))
                continue
            if key in taken:
                result.not_imported.append(
                    f"{shown}:{mark[0]}:{mark[1]}: SLO `{definition['id']}`: another SLO of "
                    f"`{service_id}` in the files has this id"
                )
                continue
            taken.add(key)
            made.add(service_id, "slos", definition)
            result.made += 1
    return result


def _service(made: Made, wanted: str, described: YMap | None, shown: str) -> str:
    service_id = made.service(wanted, shown)
    created = made.documents.get(service_id, {}).get("services", [])
    if described is not None and created and created[-1]["id"] == service_id:
        metadata = described.get("metadata")
        spec = described.get("spec")
        metadata = metadata if isinstance(metadata, YMap) else YMap(described.mark)
        spec = spec if isinstance(spec, YMap) else YMap(described.mark)
        if isinstance(metadata.get("displayName"), str):
            created[-1]["name"] = metadata["displayName"]
        if isinstance(spec.get("description"), str) and spec["description"].strip():
            created[-1]["summary"] = spec["description"]
    return service_id


class _Slo:
    """One objective of an OpenSLO SLO as a handbook SLO."""

    def __init__(
        self,
        node: YMap,
        objective: YMap,
        number: int,
        count: int,
        objects: Objects,
        result: OpensloImported,
        shown: str,
    ) -> None:
        self.node, self.objective, self.objects, self.result = node, objective, objects, result
        self.number, self.count, self.shown = number, count, shown
        self.name = node["metadata"]["name"]

    def definition(self) -> dict[str, Any]:
        metadata, spec, objective = self.node["metadata"], self.node["spec"], self.objective
        slo_id = definition_id(self.name)
        display = metadata.get("displayName") or self.name
        if self.count > 1:
            part = objective.get("displayName") or f"objective {self.number}"
            slo_id = definition_id(f"{self.name}-{slug(str(part))}")
            display = f"{display}: {part}"
        indicator_node = _indicator_node(objective, spec, self.objects)
        assert isinstance(indicator_node, YMap)  # checked when read
        indicator = self._indicator(indicator_node)
        target = objective.get("target")
        percent = target * 100 if target is not None else objective["targetPercent"]
        percent = float(f"{percent:.10g}")
        percent = int(percent) if percent.is_integer() else percent
        definition: dict[str, Any] = {"id": slo_id, "name": str(display)}
        definition["objective"] = self._objective(indicator, percent)
        definition["target"] = percent
        description = spec.get("description")
        if isinstance(description, str) and description.strip():
            definition["description"] = description
        definition["indicator"] = indicator
        self._budgeting(definition, spec, objective)
        self._window(definition, spec)
        for holder, known, what in ((spec, _SPEC_KEYS, "spec"), (objective, _OBJECTIVE_KEYS,
                                                                  "objective")):  # fmt: skip
            for key in sorted(set(holder) - known, key=str):
                at = holder.key_marks[key]
                self.result.not_kept.append(
                    f"{self.shown}:{at[0]}:{at[1]}: SLO `{self.name}` {what}: `{key}` has no "
                    "place here; not kept"
                )
        if "alertPolicies" in spec:
            at = spec.key_marks["alertPolicies"]
            self.result.not_kept.append(
                f"{self.shown}:{at[0]}:{at[1]}: SLO `{self.name}`: `alertPolicies` not kept; "
                "the handbook's alert definitions say what pages whom"
            )
        definition["imported"] = {"from": "openslo", "source": f"{self.shown}:{self.node.mark[0]}"}
        return definition

    def _objective(self, indicator: dict[str, Any], percent: float | int) -> dict[str, Any]:
        objective = self.objective
        if "threshold" in indicator:
            return {
                "metric": indicator.get("name") or "the metric",
                "operator": _OPERATORS[objective["op"]],
                "threshold": objective["value"],
            }
        counted = "bad" if "bad" in indicator and "good" not in indicator else "good"
        metric = f"{counted} events / all events"
        operator = ">=" if counted == "good" else "<="
        threshold = percent if counted == "good" else float(f"{100 - percent:.10g}")
        return {"metric": metric, "operator": operator, "threshold": threshold, "unit": "%"}

    def _indicator(self, node: YMap) -> dict[str, Any]:
        metadata = node.get("metadata")
        metadata = metadata if isinstance(metadata, YMap) else YMap(node.mark)
        spec = node["spec"]
        indicator: dict[str, Any] = {}
        if isinstance(metadata.get("name"), str):
            indicator["name"] = metadata["name"]
        if isinstance(spec.get("description"), str) and spec["description"].strip():
            indicator["description"] = spec["description"]
        sources: list[str] = []
        if "ratioMetric" in spec:
            ratio = spec["ratioMetric"]
            if isinstance(ratio.get("counter"), bool):
                indicator["counter"] = ratio["counter"]
            for key in ("good", "bad", "total"):
                if isinstance(ratio.get(key), YMap):
                    indicator[key] = self._query(ratio[key], sources)
            if "raw" in ratio:
                self.result.not_kept.append(
                    f"{self.shown}:{node.mark[0]}: SLO `{self.name}`: a `raw` ratio has no "
                    "place here; not kept"
                )
        else:
            indicator["threshold"] = self._query(spec["thresholdMetric"], sources)
        source = sources[0] if sources else "Prometheus"
        if source != "Prometheus":
            said = ("name", "description")
            first = {k: v for k, v in indicator.items() if k in said}
            rest = {k: v for k, v in indicator.items() if k not in said}
            indicator = {**first, "source": source, **rest}
        return indicator

    def _query(self, holder: YMap, sources: list[str]) -> Any:
        """A metric's query as text (its source's `spec.query`), or its spec as written."""
        source = holder.get("metricSource")
        if not isinstance(source, YMap):
            return plain(holder)
        kind = source.get("type")
        ref = source.get("metricSourceRef")
        if not isinstance(kind, str) and isinstance(ref, str) and ref in self.objects.sources:
            kind = self.objects.sources[ref].get("spec", {}).get("type")
        sources.append(kind if isinstance(kind, str) else "Prometheus")
        spec = source.get("spec")
        if isinstance(spec, YMap) and set(spec) == {"query"} and isinstance(spec["query"], str):
            return spec["query"].strip()
        return plain(spec) if spec is not None else plain(source)

    def _budgeting(self, definition: dict[str, Any], spec: YMap, objective: YMap) -> None:
        method = _BUDGETING[spec.get("budgetingMethod", "Occurrences")]
        if method != "occurrences":
            definition["budgeting"] = method
            time_slice: dict[str, Any] = {}
            window = objective.get("timeSliceWindow")
            seconds = _duration(window)
            if seconds:
                time_slice["window"] = seconds
            target = objective.get("timeSliceTarget")
            if isinstance(target, int | float) and not isinstance(target, bool):
                time_slice["target"] = float(f"{target * 100:.10g}")
            if "window" in time_slice:
                definition["time_slice"] = time_slice
            else:
                self.result.not_kept.append(
                    f"{self.shown}:{self.node.mark[0]}: SLO `{self.name}`: timeSliceWindow "
                    f"`{window}` is not a duration; the slices' length is not kept"
                )

    def _window(self, definition: dict[str, Any], spec: YMap) -> None:
        windows = spec.get("timeWindow")
        if not windows:
            return
        window = windows[0]
        duration = window["duration"]
        calendar = window.get("calendar")
        if window.get("isRolling", not isinstance(calendar, YMap)):
            if _ROLLING.match(duration):
                definition["window"] = duration
            else:
                self.result.not_kept.append(
                    f"{self.shown}:{self.node.mark[0]}: SLO `{self.name}`: a rolling window of "
                    f"`{duration}` has no exact length; not kept"
                )
            return
        kept: dict[str, Any] = {"period": duration}
        if isinstance(calendar, YMap):
            if calendar.get("startTime") is not None:
                kept["start"] = str(calendar["startTime"])
            if isinstance(calendar.get("timeZone"), str):
                kept["time_zone"] = calendar["timeZone"]
        definition["calendar"] = kept


def _duration(value: Any) -> str | None:
    """An OpenSLO duration (`1m`, `30s`, `5m`) as a handbook duration, or None."""
    if isinstance(value, str) and re.fullmatch(r"[1-9][0-9]*(s|m|h|d|w)", value):
        return value
    return None


def _differences(ours: Slo, theirs: dict[str, Any], shown: str, mark: Mark) -> str:
    """How the file's SLO differs from the handbook's, in one entry."""
    found = []
    if ours.target != theirs.get("target"):
        found.append(
            f"target `{theirs.get('target')}` in the file, `{ours.target}` in the handbook"
        )
    if (ours.window or None) != theirs.get("window"):
        found.append(
            f"window `{theirs.get('window')}` in the file, `{ours.window}` in the handbook"
        )
    if ours.budgeting != theirs.get("budgeting", "occurrences"):
        found.append(
            f"budgeting `{theirs.get('budgeting', 'occurrences')}` in the file, "
            f"`{ours.budgeting}` in the handbook"
        )
    mine = (
        {k: v for k, v in ((q[0], q[1]) for q in ours.indicator.queries)} if ours.indicator else {}
    )
    other = theirs.get("indicator", {})
    for key, what in (("good", "Good events"), ("bad", "Bad events"), ("total", "All events"),
                      ("threshold", "The metric")):  # fmt: skip
        if isinstance(other.get(key), str) and mine.get(what) != other[key]:
            found.append(f"the {key} query differs")
    said = "; ".join(found) if found else "the same objective"
    return f"{shown}:{mark[0]}:{mark[1]}: SLO `{theirs['id']}` is already defined: {said}"
