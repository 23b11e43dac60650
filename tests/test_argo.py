"""Argo Rollouts: `opsbook export argo-rollouts` writes Rollouts and AnalysisTemplates that
the Argo Rollouts CRD schemas accept, with PromQL that promtool accepts; `opsbook import
argo-rollouts` reads Rollouts in every form Argo reads them into rollout plans, keeps the
steps without a phase meaning as written, never overwrites, and export → import → export
gives back the same bytes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from helpers import copy_example, opsbook, starter
from promtool import check_rules
from test_prometheus_import import assert_refused, snapshot

HERE = Path(__file__).parent
FIXTURES = HERE / "argo"
INPUTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".json", ".yaml"))
CRDS = HERE / "upstream" / "argo-rollouts"

ROLLOUTS = """\
apiVersion: opsbook/v1
service: shop
rollouts:
  - id: search-canary
    name: New search, canary
    strategy: canary
    argo_rollouts: {name: search-web, namespace: shop}
    phases:
      - id: five
        name: Five percent
        traffic: 5
        soak: 90s
        argo_steps:
          - {at: start, step: {setCanaryScale: {replicas: 2}}}
        gates:
          - id: errors
            check: Search errors below 1%
            condition:
              expr: sum(rate(search_errors_total[5m])) / sum(rate(search_requests_total[5m]))
              operator: "<"
              threshold: 0.01
          - {check: No error alert, alert: ShopErrorRateHigh}
      - id: quarter
        name: A quarter
        traffic: 25
        soak: 3d
        gates:
          - {check: Search team signs off, manual: true}
          - id: p95
            check: p95 latency under 300 ms
            condition:
              expr: histogram_quantile(0.95, sum by (le) (rate(search_seconds_bucket[5m]))) < 0.3
      - id: all
        name: Everyone
        traffic: 100
        argo_steps:
          - at: end
            step: {experiment: {duration: 1h, templates: [{name: baseline, specRef: stable}]}}
    rollback: &rollback
      triggers: [{description: Errors above 2%, alert: ShopErrorRateHigh}]
      procedure: [{run: kubectl argo rollouts abort search-web -n shop}]
  - id: checkout-bg
    name: Checkout blue-green
    strategy: blue-green
    phases:
      - id: preview
        name: Preview
        traffic: 0
        soak: 10m
        gates:
          - {check: Smoke tests pass, condition: {expr: "min(checkout_smoke_ok) == 1"}}
      - id: live
        name: Live
        traffic: 100
        gates:
          - {check: No error alert after promotion, alert: ShopErrorRateHigh}
    rollback: *rollback
  - id: tiers
    name: Tiers
    strategy: staged
    phases: [{id: one, name: One, traffic: 10}]
    rollback: *rollback
"""


def shop(tmp_path: Path, name: str = "shop") -> Path:
    root = starter(tmp_path / name)  # the starter's service is `shop`, with two alerts
    (root / "ops" / "shop.rollouts.yaml").write_text(ROLLOUTS, "utf-8")
    return root


@cache
def crd_schema(name: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / name).read_text("utf-8"))
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def validate_resource(document: dict[str, Any]) -> None:
    """Validate with the CRD's openAPIV3Schema, as the API server would."""
    name = {"Rollout": "rollout-crd.yaml", "AnalysisTemplate": "analysis-template-crd.yaml"}
    schema = crd_schema(name[document["kind"]])
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path)
    )
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert document["apiVersion"] == "argoproj.io/v1alpha1"


def exported(root: Path, out: str = "argo") -> dict[str, list[dict[str, Any]]]:
    """Every file `export argo-rollouts` writes, each document validated."""
    done = opsbook(root, "export", "argo-rollouts", "--out", out)
    assert done.returncode == 0, done.stderr
    files = {}
    for path in sorted((root / out).glob("*.yaml")):
        documents = list(yaml.safe_load_all(path.read_text("utf-8")))
        for document in documents:
            validate_resource(document)
        files[path.name] = documents
    return files


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A Rollout's canary steps with every pause duration in seconds, for comparing."""
    from opsbook.formats.argo.read import pause_seconds

    found = []
    for step in document["spec"]["strategy"]["canary"].get("steps", []):
        if "pause" in step and "duration" in step["pause"]:
            step = {"pause": {"duration": pause_seconds(step["pause"]["duration"])}}
        found.append(step)
    return found


@pytest.mark.slow
def test_the_crd_schemas_reject_what_argo_would() -> None:
    """The check can fail: a weight in words and a metric without a provider are refused."""
    with pytest.raises(AssertionError):
        canary = {"canary": {"steps": [{"setWeight": "ten"}]}}
        validate_resource(
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"strategy": canary}}
        )
    with pytest.raises(AssertionError):
        metrics = {"metrics": [{"name": "m", "successCondition": 1}]}
        validate_resource(
            {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "spec": metrics}
        )


def test_what_a_canary_plan_becomes(tmp_path: Path) -> None:
    """Weight, soak, analysis with a template per judged gate, a pause for a person, and
    the kept steps where they were."""
    files = exported(shop(tmp_path))
    assert sorted(files) == ["checkout-bg.rollout.yaml", "search-web.rollout.yaml",
                             "shop.rollout.yaml"]  # fmt: skip
    rollout, *templates = files["search-web.rollout.yaml"]
    assert rollout["metadata"] == {"name": "search-web", "namespace": "shop"}
    assert rollout["spec"]["workloadRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "shop"}  # fmt: skip
    assert rollout["spec"]["strategy"]["canary"]["steps"] == [
        {"setCanaryScale": {"replicas": 2}},
        {"setWeight": 5},
        {"pause": {"duration": "1m30s"}},
        {"analysis": {"templates": [{"templateName": "search-web-errors"},
                                    {"templateName": "search-web-no-error-alert"}]}},
        {"setWeight": 25},
        {"pause": {"duration": "72h"}},
        {"analysis": {"templates": [{"templateName": "search-web-p95"}]}},
        {"pause": {}},
        {"setWeight": 100},
        {"experiment": {"duration": "1h",
                        "templates": [{"name": "baseline", "specRef": "stable"}]}},
    ]  # fmt: skip
    by_name = {t["metadata"]["name"]: t["spec"]["metrics"][0] for t in templates}
    assert by_name["search-web-errors"]["successCondition"] == "result[0] < 0.01"
    assert by_name["search-web-p95"]["successCondition"] == "len(result) > 0"
    alert = by_name["search-web-no-error-alert"]
    assert alert["provider"]["prometheus"]["query"] == (
        'sum(ALERTS{alertname="ShopErrorRateHigh", alertstate="firing"}) or vector(0)'
    )
    assert alert["successCondition"] == "result[0] == 0"
    text = (tmp_path / "shop" / "argo" / "search-web.rollout.yaml").read_text("utf-8")
    assert text.startswith("# generated by opsbook export argo-rollouts")
    assert "# spec.workloadRef: the Deployment `shop` gives the pod template" in text


def test_what_a_blue_green_plan_becomes(tmp_path: Path) -> None:
    rollout, *templates = exported(shop(tmp_path))["checkout-bg.rollout.yaml"]
    blue_green = rollout["spec"]["strategy"]["blueGreen"]
    assert blue_green["activeService"] == "shop-active"
    assert blue_green["autoPromotionEnabled"] is True
    assert blue_green["autoPromotionSeconds"] == 600
    assert blue_green["prePromotionAnalysis"] == {
        "templates": [{"templateName": "checkout-bg-smoke-tests-pass"}]}  # fmt: skip
    assert blue_green["postPromotionAnalysis"] == {
        "templates": [{"templateName": "checkout-bg-no-error-alert-after-promotion"}]}  # fmt: skip
    assert len(templates) == 2


def test_the_generated_promql_is_accepted_by_promtool(tmp_path: Path) -> None:
    """Every query of every generated template, as promtool reads rules."""
    queries = [
        metric["provider"]["prometheus"]["query"]
        for documents in exported(shop(tmp_path)).values()
        for document in documents
        if document["kind"] == "AnalysisTemplate"
        for metric in document["spec"]["metrics"]
    ]
    assert len(queries) == 6
    recorded = [{"record": f"opsbook:analysis_{i}", "expr": q} for i, q in enumerate(queries)]
    rules = {"groups": [{"name": "analysis", "rules": recorded}]}
    path = tmp_path / "analysis.rules.yaml"
    path.write_text(yaml.safe_dump(rules), "utf-8")
    done = check_rules(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def test_what_has_no_argo_form_is_listed(tmp_path: Path) -> None:
    done = opsbook(copy_example(tmp_path / "example"), "export", "argo-rollouts")
    assert done.returncode == 0, done.stderr
    assert "rollout `comprehensive-engines`: a `staged` rollout has no Argo Rollouts form" in (
        done.stderr
    )
    assert "phase `staging-soak`: runs in `staging`, not where the Rollout runs" in done.stderr
    assert "phase `canary`: traffic 10–20% written as setWeight 10" in done.stderr


def test_the_example_rollouts_are_valid_argo_resources(tmp_path: Path) -> None:
    files = exported(copy_example(tmp_path / "example"))
    assert sorted(files) == ["concierge-canary.rollout.yaml", "onesource-phase4.rollout.yaml"]
    assert [s.get("setWeight") for s in steps(files["concierge-canary.rollout.yaml"][0])
            if "setWeight" in s] == [0, 10, 25, 50, 100]  # fmt: skip


def test_exports_are_deterministic_and_replace_only_their_own_files(tmp_path: Path) -> None:
    root = shop(tmp_path)
    exported(root)
    first = snapshot(root / "argo")
    exported(root)
    assert snapshot(root / "argo") == first
    mine = root / "argo" / "search-web.rollout.yaml"
    mine.write_text("kind: Rollout\n", "utf-8")
    done = opsbook(root, "export", "argo-rollouts", "--out", "argo")
    assert done.returncode == 1
    assert "not written by `opsbook export argo-rollouts`; not replaced" in done.stderr
    assert mine.read_text("utf-8") == "kind: Rollout\n"


# --- import -------------------------------------------------------------------------------


def fixture_rollouts() -> dict[str, dict[str, Any]]:
    found = {}
    for path in INPUTS:
        text = path.read_text("utf-8")
        documents = [json.loads(text)] if path.suffix == ".json" else yaml.safe_load_all(text)
        for document in documents:
            for item in document.get("items", [document]):
                if item["kind"] == "Rollout":
                    found[item["metadata"]["name"]] = item
    return found


def import_fixtures(tmp_path: Path, name: str = "imported") -> tuple[Path, Any]:
    root = starter(tmp_path / name)
    return root, opsbook(root, "import", "argo-rollouts", *map(str, INPUTS))


def test_import_then_export_gives_back_the_same_steps(tmp_path: Path) -> None:
    """Every step comes back in its place (durations as Argo reads them), the rest of the
    Rollout as written, and blue-green promotion as it was."""
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "imported 3 rollout(s) from 2 file(s)" in done.stderr
    assert "a Service: only Rollouts are imported" in done.stdout
    back = {docs[0]["metadata"]["name"]: docs[0] for docs in exported(root).values()}
    for name, original in fixture_rollouts().items():
        again = back[name]
        assert again["metadata"] == original["metadata"]
        if "canary" in original["spec"]["strategy"]:
            assert steps(again) == steps(original), name
            rest = {k: v for k, v in original["spec"]["strategy"]["canary"].items() if k != "steps"}
            assert {k: v for k, v in again["spec"]["strategy"]["canary"].items()
                    if k != "steps"} == rest  # fmt: skip
        else:
            assert again["spec"]["strategy"] == original["spec"]["strategy"]
        assert {k: v for k, v in again["spec"].items() if k != "strategy"} == {
            k: v for k, v in original["spec"].items() if k != "strategy"}  # fmt: skip


UNUSUAL = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: at-once}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: at-once}
  strategy:
    canary: {}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: doubled}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: doubled}
  strategy:
    canary:
      steps:
        - setWeight: 20
        - {setWeight: 50, pause: {duration: 10m}}
        - setWeight: 100
"""


def test_a_canary_without_steps_and_a_step_of_two_actions_come_back_as_written(
    tmp_path: Path,
) -> None:
    """A canary with no steps (all traffic at once) is exported without steps, not with
    `setWeight: 100`; a step holding two actions, which Argo's schema allows, is kept as
    written. Both exports pass the CRD schema."""
    root = starter(tmp_path / "shop")
    (root / "unusual.yaml").write_text(UNUSUAL, "utf-8")
    done = opsbook(root, "import", "argo-rollouts", "unusual.yaml", "--service", "shop")
    assert done.returncode == 0, done.stdout + done.stderr
    exported = opsbook(root, "export", "argo-rollouts", "--out", "out")
    assert exported.returncode == 0, exported.stderr
    written = {}
    for path in (root / "out").glob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text("utf-8")):
            if document and document.get("kind") == "Rollout":
                validate_resource(document)
                written[document["metadata"]["name"]] = document["spec"]["strategy"]["canary"]
    assert "steps" not in written["at-once"]
    assert written["doubled"]["steps"] == [
        {"setWeight": 20}, {"setWeight": 50, "pause": {"duration": "10m"}}, {"setWeight": 100}
    ]  # fmt: skip


def test_what_the_import_writes(tmp_path: Path) -> None:
    """Phases from the steps, gates naming their templates, kept steps, and the rest of the
    Rollout in `argo_rollouts`; the definitions validate."""
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 1, done.stderr  # a Service, and a template's own body
    listed = [line.split("argo/", 1)[1] for line in done.stdout.splitlines() if "argo/" in line]
    assert listed == [
        "search.yaml:63:1: AnalysisTemplate `search-success-rate`: its metrics and queries are "
        "not kept (a gate names it and says what it checks); keep it with your manifests",
        "search.yaml:81:1: a Service: only Rollouts are imported",
    ]
    search = yaml.safe_load((root / "ops" / "search.rollouts.yaml").read_text("utf-8"))
    rollout = search["rollouts"][0]
    assert rollout["strategy"] == "canary"
    assert rollout["argo_rollouts"]["namespace"] == "shop"
    assert "steps" not in rollout["argo_rollouts"]["spec"]["strategy"]["canary"]
    first, second, third, fourth = rollout["phases"]
    assert first["traffic"] == 5 and first["soak"] == "45s"
    assert [a["at"] for a in first["argo_steps"]] == ["start", "start"]
    assert first["gates"] == [{
        "id": "search-success-rate",
        "check": "Analysis `search-success-rate` passes: `success-rate` (result[0] >= 0.99).",
        "analysis": {"template": "search-success-rate",
                     "args": [{"name": "service", "value": "search-canary"}]},
    }]  # fmt: skip
    assert first["approvals"] == ["TODO: who promotes the rollout past this pause"]
    assert second["soak"] == "10m" and second["argo_steps"][0]["at"] == "end"
    assert third["soak"] == "1h30m" and "approvals" in third
    assert fourth == {"id": "phase-4", "name": "100% of traffic", "traffic": 100}
    payments = yaml.safe_load((root / "ops" / "payments-api.rollouts.yaml").read_text("utf-8"))
    blue_green = payments["rollouts"][0]
    assert [p["id"] for p in blue_green["phases"]] == ["preview", "promoted"]
    assert blue_green["phases"][0]["gates"][1]["analysis"]["cluster_scope"] is True
    listed = opsbook(root, "validate")
    assert listed.returncode == 0, listed.stdout
    assert "imported-placeholder" in listed.stdout


def test_every_duration_form_argo_reads() -> None:
    from opsbook.formats.argo.read import pause_seconds

    assert [pause_seconds(d) for d in (45, "600", "90s", "10m", "1h30m", "1.5h", "250ms")] == [
        45, 600, 90, 600, 5400, 5400, 0]  # fmt: skip
    assert [pause_seconds(d) for d in ("2d", "-5s", "10 m", True, None, -1)] == [None] * 6


@pytest.mark.slow
def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    """Through Argo Rollouts and back: the second export equals the first, generated
    analysis templates included; so for the imported fixtures."""
    first = shop(tmp_path)
    exported(first)
    again = starter(tmp_path / "again")
    done = opsbook(again, "import", "argo-rollouts", str(first / "argo"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Rollout `shop` is already defined" in done.stdout  # the starter's own
    exported(again)
    assert snapshot(again / "argo") == snapshot(first / "argo")
    root, done = import_fixtures(tmp_path, "fixtures")
    assert done.returncode == 1, done.stderr
    exported(root)
    third = starter(tmp_path / "third")
    done = opsbook(third, "import", "argo-rollouts", str(root / "argo"))
    assert done.returncode == 0, done.stdout + done.stderr
    exported(third)
    assert snapshot(third / "argo") == snapshot(root / "argo")


def test_importing_again_overwrites_nothing(tmp_path: Path) -> None:
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 1, done.stderr
    before = snapshot(root / "ops")
    again = opsbook(root, "import", "argo-rollouts", *map(str, INPUTS))
    assert again.returncode == 1, again.stderr
    assert "Rollout `search` is already defined at ops/search.rollouts.yaml:" in again.stdout
    assert "the same steps" in again.stdout
    assert "Rollout `payments-api` is already defined" in again.stdout
    assert snapshot(root / "ops") == before


def test_the_checklist_shows_the_argo_commands(tmp_path: Path) -> None:
    """Per phase: promote, abort and undo for this Rollout; kept steps as configured."""
    root = shop(tmp_path)
    done = opsbook(root, "generate")
    assert done.returncode == 0, done.stderr
    page = (root / "checklists" / "search-canary.md").read_text("utf-8")
    for verb, times in (("promote", 2), ("abort", 4), ("undo", 4)):  # no pause in the last
        said = f"```bash\nkubectl argo rollouts {verb} search-web -n shop\n```"
        assert page.count(said) == times, verb
    assert "| Executed by | Argo Rollouts: Rollout `search-web`, namespace `shop` |" in page
    assert "kubectl argo rollouts get rollout search-web -n shop --watch" in page
    assert "As configured in Argo Rollouts, before this phase's traffic is set:" in page
    assert "```yaml\n- setCanaryScale:\n    replicas: 2\n```" in page
    plain = (root / "checklists" / "checkout-bg.md").read_text("utf-8")
    assert "kubectl argo rollouts promote" not in plain


BAD = {
    "no-strategy.yaml": ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: a}\n"
                         "spec:\n  replicas: 2\n", "5:3", "Rollout `a`: no `strategy`"),
    "unknown-step.yaml": ("kind: Rollout\nmetadata: {name: a}\nspec:\n  strategy:\n    canary:\n"
                          "      steps:\n        - setWieght: 10\n", "7:11",
                          "Rollout `a`: unknown step `setWieght`"),
    "duration.yaml": ("kind: Rollout\nmetadata: {name: a}\nspec:\n  strategy:\n    canary:\n"
                      "      steps:\n        - pause: {duration: 2d}\n", "7:29",
                      "pause duration `2d` is not one Argo Rollouts reads"),
    "weight.json": ('{"kind": "Rollout", "metadata": {"name": "a"}, "spec": {"strategy": '
                    '{"canary": {"steps": [{"setWeight": 120}]}}}}', "1:105",
                    "setWeight `120` is not a whole number from 0 to 100"),
    "not-k8s.yaml": ("flags:\n  a: {state: ENABLED}\n", "1:1", "not a Kubernetes resource"),
    "name.yaml": ("kind: Rollout\nmetadata: {name: 'a; rm -rf /'}\nspec: {}\n", "2:18",
                  "Rollout name `a; rm -rf /` is not one Kubernetes accepts"),
    "blue-green.yaml": ("kind: Rollout\nmetadata: {name: a}\nspec:\n  strategy:\n"
                        "    blueGreen: {previewService: p}\n", "5:16",
                        "a blue-green strategy without `activeService`"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_rollouts_are_positioned_errors_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    text, where, message = BAD[name]
    assert_refused(
        tmp_path,
        "argo-rollouts",
        FIXTURES / "search.yaml",
        (name, text),
        "rollout-file",
        f"{where}: {message}",
    )


def test_an_import_that_would_not_validate_writes_nothing(tmp_path: Path) -> None:
    """A Rollout whose plan would collide with a page the handbook has: the problem at
    the position it would have, exit 1, and no file left behind."""
    root = starter(tmp_path / "shop")
    (root / "ops" / "more.yaml").write_text(
        "apiVersion: opsbook/v1\nservice: shop\nchecklists:\n  - id: search\n    title: S\n"
        "    sections: [{title: A, items: [x]}]\n",
        "utf-8",
    )
    before = snapshot(root / "ops")
    done = opsbook(root, "import", "argo-rollouts", str(FIXTURES / "search.yaml"))
    assert done.returncode == 1
    assert "error [page-collision] rollout `search` would be published at" in done.stdout
    assert "would not validate in this handbook; nothing was written" in done.stderr
    assert snapshot(root / "ops") == before
