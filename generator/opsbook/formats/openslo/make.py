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
handbook has are reported with how they differ, never written again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opsbook.formats.imports import Made, NewDefinitions, Report, definition_id
from opsbook.formats.openslo.read import (
    BUDGETING,
    OBJECTIVE_KEYS,
    OPERATORS,
    ROLLING,
    SPEC_KEYS,
    Objects,
    indicator_node,
)
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model import Catalog, Slo
from opsbook.model.build.values import plain, slug


@dataclass
class OpensloImported(Report):
    """The report of an OpenSLO import, with how many SLOs it made."""

    units = ("object(s)", "SLO(s)")


def import_slos(
    objects: Objects, catalog: Catalog, service: str | None, owner: str | None
) -> OpensloImported:
    """The SLOs as handbook SLOs, under `service` or each SLO's `spec.service`."""
    result = OpensloImported(files=len({shown for shown, _, _ in objects.slos}))
    result.not_imported.extend(objects.others)
    made = Made(catalog, "openslo", "slos", owner)
    _NewSlos(made, result).add(_objectives(objects, made, result, service))
    _unused(objects, made, result, service)
    return result


def _unused(objects: Objects, made: Made, result: OpensloImported, service: str | None) -> None:
    """Objects no imported SLO uses: a Service becomes the handbook's service (as an SLO
    of it would make it); an SLI or a DataSource alone has no place, and is listed."""
    slos = [node for _, _, node in objects.slos]
    named = {node["spec"]["service"] for node in slos}
    for name, described in objects.services.items():
        if name not in named:
            where = objects.where[("Service", name)]
            _service(made, service or name, described, where.rsplit(":", 1)[0])
    used = set(_values(slos, "indicatorRef"))
    for name in objects.slis:
        if name not in used:
            result.not_imported.append(
                f"{objects.where[('SLI', name)]}: SLI `{name}`: no SLO uses it; the handbook "
                "keeps an indicator with the SLO it measures"
            )
    measured = [node for name, node in objects.slis.items() if name in used]
    sources = set(_values([*slos, *measured], "metricSourceRef"))
    for name in objects.sources:
        if name not in sources:
            result.not_imported.append(
                f"{objects.where[('DataSource', name)]}: DataSource `{name}`: no indicator "
                "uses it; the handbook keeps a query's source with the query"
            )


def _values(nodes: list[Any], key: str) -> Iterator[str]:
    """Every text value of `key` anywhere inside the nodes."""
    for node in nodes:
        if isinstance(node, YMap):
            for k, value in node.items():
                if k == key and isinstance(value, str):
                    yield value
                else:
                    yield from _values([value], key)
        elif isinstance(node, YList):
            yield from _values(list(node), key)


@dataclass
class _Objective:
    """One objective of an OpenSLO SLO, as the handbook SLO it becomes in `service`."""

    shown: str
    mark: Mark
    service: str
    definition: dict[str, Any]


def _objectives(
    objects: Objects, made: Made, result: OpensloImported, service: str | None
) -> Iterator[_Objective]:
    for shown, mark, node in objects.slos:
        spec = node["spec"]
        wanted = service or spec["service"]
        service_id = _service(made, wanted, objects.services.get(spec["service"]), shown)
        objectives = spec["objectives"]
        for number, objective in enumerate(objectives, 1):
            slo = _Slo(node, objective, number, len(objectives), objects, result, shown)
            yield _Objective(shown, mark, service_id, slo.definition())


class _NewSlos(NewDefinitions[_Objective]):
    section = "slos"

    def __init__(self, made: Made, result: OpensloImported) -> None:
        super().__init__(made, result)
        catalog = made.catalog
        self.known = {(s.id.lower(), o.id.lower()): o for s in catalog.services for o in s.slos}

    def ours(self, item: _Objective) -> Slo | None:
        return self.known.get(self.key(item))

    def differences(self, ours: Slo, item: _Objective) -> str:
        return _differences(ours, item.definition, item.shown, item.mark)

    def key(self, item: _Objective) -> tuple[str, str]:
        return (item.service.lower(), item.definition["id"].lower())

    def taken(self, item: _Objective, first: _Objective) -> str:
        return (
            f"{item.shown}:{item.mark[0]}:{item.mark[1]}: SLO `{item.definition['id']}`: "
            f"another SLO of `{item.service}` in the files has this id"
        )

    def service(self, item: _Objective) -> str:
        return item.service

    def definition(self, item: _Objective, service: str) -> dict[str, Any]:
        return item.definition


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
        found = indicator_node(objective, spec, self.objects)
        assert isinstance(found, YMap)  # checked when read
        indicator = self._indicator(found)
        target = objective.get("target")
        percent = target * 100 if target is not None else objective["targetPercent"]
        percent = float(f"{percent:.10g}")
        percent = int(percent) if percent.is_integer() else percent
        definition: dict[str, Any] = {"id": slo_id, "name": str(display)}
        definition["objective"] = _objective(self.objective, indicator, percent)
        definition["target"] = percent
        description = spec.get("description")
        if isinstance(description, str) and description.strip():
            definition["description"] = description
        definition["indicator"] = indicator
        self._budgeting(definition, spec, objective)
        self._window(definition, spec)
        for holder, known, what in ((spec, SPEC_KEYS, "spec"), (objective, OBJECTIVE_KEYS,
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
        method = BUDGETING[spec.get("budgetingMethod", "Occurrences")]
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
            if ROLLING.match(duration):
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


def _objective(objective: YMap, indicator: dict[str, Any], percent: float | int) -> dict[str, Any]:
    """The objective as a condition on the indicator: a threshold, or a share of events."""
    if "threshold" in indicator:
        return {
            "metric": indicator.get("name") or "the metric",
            "operator": OPERATORS[objective["op"]],
            "threshold": objective["value"],
        }
    counted = "bad" if "bad" in indicator and "good" not in indicator else "good"
    metric = f"{counted} events / all events"
    # A ratio's `op`, when given, says whether meeting the target exactly is enough:
    # `gt` stays strictly greater (and the share of bad events strictly less).
    strict = objective.get("op") in ("gt", "lt")
    if counted == "good":
        operator = OPERATORS.get(str(objective.get("op")), ">=")
    else:
        operator = "<" if strict else "<="
    threshold = percent if counted == "good" else float(f"{100 - percent:.10g}")
    return {"metric": metric, "operator": operator, "threshold": threshold, "unit": "%"}


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
