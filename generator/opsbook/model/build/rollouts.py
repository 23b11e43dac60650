"""Rollout plans from their definitions: phases and gates, rollback, the Argo Rollout."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import (
    Analysis,
    ArgoRollout,
    ArgoStep,
    Gate,
    Phase,
    Risk,
    Rollback,
    RollbackTrigger,
    Rollout,
    Service,
    kubernetes_name,
)
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import (
    condition_of,
    items_of,
    monitoring_of,
    plain,
    slug,
    source_of,
    unique_ids,
)


def rollout(built: Built, f: SourceFile, node: YMap) -> Rollout:
    service = built.service_of(f, node)
    rollback = node.get("rollback")
    return Rollout(
        id=node["id"],
        name=node["name"],
        service=service,
        strategy=node["strategy"],
        phases=tuple(_phase(built, p, service) for p in node["phases"]),
        rollback=_rollback(built, rollback) if rollback is not None else None,
        source=source_of(f, node),
        flag=built.flags[node["flag"].lower()] if "flag" in node else None,
        owner=built.teams[node["owner"].lower()] if "owner" in node else None,
        summary=node.get("summary"),
        prerequisites=items_of(node.get("prerequisites")),
        launch_day=items_of(node.get("launch_day")),
        post_launch=items_of(node.get("post_launch")),
        post_launch_monitoring=monitoring_of(node.get("post_launch_monitoring")),
        success_criteria=tuple(node.get("success_criteria", ())),
        risks=tuple(
            Risk(r["risk"], r["mitigation"], r.get("impact"), r.get("likelihood"))
            for r in node.get("risks", ())
        ),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
        argo=_argo(node["id"], node["argo_rollouts"]) if "argo_rollouts" in node else None,
    )


def _rollback(built: Built, raw: YMap) -> Rollback:
    return Rollback(
        triggers=tuple(
            RollbackTrigger(
                t["description"],
                t.get("id"),
                condition_of(t["condition"]) if "condition" in t else None,
                built.alerts[t["alert"].lower()] if "alert" in t else None,
                t.get("automatic", False),
            )
            for t in raw.get("triggers", ())
        ),
        procedure=built.steps(raw.get("procedure")),
        target_time=raw.get("target_time"),
        verify=built.steps(raw.get("verify")),
    )


def _phase(built: Built, raw: YMap, service: Service) -> Phase:
    traffic = raw.get("traffic")
    low, high = (
        (traffic["min"], traffic["max"]) if isinstance(traffic, dict) else (traffic, traffic)
    )
    gates = []
    ids = unique_ids([g.get("id") or slug(g["check"]) for g in raw.get("gates", ())])
    for gate_id, g in zip(ids, raw.get("gates", ()), strict=True):
        slo = None
        if "slo" in g:
            service_id, _, slo_id = g["slo"].partition("/")
            slo = next(s for s in built.services[service_id.lower()].slos if s.id == slo_id)
        gates.append(
            Gate(
                gate_id,
                g["check"],
                condition_of(g["condition"]) if "condition" in g else None,
                built.alerts[g["alert"].lower()] if "alert" in g else None,
                slo,
                g.get("manual", False),
                _analysis(g["analysis"]) if "analysis" in g else None,
                g.get("slo"),
            )
        )
    return Phase(
        id=raw["id"],
        name=raw["name"],
        when=raw.get("when"),
        environment=raw.get("environment"),
        traffic_min=low,
        traffic_max=high,
        audience=raw.get("audience"),
        flag_value=plain(raw.get("flag_value")),
        settings=tuple(built.setting(s) for s in raw.get("settings", ())),
        soak=raw.get("soak"),
        goals=tuple(raw.get("goals", ())),
        tasks=items_of(raw.get("tasks")),
        gates=tuple(gates),
        monitoring=monitoring_of(raw.get("monitoring")),
        commands=built.steps(raw.get("commands")),
        approvals=tuple(raw.get("approvals", ())),
        argo_steps=tuple(ArgoStep(a["at"], plain(a["step"])) for a in raw.get("argo_steps", ())),
    )


def _argo(rollout_id: str, raw: YMap) -> ArgoRollout:
    return ArgoRollout(
        raw.get("name", kubernetes_name(rollout_id)),
        raw.get("namespace"),
        plain(raw["metadata"]) if "metadata" in raw else None,
        plain(raw["spec"]) if "spec" in raw else None,
    )


def _analysis(raw: YMap) -> Analysis:
    return Analysis(
        raw["template"],
        raw.get("cluster_scope", False),
        tuple(plain(a) for a in raw.get("args", ())),
    )
