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
again: how their steps differ is reported."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opsbook.formats.argo.read import APPROVAL, RANK, RolloutEntry, pause_seconds
from opsbook.formats.argo.write import (
    GATE_ANNOTATION,
    MANAGED,
    STRATEGIES,
    RolloutWriter,
    seconds_text,
)
from opsbook.formats.imports import Made, NewDefinitions, Report, definition_id
from opsbook.model import Catalog, Rollout
from opsbook.model.build.values import slug, unique_ids


@dataclass
class ArgoImported(Report):
    """The report of an Argo Rollouts import, with how many rollouts it made."""

    units = ("resource(s)", "rollout(s)")


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
    _NewRollouts(made, result, service, templates).add(entries)
    return result


class _NewRollouts(NewDefinitions[RolloutEntry]):
    section = "rollouts"

    def __init__(
        self,
        made: Made,
        result: ArgoImported,
        service: str | None,
        templates: dict[str, dict[str, Any]],
    ) -> None:
        super().__init__(made, result)
        self.wanted, self.templates, self.report = service, templates, result
        self.known: dict[str, Rollout] = {}
        for rollout in made.catalog.rollouts:
            self.known.setdefault(rollout.id.lower(), rollout)
            if rollout.argo is not None:
                self.known.setdefault(rollout.argo.name, rollout)
        self.alerts = {alert.id.lower() for alert in made.catalog.alerts}

    def ours(self, item: RolloutEntry) -> Rollout | None:
        return self.known.get(item.name) or self.known.get(self.key(item))

    def differences(self, ours: Rollout, item: RolloutEntry) -> str:
        return _differences(ours, item)

    def key(self, item: RolloutEntry) -> str:
        return definition_id(item.name).lower()

    def taken(self, item: RolloutEntry, first: RolloutEntry) -> str:
        return (
            f"{item.where}: Rollout `{item.name}`: its id `{definition_id(item.name)}` is "
            f"taken by the Rollout at {first.where}"
        )

    def service(self, item: RolloutEntry) -> str:
        return self.made.service(self.wanted or item.name, item.path)

    def definition(self, item: RolloutEntry, service: str) -> dict[str, Any]:
        builder = _Builder(item, self.templates, self.alerts, self.report, self.made.catalog)
        return builder.definition(definition_id(item.name))


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
        definition["rollback"] = _rollback(entry)
        definition["argo_rollouts"] = _argo(entry, self._spec())
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
            kind, value = next(iter(step.items()))
            # A step of several actions is Argo's to interpret: kept as written.
            mapped = _mapped(kind, value) if len(step) == 1 else None
            if not phases or (mapped is not None and (ended or RANK[mapped] <= rank)):
                phases.append({})
                rank, ended = -1, False
            current = phases[-1]
            if mapped is None:
                ended = ended or rank >= 0
                at = "end" if ended else "start"
                current.setdefault("argo_steps", []).append({"at": at, "step": step})
                continue
            rank = RANK[mapped]
            if mapped == "setWeight":
                current["traffic"] = value
            elif mapped == "soak":
                current["soak"] = seconds_text(pause_seconds(value["duration"]) or 0)
            elif mapped == "analysis":
                current["gates"] = self._gates(value)
            else:
                current["approvals"] = [APPROVAL]
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
            kinds = ", ".join(kind for a in phase["argo_steps"] for kind in a["step"])
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
            preview["approvals"] = [APPROVAL]
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
            gate: dict[str, Any] = {
                "id": slug(name),
                "check": _check(self.templates.get(name), name),
            }
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


def _check(template: dict[str, Any] | None, name: str) -> str:
    """The gate in words: the template's metrics and their success conditions."""
    metrics = template.get("spec", {}).get("metrics", []) if template else []
    said = [
        f"`{m['name']}` ({m['successCondition']})" if m.get("successCondition")
        else f"`{m['name']}`"
        for m in metrics if isinstance(m, dict) and isinstance(m.get("name"), str)
    ]  # fmt: skip
    if said:
        return f"Analysis `{name}` passes: " + ", ".join(said) + "."
    return f"Analysis `{name}` passes."


def _rollback(entry: RolloutEntry) -> dict[str, Any]:
    """The rollback of a Rollout: abort, then undo, with `kubectl argo rollouts`."""
    where = f" -n {entry.namespace}" if entry.namespace else ""
    return {
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


def _argo(entry: RolloutEntry, spec: dict[str, Any]) -> dict[str, Any]:
    """What the plan keeps of the Rollout itself: its name, namespace, metadata and the
    spec without what the phases say."""
    argo: dict[str, Any] = {"name": entry.name}
    if entry.namespace:
        argo["namespace"] = entry.namespace
    metadata = {
        k: v for k, v in entry.resource["metadata"].items() if k not in ("name", "namespace")
    }
    if metadata:
        argo["metadata"] = metadata
    argo["spec"] = spec
    return argo


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
