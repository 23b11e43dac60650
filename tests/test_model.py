"""The typed model built from the example handbook: references resolve to objects."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import ROOT
from opsbook.check.validate import validate_paths
from opsbook.model import Catalog
from opsbook.model.build.values import slug, unique_ids


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    result = validate_paths([ROOT / "ops"])
    assert result.catalog is not None
    return result.catalog


def by_id(items: tuple, wanted: str):  # type: ignore[no-untyped-def,type-arg]
    return next(item for item in items if item.id == wanted)


def test_model_objects_are_frozen(catalog: Catalog) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.services[0].name = "changed"  # type: ignore[misc]


def test_references_resolve_to_the_same_objects(catalog: Catalog) -> None:
    alert = by_id(catalog.alerts, "HighErrorRate")
    onesource = by_id(catalog.services, "onesource")
    assert alert.service is onesource
    assert alert.levels[0].severity is by_id(catalog.severities, "critical")
    incident = by_id(catalog.incidents, "rollout-regression")
    assert alert.incidents == (incident,)
    assert alert in incident.detected_by
    assert incident.rollouts[0].service is onesource


def test_flag_step_shows_the_exact_kubectl_command(catalog: Catalog) -> None:
    alert = by_id(catalog.alerts, "HighErrorRate")
    commands = [step.set_flag.command for step in alert.mitigation if step.set_flag]
    assert commands == ["kubectl set env deployment/onesource USE_UNIFIED_PIPELINE=0"]


def test_kill_command_overrides_the_change_template(catalog: Catalog) -> None:
    flag = by_id(catalog.flags, "comprehensive_engines")
    assert flag.command_for(False) == (
        "featureFlagManager.manualRollback('comprehensive_engines', 'Quality degradation detected')"
    )
    rag = by_id(catalog.flags, "RAG_API_URL")
    assert rag.command_for("") == "RAG_API_URL="


def test_concierge_canary_has_five_phases_with_gates(catalog: Catalog) -> None:
    rollout = by_id(catalog.rollouts, "concierge-canary")
    assert [(p.id, p.traffic) for p in rollout.phases] == [
        ("phase-0", "0%"),
        ("phase-1", "10%"),
        ("phase-2", "25%"),
        ("phase-3", "50%"),
        ("phase-4", "100%"),
    ]
    gates = rollout.phases[1].gates
    assert [g.check for g in gates] == [
        "Error rate below 2%",
        "API latency p95 below 800 ms",
        "No critical bugs reported",
        "CSAT scores stable or improving",
    ]
    assert gates[1].condition is not None and gates[1].condition.text == "API latency p95 < 800 ms"
    assert rollout.rollback.triggers[2].alert is by_id(
        catalog.alerts, "ConciergeDatabaseConnectionFailures"
    )


def test_multi_level_alert_keeps_each_threshold_and_channel(catalog: Catalog) -> None:
    alert = by_id(catalog.alerts, "ConciergeApiLatencyHigh")
    assert [(lv.severity.id, lv.condition.text, lv.pages) for lv in alert.levels] == [
        ("warning", "API latency p95 > 1 s", False),
        ("critical", "API latency p95 > 2 s", True),
    ]
    assert [c.kind for c in alert.levels[1].notify] == ["pagerduty", "slack"]
    assert alert.worst.id == "critical"


def test_gate_slo_reference_resolves(catalog: Catalog) -> None:
    gate = by_id(catalog.rollouts, "onesource-phase4").phases[0].gates[0]
    assert gate.slo is not None and gate.slo.objective.text == "/chat p95 latency <= 1500 ms"


def test_checklist_item_ids_are_stable_and_unique(catalog: Catalog) -> None:
    checklist = by_id(catalog.checklists, "concierge-readiness")
    ids = [item.id for section in checklist.sections for item in section.items]
    assert ids[:2] == ["build-passing", "feature-flags-implemented"]
    assert "e2e-tests-passing-in-staging" in ids
    for section in checklist.sections:
        assert len({i.id for i in section.items}) == len(section.items)
    assert slug("E2E tests: passing in staging!") == "e2e-tests-passing-in-staging"
    assert unique_ids(["a", "b", "a", "a"]) == ["a", "b", "a-2", "a-3"]


def test_every_definition_knows_its_source_line(catalog: Catalog) -> None:
    flag = by_id(catalog.flags, "USE_UNIFIED_PIPELINE")
    lines = (ROOT / flag.source.path).read_text("utf-8").splitlines()
    assert lines[flag.source.line - 1].strip() == "- id: USE_UNIFIED_PIPELINE"


def test_catalog_holds_all_five_seed_systems(catalog: Catalog) -> None:
    assert {s.id for s in catalog.services} == {
        "variant-generation",
        "aurora-concierge",
        "onesource",
        "cinematic-episodes",
        "collab-docs",
    }
    concierge = by_id(catalog.services, "aurora-concierge")
    assert len(catalog.alerts_of(concierge)) == 6
    assert len(catalog.flags_of(concierge)) == 3
    assert len(catalog.incidents_of(concierge)) == 5
    assert [s.id for s in catalog.severities][:2] == ["SEV-1", "critical"]
