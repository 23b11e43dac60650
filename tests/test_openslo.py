"""OpenSLO: `opsbook import openslo` reads OpenSLO v1 SLO, SLI, Service and DataSource
objects into SLOs that keep their queries, budgeting and windows; the service page shows
each SLO's description, queries and error budget; rollout gates can name them, and the
Argo Rollouts export judges such a gate with its ratio query."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import opsbook, starter
from promtool import check_rules
from test_prometheus_import import assert_refused, snapshot

FIXTURES = Path(__file__).parent / "openslo"
INPUTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".json", ".yaml"))


def imported(tmp_path: Path) -> Path:
    root = starter(tmp_path / "shop")
    done = opsbook(root, "import", "openslo", *map(str, INPUTS))
    # Its AlertPolicy and an SLO's `alertPolicies` have no place in the handbook: listed,
    # and the exit code says something was left out.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 thing(s) listed above were left out; the rest was imported" in done.stderr
    assert "imported 4 SLO(s) from 2 file(s)" in done.stderr
    return root


def slos_of(root: Path, name: str) -> dict[str, dict[str, object]]:
    document = yaml.safe_load((root / "ops" / name).read_text("utf-8"))
    return {slo["id"]: slo for slo in document["slos"]}


STRICT = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: strictly-better}
spec:
  service: payments
  budgetingMethod: Occurrences
  timeWindow: [{duration: 7d, isRolling: true}]
  indicator:
    metadata: {name: payment-success}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: "sum(rate(ok_total[5m]))"}}}
        total: {metricSource: {type: Prometheus, spec: {query: "sum(rate(all_total[5m]))"}}}
  objectives: [{target: 0.99, op: gt}]
"""


def test_a_ratio_objective_that_must_be_beaten_stays_strict(tmp_path: Path) -> None:
    """`op: gt` on a ratio objective: more than 99 % good events, not "at least"."""
    root = starter(tmp_path / "shop")
    (root / "strict.yaml").write_text(STRICT, "utf-8")
    done = opsbook(root, "import", "openslo", "strict.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    slo = slos_of(root, "payments.slos.yaml")["strictly-better"]
    assert slo["objective"] == {
        "metric": "good events / all events", "operator": ">", "threshold": 99, "unit": "%"
    }  # fmt: skip


ALONE = """\
apiVersion: openslo/v1
kind: Service
metadata: {name: ledger, displayName: Ledger}
spec: {description: Books every payment twice.}
---
apiVersion: openslo/v1
kind: SLI
metadata: {name: ledger-writes}
spec:
  ratioMetric:
    counter: true
    good: {metricSourceRef: thanos, spec: {query: "sum(rate(writes_ok[5m]))"}}
    total: {metricSourceRef: thanos, spec: {query: "sum(rate(writes[5m]))"}}
---
apiVersion: openslo/v1
kind: DataSource
metadata: {name: thanos}
spec: {type: Prometheus, connectionDetails: {url: "http://thanos:9090"}}
"""


def test_services_indicators_and_sources_without_an_slo_are_imported_or_listed(
    tmp_path: Path,
) -> None:
    """A Service alone becomes the handbook's service; an SLI or DataSource no SLO uses is
    listed at its position (exit 1), never passed over in silence."""
    root = starter(tmp_path / "shop")
    (root / "alone.yaml").write_text(ALONE, "utf-8")
    done = opsbook(root, "import", "openslo", "alone.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[:2] == [
        "alone.yaml:6:1: SLI `ledger-writes`: no SLO uses it; the handbook keeps an indicator "
        "with the SLO it measures",
        "alone.yaml:15:1: DataSource `thanos`: no indicator uses it; the handbook keeps a "
        "query's source with the query",
    ]  # fmt: skip
    assert "2 object(s) not imported" in done.stderr
    made = yaml.safe_load((root / "ops/ledger.slos.yaml").read_text("utf-8"))
    (service,) = made["services"]
    assert (service["id"], service["name"], service["summary"]) == (
        "ledger", "Ledger", "Books every payment twice."
    )  # fmt: skip


def test_what_the_import_writes(tmp_path: Path) -> None:
    """Ratio and threshold indicators with their queries, targets in percent, the three
    budgeting methods, rolling and calendar windows; the services it needs."""
    root = imported(tmp_path)
    checkout = slos_of(root, "checkout.slos.yaml")
    availability = checkout["checkout-availability"]
    assert availability["target"] == 99.9
    assert availability["window"] == "28d"
    assert availability["objective"] == {
        "metric": "good events / all events", "operator": ">=", "threshold": 99.9, "unit": "%"
    }  # fmt: skip
    assert availability["indicator"] == {
        "name": "checkout-success",
        "description": "Checkout requests that did not fail on the server.",
        "counter": True,
        "good": 'sum(rate(http_requests_total{service="checkout",code!~"5.."}[5m]))',
        "total": 'sum(rate(http_requests_total{service="checkout"}[5m]))',
    }
    assert availability["description"].startswith("Shoppers can pay.")
    latency = checkout["checkout-latency"]
    assert latency["objective"] == {"metric": "checkout-p95", "operator": "<=", "threshold": 0.4}
    assert latency["budgeting"] == "timeslices"
    assert latency["time_slice"] == {"window": "1m", "target": 90}
    assert latency["calendar"] == {
        "period": "1M", "start": "2026-01-01 00:00:00", "time_zone": "Europe/Berlin"
    }  # fmt: skip
    search = slos_of(root, "search.slos.yaml")
    assert sorted(search) == ["search-errors-relaxed", "search-errors-strict"]
    strict = search["search-errors-strict"]
    assert strict["indicator"]["source"] == "Datadog"
    assert strict["indicator"]["bad"] == "sum:search.requests.errors{env:prod}.as_count()"
    assert strict["objective"]["operator"] == "<=" and strict["objective"]["threshold"] == 0.5
    assert strict["budgeting"] == "ratio-timeslices"
    services = yaml.safe_load((root / "ops" / "checkout.slos.yaml").read_text("utf-8"))
    assert services["services"][0]["name"] == "Checkout"
    assert services["services"][0]["summary"] == "Takes the shopper's payment and places the order."
    done = opsbook(root, "validate")
    assert done.returncode == 0, done.stdout
    assert "imported-placeholder" in done.stdout  # the created services' TODOs


def test_what_has_no_place_is_listed(tmp_path: Path) -> None:
    root = starter(tmp_path / "shop")
    done = opsbook(root, "import", "openslo", *map(str, INPUTS))
    assert "checkout.yaml:81:1: AlertPolicy `checkout-burn`: not imported" in done.stdout
    assert "checkout.yaml:47:3: SLO `checkout-availability`: `alertPolicies` not kept" in (
        done.stdout
    )
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: comp}\nspec:\n  service: x\n"
        "  indicatorRef: checkout-success\n  objectives: [{target: 0.9, compositeWeight: 2}]\n",
        "utf-8",
    )
    done = opsbook(root, "import", "openslo", str(FIXTURES / "checkout.yaml"), str(extra))
    assert "extra.yaml:7:30: SLO `comp` objective: `compositeWeight` has no place" in done.stdout


def test_the_service_page_shows_description_queries_and_budget(tmp_path: Path) -> None:
    root = imported(tmp_path)
    done = opsbook(root, "generate")
    assert done.returncode == 0, done.stderr
    page = (root / "runbooks" / "checkout" / "index.md").read_text("utf-8")
    assert "### Checkout availability" in page
    assert "Shoppers can pay. Below target, stop feature rollouts" in page
    assert (
        "Error budget: 0\\.1\\% of events may be bad; over 28d, about 40m 19s of full outage."
        in page
    )
    assert '```promql\nsum(rate(http_requests_total{service="checkout"}[5m]))\n```' in page
    assert (
        "Measured by the indicator `checkout-success`, a ratio of events from Prometheus "
        "(counters): Checkout requests that did not fail on the server.\n\nGood events:\n"
    ) in page
    assert "| `good events / all events >= 99.9%` | 28d, rolling | slo |" in page
    assert "| `checkout-p95 <= 0.4` for 95% of time slices |" in page
    assert "| 1M, calendar from 2026\\-01\\-01 00\\:00\\:00 \\(Europe/Berlin\\) |" in page
    assert "5\\% of the 1m slices may be bad \\(a slice is good when 90\\% of it is\\)" in page
    search = (root / "runbooks" / "search" / "index.md").read_text("utf-8")
    assert "sum:search.requests{env:prod}.as_count()" in search


def test_a_gate_names_an_imported_slo_and_argo_judges_it(tmp_path: Path) -> None:
    """A rollout gate on `checkout/checkout-availability` validates, and the Argo export
    queries the good share against the target; promtool accepts the query."""
    root = imported(tmp_path)
    (root / "ops" / "checkout.rollouts.yaml").write_text(
        "apiVersion: opsbook/v1\nservice: checkout\nrollouts:\n"
        "  - id: checkout-canary\n    name: Checkout canary\n    strategy: canary\n"
        "    phases:\n      - id: ten\n        name: Ten\n        traffic: 10\n"
        "        gates: [{check: Availability holds, slo: checkout/checkout-availability}]\n"
        "    rollback:\n      triggers: [{description: Errors}]\n"
        "      procedure: [{run: kubectl argo rollouts abort checkout-canary}]\n",
        "utf-8",
    )
    done = opsbook(root, "export", "argo-rollouts", "--out", "argo")
    assert done.returncode == 0, done.stdout + done.stderr
    _, template = yaml.safe_load_all((root / "argo" / "checkout-canary.rollout.yaml").read_text())
    metric = template["spec"]["metrics"][0]
    assert metric["successCondition"] == "result[0] >= 0.999"
    query = metric["provider"]["prometheus"]["query"]
    assert query.startswith('(sum(rate(http_requests_total{service="checkout",code!~"5.."}')
    rules = tmp_path / "slo.rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"record": "opsbook:slo", "expr": query}]}]}), "utf-8")  # fmt: skip
    checked = check_rules(rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_importing_again_overwrites_nothing(tmp_path: Path) -> None:
    root = imported(tmp_path)
    before = snapshot(root / "ops")
    again = opsbook(root, "import", "openslo", *map(str, INPUTS))
    assert again.returncode == 1, again.stderr
    assert "SLO `checkout-availability` is already defined: the same objective" in again.stdout
    assert snapshot(root / "ops") == before


def test_an_slo_listed_twice_is_a_duplicate(tmp_path: Path) -> None:
    """An SLO in a file's `slos` section with the id of one its service lists itself."""
    root = starter(tmp_path / "shop")
    (root / "ops" / "more.yaml").write_text(
        "apiVersion: opsbook/v1\nservice: shop\nslos:\n  - id: availability\n    name: A\n"
        "    objective: {metric: up, operator: '>=', threshold: 99}\n",
        "utf-8",
    )
    done = opsbook(root, "validate")
    assert done.returncode == 1
    assert "more.yaml:4:9: error [duplicate-id] SLO id `availability` is already defined" in (
        done.stdout
    )


BAD = {
    "rules.yaml": ("groups: []\n", "1:1", "not an OpenSLO object"),
    "alpha.yaml": ("apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: a}\n", "1:13",
                   "only OpenSLO `openslo/v1` is read"),
    "service.yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\n"
                     "spec: {objectives: [{target: 0.9}]}\n", "4:7", "SLO `a`: no `service`"),
    "ref.yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n"
                 "  indicatorRef: nope\n  objectives: [{target: 0.9}]\n", "6:17",
                 "no SLI `nope` in the files given"),
    "target.yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n"
                    "  indicatorRef: x\n  objectives: [{target: 99.9}]\n", "7:25",
                    "target `99.9` is not from 0 to 1"),
    "ratio.yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n"
                   "  indicator: {spec: {ratioMetric: {good: 1, total: {metricSource: {}}}}}\n"
                   "  objectives: [{target: 0.9}]\n", "6:42",
                   "SLO `a`: the ratio's `good` has no `metricSource`"),
    "method.yaml": ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec:\n  service: s\n"
                    "  budgetingMethod: Events\n  indicatorRef: x\n  objectives: [{target: 0.9}]\n",
                    "6:20", "budgetingMethod `Events` is not"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_openslo_files_are_positioned_errors_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    text, where, message = BAD[name]
    assert_refused(
        tmp_path,
        "openslo",
        FIXTURES / "checkout.yaml",
        (name, text),
        "slo-file",
        f"{where}: {message}",
    )


def test_serve_renders_an_edited_slo_as_a_fresh_run_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept validator of `opsbook serve` sees an SLO of the `slos` section change."""
    from test_incremental import Kept

    root = imported(tmp_path)
    monkeypatch.chdir(root)
    kept = Kept(root)
    kept.rebuild()
    path = root / "ops" / "checkout.slos.yaml"
    path.write_text(path.read_text("utf-8").replace("target: 99.9", "target: 99.5"), "utf-8")
    again, pages = kept.rebuild()
    assert pages is not None and (again, pages) == kept.fresh()
    assert "0\\.5\\% of events may be bad" in pages["runbooks/checkout/index.md"]
