"""`opsbook import prometheus`: a team's rule files, in every shape they come in, become
definitions that validate in a handbook that has never seen them; exported again, they
are the same rules; nothing is dropped silently and nothing is ever overwritten."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import copy_example, opsbook, starter
from promtool import check_rules, promtool
from test_prometheus import SITE

RULES = Path(__file__).parent / "rules"
INPUTS = sorted(p for p in RULES.iterdir() if p.suffix in (".yaml", ".json"))
BROKEN = "BatchBrokenExpression"


def documents(path: Path) -> list[Any]:
    text = path.read_text("utf-8")
    return [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))


def groups_of(document: Any) -> list[Any]:
    if document.get("kind") == "List":
        return [g for item in document["items"] for g in groups_of(item)]
    return document["spec"]["groups"] if "spec" in document else document["groups"]


def alerting_rules(paths: list[Path]) -> list[str]:
    """Every alerting rule as comparable text: name, expr, for, keep_firing_for, labels,
    annotations (without runbook_url, which export sets to the page)."""
    found = []
    for path in paths:
        for document in documents(path):
            for group in groups_of(document):
                for rule in group["rules"]:
                    if "alert" not in rule:
                        continue
                    rule = {**rule, "annotations": dict(rule.get("annotations", {}))}
                    rule["annotations"].pop("runbook_url", None)
                    found.append(json.dumps(rule, sort_keys=True))
    return sorted(found)


LEFT_OUT = 1
"""The exit code of importing tests/rules/: its broken rule is left out."""


def imported(tmp_path: Path, *args: str, name: str = "handbook") -> tuple[Path, Any]:
    """tests/rules/ imported into a new handbook: what can be is, and exit 1 says that
    one rule (a broken expression) was left out."""
    root = starter(tmp_path / name)
    done = opsbook(root, "import", "prometheus", str(RULES), *args)
    assert "1 thing(s) listed above were left out; the rest was imported" in done.stderr, (
        done.stdout + done.stderr
    )
    return root, done


def assert_refused(
    tmp_path: Path, format_name: str, good: Path, bad: tuple[str, str], rule: str, said: str
) -> None:
    """Importing a good file with a bad one (name, text): exit 1, the bad one's problem
    at `said` (`line:col: … message`), and the good file's definitions written (with
    --strict nothing is: `test_strict_imports_write_nothing_when_anything_is_left_out`)."""
    name, text = bad
    root = starter(tmp_path / "handbook")
    (root / name).write_text(text, "utf-8")
    copied = shutil.copy(good, root / f"good{good.suffix}")
    before = snapshot(root / "ops")
    done = opsbook(root, "import", format_name, str(copied), name)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    where, message = said.split(" ", 1)
    assert f"{name}:{where} error [{rule}]" in done.stdout, done.stdout
    assert message in done.stdout, done.stdout
    assert "left out; the rest was imported" in done.stderr, done.stderr
    after = snapshot(root / "ops")
    assert set(before) < set(after) and all(after[p] == before[p] for p in before)


def test_strict_imports_write_nothing_when_anything_is_left_out(tmp_path: Path) -> None:
    """--strict is all or nothing, whether a file cannot be read or a rule cannot be
    imported (the same for every format: the import loop is shared)."""
    root = starter(tmp_path / "handbook")
    (root / "broken.yaml").write_text("groups: [\n", "utf-8")
    before = snapshot(root / "ops")
    unread = opsbook(root, "import", "prometheus", str(RULES), "broken.yaml", "--strict")
    assert unread.returncode == 1
    assert "broken.yaml:1:10: error [rule-file]" in unread.stdout
    assert "--strict: some files cannot be read; nothing was written" in unread.stderr
    left_out = opsbook(root, "import", "prometheus", str(RULES), "--strict")
    assert left_out.returncode == 1
    assert f"alert `{BROKEN}`: `expr` is not PromQL" in left_out.stdout
    assert "--strict: 1 thing(s) listed above cannot be imported; nothing was written" in (
        left_out.stderr
    )
    assert snapshot(root / "ops") == before


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def test_every_shape_imports_into_a_new_handbook_that_validates(tmp_path: Path) -> None:
    """Plain files, PrometheusRule resources, a List, several documents and JSON: all
    become alerts; the handbook validates with no errors, each placeholder a warning once,
    and what rules never say (dashboards, logs, the owner's channels) a warning too."""
    root, done = imported(tmp_path)
    assert done.returncode == LEFT_OUT, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    names = {
        alert["id"]
        for path in (root / "ops").glob("*.alerts.yaml")
        for alert in yaml.safe_load(path.read_text("utf-8"))["alerts"]
    }
    assert names == {
        "ApiErrorBudgetBurn", "ApiLatencyHigh", "BatchJobFailed", "BatchQueueBacklog",
        "PaymentsDown", "SearchIndexStale", "VolumeAlmostFull", "QueueConsumerLag",
        "AuthLoginFailures", "MailQueueStuck",
    }  # fmt: skip
    checked = opsbook(root, "validate", "--format", "json")
    found = json.loads(checked.stdout)["diagnostics"]
    assert checked.returncode == 0
    assert {d["rule"] for d in found} == {
        "imported-placeholder", "service-links", "contact-missing"
    }  # fmt: skip
    places = [(d["path"], d["line"], d["col"]) for d in found]
    assert len(places) == len(set(places))
    assert all(d["level"] == "warning" for d in found)
    assert opsbook(root, "validate", "--strict").returncode == 1  # review is still due


def test_same_name_rules_are_one_alert_with_levels_told_apart_by_labels(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    text = (root / "ops" / "api-availability.alerts.yaml").read_text("utf-8")
    alerts = {a["id"]: a for a in yaml.safe_load(text)["alerts"]}
    burn = alerts["ApiErrorBudgetBurn"]
    assert [level["severity"] for level in burn["levels"]] == ["critical", "critical"]
    assert [level["labels"] for level in burn["levels"]] == [
        {"long": "1h", "short": "5m"}, {"long": "6h", "short": "30m"},
    ]  # fmt: skip
    assert burn["group"] == {"name": "api-availability", "interval": "30s"}
    link = burn["runbook"]["diagnosis"][0]["link"]
    assert link["url"] == "https://wiki.example.com/runbooks/api-error-budget"
    latency = alerts["ApiLatencyHigh"]
    assert latency["levels"][0]["condition"]["keep_firing_for"] == "5m"
    assert latency["levels"][1]["labels"] == {"severity": "Critical"}  # spelled as the rule did
    assert latency["annotations"]["summary"].startswith("p99 latency is {{ $value")


def test_import_then_export_gives_the_same_rules_and_promtool_accepts_them(
    tmp_path: Path,
) -> None:
    root, _ = imported(tmp_path)
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE, "--out", "out")
    assert exported.returncode == 0, exported.stderr
    assert check_rules(*(root / "out").glob("*.yaml")).returncode == 0
    ours = [p for p in (root / "out").glob("*.yaml") if p.name != "shop.rules.yaml"]
    expected = [r for r in alerting_rules(INPUTS) if BROKEN not in r]
    assert alerting_rules(ours) == expected


ODD_NAMES = """\
groups:
  - name: odd
    rules:
      - alert: SslCertificateExpiry(<7Days)
        expr: probe_ssl_earliest_cert_expiry - time() < 86400 * 7
        labels: {severity: warning}
      - alert: HaproxyBackendMaxActiveSession>80%
        expr: haproxy_backend_active_sessions > 80
        labels: {severity: warning}
      - alert: PveVm/ctDown
        expr: pve_up == 0
        labels: {severity: critical}
      - alert: Über
        expr: 1
        labels: {severity: warning}
      - alert: über
        expr: up == 0
        labels: {severity: warning}
      - alert: Disk full <b>soon</b>
        expr: disk_free_ratio < 0.1
  - name: nothing-yet
    rules:
"""


def test_imports_name_their_sources_without_the_machines_paths(tmp_path: Path) -> None:
    """Rules from outside the handbook are named by file name alone, in the `imported`
    marks and the files' header; rules inside it by their path in the handbook. The site
    publishes both, so no absolute path reaches it."""
    root, _ = imported(tmp_path)
    made = {p.name: p.read_text("utf-8") for p in (root / "ops").glob("*.alerts.yaml")}
    assert made and not any(str(RULES.parent) in text for text in made.values())
    storage = yaml.safe_load(made["storage.alerts.yaml"])
    assert storage["services"][0]["imported"]["source"] == "list.yaml:15"
    assert made["storage.alerts.yaml"].startswith(
        "# yaml-language-server: $schema=../schemas/opsbook.schema.json\n"
        "# Made by `opsbook import prometheus` from rules.\n"
    )
    again = starter(tmp_path / "again")
    shutil.copytree(RULES, again / "rules")
    opsbook(again, "import", "prometheus", str((again / "rules").resolve()))
    text = (again / "ops" / "storage.alerts.yaml").read_text("utf-8")
    assert "source: rules/list.yaml:15" in text and str(tmp_path) not in text


def test_any_alert_name_prometheus_accepts_comes_in_and_goes_out_as_written(
    tmp_path: Path,
) -> None:
    """Names with parentheses, `<`, `%`, `/`, spaces, markup and non-ASCII (two that differ
    only in case), and `expr: 1`, are imported with ids made from them; the pages are
    titled with the names, and the export names every rule as the input did. The empty
    group is listed as left out (exit 1), and what was imported is kept."""
    root = starter(tmp_path / "handbook")
    (root / "odd.yaml").write_text(ODD_NAMES, "utf-8")
    done = opsbook(root, "import", "prometheus", "odd.yaml", "--service", "edge")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "odd.yaml:22:11: warning [rule-file] group `nothing-yet` has no rules" in done.stdout
    assert "imported 6 alert(s) from 6 rule(s)" in done.stderr
    assert opsbook(root, "validate").returncode == 0
    made = yaml.safe_load((root / "ops/edge.alerts.yaml").read_text("utf-8"))["alerts"]
    ids = {alert.get("name", alert["id"]): alert["id"] for alert in made}
    assert ids == {
        "SslCertificateExpiry(<7Days)": "sslcertificateexpiry-7days",
        "HaproxyBackendMaxActiveSession>80%": "haproxybackendmaxactivesession-80",
        "PveVm/ctDown": "pvevm-ctdown",
        "Über": "uber",
        "über": "uber-2",
        "Disk full <b>soon</b>": "disk-full-b-soon-b",
    }
    assert opsbook(root, "generate").returncode == 0
    page = (root / "runbooks/edge/disk-full-b-soon-b.md").read_text("utf-8")
    assert page.startswith("# Disk full \\<b\\>soon\\</b\\>\n"), page[:80]
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE, "--out", "out")
    assert exported.returncode == 0, exported.stderr
    out = root / "out/edge.rules.yaml"
    assert check_rules(out).returncode == 0
    rules = [rule for group in yaml.safe_load(out.read_text("utf-8"))["groups"]
             for rule in group["rules"]]  # fmt: skip
    assert [rule["alert"] for rule in rules] == list(ids)
    assert [rule["expr"] for rule in rules if rule["alert"] == "Über"] == ["1"]
    checked = opsbook(root, "check-rules", "--site-url", SITE, "out/edge.rules.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


TWO_GROUPS = """\
groups:
  - name: slo-alerts-checkout-availability
    interval: 30s
    rules:
      - alert: CheckoutBudgetBurn
        expr: slo:sli_error:ratio_rate5m{slo="availability"} > (14.4 * 0.001)
        labels: {severity: page, slo: availability}
        annotations: {summary: Checkout burns its error budget.}
      - alert: CheckoutBudgetBurn
        expr: slo:sli_error:ratio_rate6h{slo="availability"} > (1 * 0.001)
        labels: {severity: ticket, slo: availability}
        annotations: {summary: Checkout burns its error budget.}
  - name: slo-alerts-checkout-latency
    rules:
      - alert: CheckoutBudgetBurn
        expr: slo:sli_error:ratio_rate5m{slo="latency"} > (14.4 * 0.01)
        labels: {severity: page, slo: latency}
        annotations: {summary: Checkout burns its error budget.}
      - alert: CheckoutBudgetBurn
        expr: slo:sli_error:ratio_rate6h{slo="latency"} > (1 * 0.01)
        labels: {severity: ticket, slo: latency}
        annotations: {summary: Checkout burns its error budget.}
"""


def test_one_alert_name_in_several_groups_is_one_alert_that_exports_to_each_group(
    tmp_path: Path,
) -> None:
    """Generated SLO rules fire one alert name from a group per objective: one alert, whose
    levels know their group, and the export puts each rule back into its own group."""
    root = starter(tmp_path / "handbook")
    (root / "slo.yaml").write_text(TWO_GROUPS, "utf-8")
    done = opsbook(root, "import", "prometheus", "slo.yaml", "--service", "checkout")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 1 alert(s) from 4 rule(s)" in done.stderr
    (alert,) = yaml.safe_load((root / "ops/checkout.alerts.yaml").read_text("utf-8"))["alerts"]
    assert alert["group"] == {"name": "slo-alerts-checkout-availability", "interval": "30s"}
    assert [level.get("group") for level in alert["levels"]] == [
        None, None, {"name": "slo-alerts-checkout-latency"}, {"name": "slo-alerts-checkout-latency"}
    ]  # fmt: skip
    assert opsbook(root, "validate").returncode == 0
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE, "--out", "out")
    assert exported.returncode == 0, exported.stderr
    out = root / "out/checkout.rules.yaml"
    assert check_rules(out).returncode == 0

    def rules_by_group(path: Path) -> dict[str, list[tuple[str, str, str]]]:
        groups = yaml.safe_load(path.read_text("utf-8"))["groups"]
        return {
            g["name"]: [(r["alert"], r["expr"], r["labels"]["slo"]) for r in g["rules"]]
            for g in groups
        }

    assert rules_by_group(out) == rules_by_group(root / "slo.yaml")
    intervals = {g["name"]: g.get("interval") for g in yaml.safe_load(out.read_text())["groups"]}
    assert intervals == {
        "slo-alerts-checkout-availability": "30s", "slo-alerts-checkout-latency": None
    }  # fmt: skip


RECORDED = """\
groups:
  - name: api
    interval: 30s
    rules:
      - record: job:http_errors:ratio_rate5m
        expr: >-
          sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))
          / sum by (job) (rate(http_requests_total[5m]))
        labels: {recorded_by: api-rules}
      - alert: ApiErrorsHigh
        expr: job:http_errors:ratio_rate5m > 0.05
        for: 5m
        labels: {severity: critical}
        annotations: {summary: More than 5% of API requests fail.}
"""
UNIT_TESTS = """\
rule_files: [{rules}]
evaluation_interval: 30s
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{{job="api",code="500"}}'
        values: '0+10x30'
      - series: 'http_requests_total{{job="api",code="200"}}'
        values: '0+90x30'
    promql_expr_test:
      - expr: job:http_errors:ratio_rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'job:http_errors:ratio_rate5m{{job="api",recorded_by="api-rules"}}'
            value: 0.1
      - expr: ALERTS{{alertname="ApiErrorsHigh", alertstate="firing"}}
        eval_time: 20m
        exp_samples:
          - labels: 'ALERTS{{alertname="ApiErrorsHigh", alertstate="firing", job="api",
              recorded_by="api-rules", severity="critical"}}'
            value: 1
"""


def test_recording_rules_come_in_and_go_out_so_the_rules_unit_tests_still_pass(
    tmp_path: Path,
) -> None:
    """An alert that queries a recording rule: both are imported (the recording rule as a
    definition with its group and labels), and the exported file passes the same
    `promtool test rules` unit tests as the original; without the recording rule the
    alert would never fire, and the tests would fail."""
    root = tmp_path / "handbook"
    assert opsbook(tmp_path, "init", "--empty", "handbook").returncode == 0
    (root / "api.yaml").write_text(RECORDED, "utf-8")
    done = opsbook(root, "import", "prometheus", "api.yaml", "--service", "api")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 1 alert(s) from 1 rule(s) and 1 recording rule(s)" in done.stderr
    made = yaml.safe_load((root / "ops/api.alerts.yaml").read_text("utf-8"))
    assert made["recording_rules"] == [{
        "id": "job-http-errors-ratio-rate5m",
        "record": "job:http_errors:ratio_rate5m",
        "expr": yaml.safe_load(RECORDED)["groups"][0]["rules"][0]["expr"],
        "labels": {"recorded_by": "api-rules"},
        "group": {"name": "api", "interval": "30s"},
        "imported": {"from": "prometheus", "source": "api.yaml:5"},
    }]  # fmt: skip
    assert opsbook(root, "validate").returncode == 0
    assert opsbook(root, "generate").returncode == 0
    alert = (root / "runbooks/api/apierrorshigh.md").read_text("utf-8")
    shown = alert.split("Recorded series it queries, as the recording rules compute them:", 1)
    assert len(shown) == 2, alert
    assert (
        shown[1]
        .lstrip()
        .startswith(
            "-   `job:http_errors:ratio_rate5m`, `recorded_by`=`api-rules`\n\n    ```promql\n"
            '    sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))'
        )
    ), shown[1][:300]
    service = (root / "runbooks/api/index.md").read_text("utf-8")
    assert "## Recording rules" in service and "(group `api`)" in service
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE, "--out", "out")
    assert exported.returncode == 0, exported.stderr
    for rules in ("api.yaml", "out/api.rules.yaml"):
        tests = root / f"unit-{Path(rules).name}"
        tests.write_text(UNIT_TESTS.format(rules=rules), "utf-8")
        ran = subprocess.run(
            [promtool(), "test", "rules", tests.name], cwd=root, capture_output=True, text=True
        )
        assert ran.returncode == 0, rules + ran.stdout + ran.stderr


@pytest.mark.slow
def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    """The example's rules, imported into a new handbook, export to the same bytes."""
    example = copy_example(tmp_path / "example")
    for kind in ("rules", "prometheusrule"):
        first = tmp_path / f"first-{kind}"
        done = opsbook(example, "export", "prometheus", "--site-url", SITE, "--kind", kind,
                       "--out", str(first))  # fmt: skip
        assert done.returncode == 0, done.stderr
        root = starter(tmp_path / f"new-{kind}")
        done = opsbook(root, "import", "prometheus", str(first), "--owner", "ops-team")
        assert done.returncode == 0, done.stdout + done.stderr
        again = opsbook(root, "export", "prometheus", "--site-url", SITE, "--kind", kind,
                        "--out", "again")  # fmt: skip
        assert again.returncode == 0, again.stderr
        for path in sorted(first.iterdir()):
            assert (root / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_what_does_not_map_is_counted_and_listed_at_its_rule(tmp_path: Path) -> None:
    _, done = imported(tmp_path)
    listed = [line for line in done.stdout.splitlines() if "tests/rules/" in line]
    assert [line.split("rules/", 1)[1] for line in listed] == [
        f"plain.yaml:70:16: alert `{BROKEN}`: `expr` is not PromQL: unclosed left parenthesis",
    ]
    assert "imported 10 alert(s) from 12 rule(s) and 4 recording rule(s)" in done.stderr
    assert "1 rule(s) not imported" in done.stderr


def test_severities_team_and_services_the_handbook_lacks_are_created_for_review(
    tmp_path: Path,
) -> None:
    root, done = imported(tmp_path, "--owner", "Platform Team")
    assert done.returncode == LEFT_OUT, done.stdout + done.stderr
    policy = yaml.safe_load((root / "ops" / "imported-policy.yaml").read_text("utf-8"))
    severities = {s["id"]: s for s in policy["severities"]}
    assert {k: (s["pages"], s.get("label")) for k, s in severities.items()} == {
        "page": (True, None), "info": (False, None), "none": (False, ""),
    }  # fmt: skip
    assert all(s["imported"] == {"from": "prometheus"} for s in severities.values())
    assert [(t["id"], t["name"]) for t in policy["teams"]] == [("platform-team", "Platform Team")]
    batch = yaml.safe_load((root / "ops" / "batch-jobs.alerts.yaml").read_text("utf-8"))
    assert batch["services"][0]["owner"] == "platform-team"
    paging = next(a for a in batch["alerts"] if a["id"] == "BatchJobFailed")
    assert list(paging["notify"][0]) == ["pagerduty"]  # a placeholder for the new team
    assert "TODO" in paging["notify"][0]["pagerduty"]
    assert opsbook(root, "validate").returncode == 0


@pytest.mark.slow
def test_the_service_comes_from_a_namespace_a_label_or_a_fixed_id(tmp_path: Path) -> None:
    root, done = imported(tmp_path, "--service", "namespace", name="by-namespace")
    assert done.returncode == LEFT_OUT, done.stdout + done.stderr
    made = {p.name for p in (root / "ops").glob("*.alerts.yaml")}
    assert {"payments.alerts.yaml", "search.alerts.yaml", "mail.alerts.yaml"} <= made
    assert "api-availability.alerts.yaml" in made  # a plain file has no namespace: its group
    root, done = imported(tmp_path, "--service", "label:team", name="by-label")
    assert done.returncode == LEFT_OUT, done.stdout + done.stderr
    batch = yaml.safe_load((root / "ops" / "data.alerts.yaml").read_text("utf-8"))
    assert [a["id"] for a in batch["alerts"]] == ["BatchJobFailed"]
    root, done = imported(tmp_path, "--service", "shop", name="fixed")
    assert done.returncode == LEFT_OUT, done.stdout + done.stderr
    assert [p.name for p in (root / "ops").glob("*.alerts.yaml")] == ["shop.alerts.yaml"]
    assert opsbook(root, "validate").returncode == 0


def test_running_it_again_reports_differences_adds_new_alerts_and_overwrites_nothing(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    root = starter(tmp_path / "handbook")
    assert opsbook(root, "import", "prometheus", str(rules)).returncode == LEFT_OUT
    edited = root / "ops" / "mail.alerts.yaml"
    edited.write_text(edited.read_text("utf-8").replace("'TODO: how to stop", "'Restart"))
    before = snapshot(root / "ops")
    again = opsbook(root, "import", "prometheus", str(rules))
    assert again.returncode == LEFT_OUT, again.stdout + again.stderr
    assert snapshot(root / "ops") == before
    assert "imported 0 alert(s)" in again.stderr
    known = [line for line in again.stdout.splitlines() if "is already defined" in line]
    assert len(known) == 14  # 10 alerts, 4 recording rules
    assert any(
        line.endswith("alert `MailQueueStuck` is already defined at ops/mail.alerts.yaml:15: "
                      "the rules are the same") for line in known
    )  # fmt: skip

    plain = rules / "list.json"
    changed = plain.read_text("utf-8").replace("> 1800", "> 3600")
    changed = changed.replace('"labels": {"severity": "critical"}',
                              '"for": "5m", "labels": {"severity": "warning"}')  # fmt: skip
    plain.write_text(changed, "utf-8")
    extra = rules / "extra.yaml"
    extra.write_text("groups:\n  - name: mail\n    rules:\n      - alert: MailBounces\n"
                     "        expr: rate(mail_bounces_total[5m]) > 1\n"
                     "        labels: {severity: warning}\n"
                     "        annotations: {summary: Mail bounces.}\n", "utf-8")  # fmt: skip
    third = opsbook(root, "import", "prometheus", str(rules))
    assert third.returncode == LEFT_OUT, third.stdout + third.stderr
    mail = [line for line in third.stdout.splitlines() if "`MailQueueStuck` is already" in line]
    assert len(mail) == 1
    assert "a rule with labels {severity=warning} that the handbook does not have" in mail[0]
    assert "the handbook has a level with labels {severity=critical} that no rule has" in mail[0]
    for name, data in before.items():
        assert (root / "ops" / name).read_bytes() == data, name
    added = yaml.safe_load((root / "ops" / "mail-2.alerts.yaml").read_text("utf-8"))
    assert [a["id"] for a in added["alerts"]] == ["MailBounces"]
    assert "services" not in added  # the service is there since the first import
    assert opsbook(root, "validate").returncode == 0


def test_a_changed_expression_and_for_are_reported(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    root = starter(tmp_path / "handbook")
    assert opsbook(root, "import", "prometheus", str(rules)).returncode == LEFT_OUT
    path = rules / "plain.json"
    path.write_text(path.read_text("utf-8").replace("> 10000", "> 20000").replace(
        '"for": "10m"', '"for": "20m"'), "utf-8")  # fmt: skip
    again = opsbook(root, "import", "prometheus", str(rules))
    line = next(x for x in again.stdout.splitlines() if "`QueueConsumerLag` is already" in x)
    assert line.endswith(
        "expr `max by (topic) (kafka_consumergroup_lag) > 20000` in the rules, "
        "`max by (topic) (kafka_consumergroup_lag) > 10000` in the handbook; "
        "for `20m` in the rules, `10m` in the handbook"
    )


def test_import_is_deterministic(tmp_path: Path) -> None:
    one, _ = imported(tmp_path, name="one")
    two, _ = imported(tmp_path, name="two")
    assert snapshot(one / "ops") == snapshot(two / "ops")


def test_bad_rule_files_are_positioned_errors_and_nothing_is_written(tmp_path: Path) -> None:
    root = starter(tmp_path / "handbook")
    bad = {
        "syntax.yaml": "groups: [\n",
        "deep.yaml": "groups: " + "[" * 10_000 + "\n",
        "nospec.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n",
        "neither.yaml": "groups:\n  - name: g\n    rules:\n      - expr: up == 0\n",
        "notjson.json": '{"groups": [',
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, "utf-8")
    before = snapshot(root)
    done = opsbook(root, "import", "prometheus", *(f"../{n}" for n in bad))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "listed above were left out" in done.stderr
    lines = [line for line in done.stdout.splitlines() if "[rule-file]" in line]
    assert [line.split(": error")[0] for line in lines] == [
        "../deep.yaml:1:72", "../neither.yaml:4:9", "../nospec.yaml:2:7", "../notjson.json:1:13",
        "../syntax.yaml:1:10",
    ]  # fmt: skip
    assert snapshot(root) == before


def test_without_an_owner_the_import_names_no_team_it_cannot_know(tmp_path: Path) -> None:
    """No `--owner`: the services and alerts made belong to a placeholder team that
    validate reports, never to the handbook's only team (the starter's sample, whose pager
    and chat the pages would print as who is paged); with several teams, no error."""
    root, done = imported(tmp_path)
    assert done.returncode == LEFT_OUT, done.stderr
    assert "1 team(s) (`owner-not-known` (a placeholder: no --owner was given))" in done.stderr
    made = yaml.safe_load((root / "ops" / "storage.alerts.yaml").read_text("utf-8"))
    assert {s["owner"] for s in made["services"]} == {"owner-not-known"}
    notify = [n for a in made["alerts"] for n in a.get("notify", [])]
    assert all("shop" not in str(n) for n in notify), notify
    assert opsbook(root, "generate").returncode == 0
    page = (root / "runbooks" / "storage" / "volumealmostfull.md").read_text("utf-8")
    assert "shop" not in page.lower(), page  # no sample team, pager or channel
    listed = opsbook(root, "validate")
    assert "owner-not-known" in listed.stdout and "imported-placeholder" in listed.stdout
    example = copy_example(tmp_path / "example")
    done = opsbook(example, "import", "prometheus", str(RULES))
    assert done.returncode == LEFT_OUT, done.stderr
    assert "owner-not-known" in (example / "ops" / "policy.yaml").read_text("utf-8") or any(
        "owner-not-known" in p.read_text("utf-8") for p in (example / "ops").rglob("*.yaml")
    )


def test_the_page_shows_templates_as_readable_placeholders(tmp_path: Path) -> None:
    root, _ = imported(tmp_path)
    assert opsbook(root, "generate").returncode == 0
    page = (root / "runbooks" / "storage" / "volumealmostfull.md").read_text("utf-8")
    assert "Volume ‹persistentvolumeclaim› is almost full." in page
    assert "Only ‹value› of ‹persistentvolumeclaim› is free." in page
    assert "{{" not in page
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE, "--out", "out")
    assert exported.returncode == 0
    text = (root / "out" / "storage.rules.yaml").read_text("utf-8")
    assert "Volume {{ $labels.persistentvolumeclaim }} is almost full." in text


EDGES = """\
groups:
  - name: flags
    rules:
      - alert: FlagsGroupAlert
        expr: up == 0
        labels: {severity: warning, code: 500}
  - name: Node Exporter / CPU & Memory
    limit: 10
    rules:
      - alert: "job:not_an:id"
        expr: up == 0
      - alert: Index
        expr: up == 0
      - alert: NodeHighCpu
        expr: up == 0
        for: 0
      - alert: NodeHighMemory
        expr: up == 0
        annotations: {summary: Memory is short., runbook_url: "{{ $externalURL }}/mem"}
        owner: someone
"""


def test_rules_written_by_many_hands_still_give_a_handbook_that_validates(
    tmp_path: Path,
) -> None:
    """Groups named like pages or in prose, names that cannot be ids (or whose page would
    be the service's), `for: 0`, numbers as label values, keys Prometheus ignores, a
    templated runbook_url: listed or mapped; what is not kept makes the exit code 1."""
    root = starter(tmp_path / "handbook")
    (tmp_path / "edges.yaml").write_text(EDGES, "utf-8")
    done = opsbook(root, "import", "prometheus", "../edges.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("../edges")] == [
        "../edges.yaml:8:5: group `Node Exporter / CPU & Memory`: `limit` has no place in "
        "the handbook; not kept",
        "../edges.yaml:20:9: alert `NodeHighMemory`: `owner` has no place in the handbook; "
        "not kept",
        "../edges.yaml:17:16: alert `NodeHighMemory`: runbook_url `{{ $externalURL }}/mem` "
        "is not a plain http(s) address; not kept (export sets runbook_url to the alert's "
        "page)",
    ]
    made = sorted(p.name for p in (root / "ops").glob("*.alerts.yaml"))
    assert made == ["flags-alerts.alerts.yaml", "node-exporter-cpu-memory.alerts.yaml"]
    node = yaml.safe_load((root / "ops" / made[1]).read_text("utf-8"))
    assert node["services"][0]["name"] == "Node Exporter / CPU & Memory"
    assert [(a["id"], a.get("name")) for a in node["alerts"]] == [
        ("job-not-an-id", "job:not_an:id"), ("Index-2", "Index"), ("NodeHighCpu", None),
        ("NodeHighMemory", None),
    ]  # fmt: skip
    cpu = next(a for a in node["alerts"] if a["id"] == "NodeHighCpu")
    assert cpu["condition"] == {"expr": "up == 0", "for": "0"}
    assert opsbook(root, "validate").returncode == 0
    assert opsbook(root, "generate").returncode == 0
