"""Argo Rollouts `Rollout` resources → opsbook rollout plans.

Reads YAML or JSON files, several documents or a `List` each; `AnalysisTemplate`s found
beside the Rollouts describe the gates that name them.

Mapping, canary steps → phases (in order; a phase starts at each `setWeight`, and at a
step that cannot come later in the phase before it):
- `setWeight` → the phase's traffic; a timed `pause` → its soak (seconds, a bare number,
  or a Go duration such as `1h30m` or `90s`); `analysis` → a gate per template, naming
  it and the step's arguments (a template `export argo-rollouts` made gives back its
  gate); an indefinite `pause` → an approval, a TODO naming who promotes;
- other steps (`setCanaryScale`, `experiment`, `setHeaderRoute`, `setMirrorRoute`,
  `plugin`, an analysis with options) are kept as written in the phase's `argo_steps`,
  before its weight or after its other steps, and exported back unchanged.
A blue-green Rollout becomes a preview phase (pre-promotion analysis; an approval when
auto-promotion is off, else the soak from `autoPromotionSeconds`) and a promoted phase
(post-promotion analysis). The rest of the Rollout (workload, selector, services, traffic
routing …) is kept in `argo_rollouts` as written.

A Rollout without `strategy`, an unknown step or a duration Argo would refuse is a
positioned error, and nothing is written. Rollouts the handbook has are not written
again: how their steps differ is reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsbook.core.diagnostics import Diagnostic
from opsbook.formats.argo import (
    GATE_ANNOTATION,
    MANAGED,
    STRATEGIES,
    RolloutWriter,
    seconds_text,
)
from opsbook.formats.files import Problems, read_documents
from opsbook.formats.imports import Entry, Made, Report, definition_id
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model import Catalog, Rollout
from opsbook.model.build.values import plain, slug, unique_ids

_STEPS = frozenset(
    {"setWeight", "pause", "analysis", "experiment", "setCanaryScale", "setHeaderRoute",
     "setMirrorRoute", "plugin"}
)  # fmt: skip
_RANK = {"setWeight": 0, "soak": 1, "analysis": 2, "promote": 3}
_GO_DURATION = re.compile(r"^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60,
             "h": 3600}  # fmt: skip
_APPROVAL = "TODO: who promotes the rollout past this pause"
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


@dataclass
class ArgoImported(Report):
    """The report of an Argo Rollouts import, with how many rollouts it made."""

    units = ("resource(s)", "rollout(s)")


# --- reading ------------------------------------------------------------------------------


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
    if not isinstance(step, YMap) or len(step) != 1:
        problem(mark, f"{what}: a step is a mapping with one key (`setWeight`, `pause`, …)")
        return
    (kind,) = step
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


# --- making definitions -------------------------------------------------------------------


def import_rollouts(
    entries: list[RolloutEntry],
    templates: dict[str, dict[str, Any]],
    catalog: Catalog,
    service: str | None,
    owner: str | None,
) -> ArgoImported:
    """The Rollouts as rollout plans for the handbook `catalog`, under the service
    `service`, else one named after each Rollout."""
    result = ArgoImported(files=len({entry.path for entry in entries}))
    made = Made(catalog, "argo-rollouts", "rollouts", owner)
    result.documents, result.created = made.documents, made.created
    known: dict[str, Rollout] = {}
    for rollout in catalog.rollouts:
        known.setdefault(rollout.id.lower(), rollout)
        if rollout.argo is not None:
            known.setdefault(rollout.argo.name, rollout)
    alerts = {alert.id.lower() for alert in catalog.alerts}
    taken: dict[str, RolloutEntry] = {}
    for entry in entries:
        rollout_id = definition_id(entry.name)
        ours = known.get(entry.name) or known.get(rollout_id.lower())
        if ours is not None:
            result.differences.append(_differences(ours, entry))
            continue
        first = taken.setdefault(rollout_id.lower(), entry)
        if first is not entry:
            result.not_imported.append(
                f"{entry.where}: Rollout `{entry.name}`: its id `{rollout_id}` is taken by the "
                f"Rollout at {first.where}"
            )
            continue
        service_id = made.service(service or entry.name, entry.path)
        builder = _Builder(entry, templates, alerts, result, catalog)
        made.add(service_id, "rollouts", builder.definition(rollout_id))
        result.made += 1
    return result


class _Builder:
    """The rollout plan of one Rollout."""

    def __init__(
        self,
        entry: RolloutEntry,
        templates: dict[str, dict[str, Any]],
        alerts: set[str],
        result: ArgoImported,
        catalog: Catalog,
    ) -> None:
        self.entry = entry
        self.templates = templates
        self.alerts = alerts
        self.slos = {f"{s.id}/{slo.id}".lower() for s in catalog.services for slo in s.slos}
        self.result = result

    def definition(self, rollout_id: str) -> dict[str, Any]:
        entry = self.entry
        strategy = "canary" if entry.strategy == "canary" else "blue-green"
        definition: dict[str, Any] = {
            "id": rollout_id,
            "name": f"Rollout {entry.name}",
            "strategy": strategy,
            "summary": f"TODO: what the Rollout `{entry.name}` rolls out, and why.",
        }
        definition["phases"] = self._canary() if entry.strategy == "canary" else self._blue_green()
        where = f" -n {entry.namespace}" if entry.namespace else ""
        definition["rollback"] = {
            "triggers": [{"description": "TODO: when to roll back (an alert, a metric)."}],
            "procedure": [
                {
                    "do": "Stop the rollout and send all traffic back to the stable version.",
                    "run": f"kubectl argo rollouts abort {entry.name}{where}",
                },
                {
                    "do": "Roll back to the previous revision.",
                    "run": f"kubectl argo rollouts undo {entry.name}{where}",
                },
            ],
        }
        argo: dict[str, Any] = {"name": entry.name}
        if entry.namespace:
            argo["namespace"] = entry.namespace
        metadata = {
            k: v for k, v in entry.resource["metadata"].items() if k not in ("name", "namespace")
        }
        if metadata:
            argo["metadata"] = metadata
        argo["spec"] = self._spec()
        definition["argo_rollouts"] = argo
        definition["imported"] = {
            "from": "argo-rollouts",
            "source": f"{entry.path}:{entry.mark[0]}",
        }
        return definition

    def _spec(self) -> dict[str, Any]:
        """The Rollout's spec without what the phases say."""
        spec = json.loads(json.dumps(self.entry.resource["spec"]))
        chosen = spec["strategy"][self.entry.strategy]
        if self.entry.strategy == "canary":
            derived: tuple[str, ...] = ("steps",)
        else:
            analyses = ("prePromotionAnalysis", "postPromotionAnalysis")
            plain_ones = tuple(k for k in analyses if _plain_analysis(chosen.get(k)))
            derived = ("autoPromotionEnabled", "autoPromotionSeconds", *plain_ones)
        for key in derived:
            chosen.pop(key, None)
        return dict(spec)

    def _canary(self) -> list[dict[str, Any]]:
        """The steps as phases, in order: export writes them back as they were."""
        phases: list[dict[str, Any]] = []
        rank, ended = -1, False  # the phase's last mapped step; whether a kept one ends it
        for step in self.entry.steps:
            (kind,) = step
            value = step[kind]
            mapped = _mapped(kind, value)
            if not phases or (mapped is not None and (ended or _RANK[mapped] <= rank)):
                phases.append({})
                rank, ended = -1, False
            current = phases[-1]
            if mapped is None:
                ended = ended or rank >= 0
                at = "end" if ended else "start"
                current.setdefault("argo_steps", []).append({"at": at, "step": step})
                continue
            rank = _RANK[mapped]
            if mapped == "setWeight":
                current["traffic"] = value
            elif mapped == "soak":
                current["soak"] = seconds_text(pause_seconds(value["duration"]) or 0)
            elif mapped == "analysis":
                current["gates"] = self._gates(value)
            else:
                current["approvals"] = [_APPROVAL]
        if not phases:
            phases.append({"traffic": 100})
        return [self._named(number, phase) for number, phase in enumerate(phases, 1)]

    def _named(self, number: int, phase: dict[str, Any]) -> dict[str, Any]:
        if "traffic" in phase:
            name = f"{phase['traffic']}% of traffic"
        elif "gates" in phase:
            name = "Analysis"
        elif "soak" in phase:
            name = f"Wait {phase['soak']}"
        elif "approvals" in phase:
            name = "Wait for promotion"
        else:
            kinds = ", ".join(next(iter(a["step"])) for a in phase["argo_steps"])
            name = f"Argo Rollouts steps ({kinds})"
        out: dict[str, Any] = {"id": f"phase-{number}", "name": name}
        for key in ("traffic", "soak", "gates", "approvals"):
            if key in phase:
                out[key] = phase[key]
        if phase.get("argo_steps"):
            out["argo_steps"] = phase["argo_steps"]
        return out

    def _blue_green(self) -> list[dict[str, Any]]:
        chosen = self.entry.resource["spec"]["strategy"]["blueGreen"]
        preview: dict[str, Any] = {"id": "preview", "name": "Preview", "traffic": 0}
        if chosen.get("autoPromotionEnabled") is False:
            preview["approvals"] = [_APPROVAL]
        elif isinstance(chosen.get("autoPromotionSeconds"), int):
            preview["soak"] = seconds_text(chosen["autoPromotionSeconds"])
        promoted: dict[str, Any] = {"id": "promoted", "name": "Promoted", "traffic": 100}
        for phase, key in ((preview, "prePromotionAnalysis"), (promoted, "postPromotionAnalysis")):
            if _plain_analysis(chosen.get(key)):
                phase["gates"] = self._gates(chosen[key])
        return [preview, promoted]

    def _gates(self, analysis: dict[str, Any]) -> list[dict[str, Any]]:
        gates = []
        args = analysis.get("args")
        for ref in analysis["templates"]:
            name = ref["templateName"]
            restored = self._restored(name, ref)
            if restored is not None:
                gates.append(restored)
                continue
            gate: dict[str, Any] = {"id": slug(name), "check": self._check(name)}
            gate["analysis"] = {"template": name}
            if ref.get("clusterScope"):
                gate["analysis"]["cluster_scope"] = True
            if args and not any("args" in g.get("analysis", {}) for g in gates):
                gate["analysis"]["args"] = args
            gates.append(gate)
        ids = unique_ids([g["id"] for g in gates])
        return [{**g, "id": i} for g, i in zip(gates, ids, strict=True)]

    def _restored(self, name: str, ref: dict[str, Any]) -> dict[str, Any] | None:
        """The gate an `export argo-rollouts` template was made for, when it is one and
        its alert is in the handbook."""
        template = self.templates.get(name)
        if template is None or ref.get("clusterScope"):
            return None
        metadata = template.get("metadata", {})
        labels = metadata.get("labels", {})
        note = metadata.get("annotations", {}).get(GATE_ANNOTATION)
        if any(labels.get(k) != v for k, v in MANAGED.items()) or not isinstance(note, str):
            return None
        try:
            gate = json.loads(note)
        except ValueError:
            return None
        if not isinstance(gate, dict) or not isinstance(gate.get("check"), str):
            return None
        for key, known in (("slo", self.slos), ("alert", self.alerts)):
            if key in gate and str(gate[key]).lower() not in known:
                self.result.not_kept.append(
                    f"{self.entry.where}: Rollout `{self.entry.name}`: the gate of template "
                    f"`{name}` names {key} `{gate[key]}`, which the handbook lacks; the gate "
                    "names the template instead"
                )
                return None
        return gate

    def _check(self, name: str) -> str:
        """The gate in words: the template's metrics and their success conditions."""
        template = self.templates.get(name)
        metrics = template.get("spec", {}).get("metrics", []) if template else []
        said = [
            f"`{m['name']}` ({m['successCondition']})" if m.get("successCondition")
            else f"`{m['name']}`"
            for m in metrics if isinstance(m, dict) and isinstance(m.get("name"), str)
        ]  # fmt: skip
        if said:
            return f"Analysis `{name}` passes: " + ", ".join(said) + "."
        return f"Analysis `{name}` passes."


def _mapped(kind: str, value: Any) -> str | None:
    """What the step means in a phase (`setWeight`, `soak`, `analysis`, `promote`), or
    None for a step kept as written."""
    if kind == "setWeight":
        return kind
    if kind == "pause":
        return "soak" if "duration" in value else "promote"
    if kind == "analysis" and _plain_analysis(value):
        return "analysis"
    return None


def _plain_analysis(value: Any) -> bool:
    """An analysis of templates (and arguments) only, each named, none with options."""
    if not isinstance(value, dict) or set(value) - {"templates", "args"}:
        return False
    return all(
        isinstance(t, dict) and not set(t) - {"templateName", "clusterScope"}
        for t in value.get("templates", [])
    )


def _differences(rollout: Rollout, entry: RolloutEntry) -> str:
    """How the Rollout's steps differ from what the handbook's plan exports, in one entry."""
    where = f"{rollout.source.path}:{rollout.source.line}"
    head = f"{entry.where}: Rollout `{entry.name}` is already defined at {where}"
    if STRATEGIES.get(rollout.strategy) != entry.strategy:
        return f"{head}: a {entry.strategy} Rollout, a {rollout.strategy} plan in the handbook"
    ours = RolloutWriter(rollout, "", []).documents()[0]["spec"]["strategy"][entry.strategy]
    theirs = entry.resource["spec"]["strategy"][entry.strategy]
    if entry.strategy == "canary":
        mine, other = _timed(ours.get("steps", [])), _timed(theirs.get("steps", []))
        if mine == other:
            return f"{head}: the same steps"
        return f"{head}: steps {_compact(other)} in the file, {_compact(mine)} in the handbook"
    found = [
        f"{key} {_compact(theirs.get(key))} in the file, {_compact(ours.get(key))} in the "
        "handbook"
        for key in ("autoPromotionEnabled", "autoPromotionSeconds", "prePromotionAnalysis",
                    "postPromotionAnalysis")
        if ours.get(key) != theirs.get(key)
    ]  # fmt: skip
    return f"{head}: " + ("; ".join(found) if found else "the same promotion")


def _timed(steps: list[Any]) -> list[Any]:
    """The steps with each pause duration as Argo reads it (`600`, `"10m"`: `10m`)."""
    out = []
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("pause"), dict):
            seconds = pause_seconds(step["pause"].get("duration"))
            if seconds is not None:
                step = {"pause": {"duration": seconds_text(seconds)}}
        out.append(step)
    return out


def _compact(value: Any) -> str:
    return "none" if value is None else f"`{json.dumps(value, sort_keys=True)}`"
