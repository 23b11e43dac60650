"""`opsbook export prometheus`: rule files that the real promtool accepts, one rule per
alert level, with every field a rule holds, and each `runbook_url` at the alert's page."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import copy_example, opsbook, starter
from promtool import check_rules

SITE = "https://ops.example.com/handbook/"

RULES_ALERT = """\
# yaml-language-server: $schema=../schemas/opsbook.schema.json
apiVersion: opsbook/v1
service: shop
alerts:
  - id: KubePodCrashLooping
    summary: A pod keeps restarting.
    description: Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts.
    group: {name: kubernetes-apps, interval: 1m}
    labels: {team: shop}
    annotations:
      summary: 'Pod {{ $labels.pod }} restarted {{ $value | humanize }} times.'
      dashboard: https://grafana.example.com/d/pods
    levels:
      - severity: warning
        condition:
          expr: 'increase(kube_pod_container_status_restarts_total[15m]) > 3'
          for: 15m
          keep_firing_for: 5m
        labels: {window: long}
        notify: [{slack: "#shop-alerts"}]
      - severity: warning
        condition: {expr: 'increase(kube_pod_container_status_restarts_total[5m]) > 3', for: 5m}
        labels: {window: short}
        description: Restarts within five minutes.
        notify: [{slack: "#shop-alerts"}]
    runbook:
      meaning: The pod's container exits and is started again, over and over.
      diagnosis: [Read the pod's logs of the previous run.]
      mitigation: [Roll back the last deployment.]
"""


def rules_of(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.glob("*.yaml")):
        document = yaml.safe_load(path.read_text("utf-8"))
        groups = document["spec"]["groups"] if "spec" in document else document["groups"]
        for group in groups:
            found += [{"group": group["name"], **rule} for rule in group["rules"]]
    return found


@pytest.mark.slow
def test_the_starter_exports_rules_promtool_accepts_linked_to_existing_pages(
    tmp_path: Path,
) -> None:
    root = starter(tmp_path / "handbook")
    exported = opsbook(root, "export", "prometheus", "--site-url", SITE)
    assert exported.returncode == 0, exported.stderr
    assert "0 level(s) left out" in exported.stderr
    files = sorted((root / "prometheus").glob("*.yaml"))
    assert [f.name for f in files] == ["shop.rules.yaml"]
    checked = check_rules(*files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 3 rules found" in checked.stdout
    assert opsbook(root, "build").returncode == 0
    queries = {}
    for rule in rules_of(root / "prometheus"):
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(SITE)
        address, _, fragment = url.removeprefix(SITE).partition("#")
        page, _, queries[rule["alert"]] = address.partition("?")
        severity = rule["labels"]["severity"]
        assert fragment == f"level-{severity}", url  # the level that fired
        html = (root / "site" / page / "index.html").read_text("utf-8")
        assert f'id="{fragment}"' in html, url
    # The page shows ‹namespace› in its commands, and the expression keeps the label.
    assert queries == {
        "ShopErrorRateHigh": "namespace={{ $labels.namespace | urlquery }}",
        "ShopCheckoutSlow": "",  # `sum by (le)`: no label is left to hand over
    }
    checked = opsbook(root, "check-rules", "--site-url", SITE, *map(str, files))
    assert checked.returncode == 0 and "0 error(s), 0 warning(s)" in checked.stderr, checked.stderr


def test_every_field_of_a_rule_is_exported(tmp_path: Path) -> None:
    """Levels of one severity told apart by labels, keep_firing_for, the group and its
    interval, any annotation, Go templates kept verbatim."""
    root = starter(tmp_path / "handbook", ("ops/apps.yaml", RULES_ALERT))
    assert opsbook(root, "validate", "--strict").returncode == 0
    assert opsbook(root, "export", "prometheus", "--site-url", SITE).returncode == 0
    assert check_rules(*(root / "prometheus").glob("*.yaml")).returncode == 0
    crash = [r for r in rules_of(root / "prometheus") if r["alert"] == "KubePodCrashLooping"]
    page = SITE + "runbooks/shop/kubepodcrashlooping/"
    # The description shows ‹namespace› and ‹pod›: the page takes their values.
    labels = "?namespace={{ $labels.namespace | urlquery }}&pod={{ $labels.pod | urlquery }}"
    assert crash == [
        {
            "group": "kubernetes-apps",
            "alert": "KubePodCrashLooping",
            "expr": "increase(kube_pod_container_status_restarts_total[15m]) > 3",
            "for": "15m",
            "keep_firing_for": "5m",
            "labels": {"severity": "warning", "team": "shop", "window": "long"},
            "annotations": {
                "dashboard": "https://grafana.example.com/d/pods",
                "description": "Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts.",
                "runbook_url": page + labels + "#level-warning",
                "summary": "Pod {{ $labels.pod }} restarted {{ $value | humanize }} times.",
            },
        },
        {
            "group": "kubernetes-apps",
            "alert": "KubePodCrashLooping",
            "expr": "increase(kube_pod_container_status_restarts_total[5m]) > 3",
            "for": "5m",
            "labels": {"severity": "warning", "team": "shop", "window": "short"},
            "annotations": {
                "dashboard": "https://grafana.example.com/d/pods",
                "description": "Restarts within five minutes.",
                "runbook_url": page + labels + "#level-warning",
                "summary": "Pod {{ $labels.pod }} restarted {{ $value | humanize }} times.",
            },
        },
    ]
    text = (root / "prometheus" / "shop.rules.yaml").read_text("utf-8")
    assert "- name: kubernetes-apps\n    interval: 1m\n" in text


def test_export_is_deterministic_and_never_replaces_a_file_a_person_wrote(
    tmp_path: Path,
) -> None:
    root = starter(tmp_path / "handbook", ("ops/apps.yaml", RULES_ALERT))
    assert opsbook(root, "export", "prometheus", "--site-url", SITE).returncode == 0
    first = (root / "prometheus" / "shop.rules.yaml").read_bytes()
    assert opsbook(root, "export", "prometheus", "--site-url", SITE).returncode == 0
    assert (root / "prometheus" / "shop.rules.yaml").read_bytes() == first
    (root / "prometheus" / "shop.rules.yaml").write_text("groups: []  # mine\n", "utf-8")
    refused = opsbook(root, "export", "prometheus", "--site-url", SITE)
    assert refused.returncode == 1
    assert "not written by opsbook; nothing was written" in refused.stderr
    assert (root / "prometheus" / "shop.rules.yaml").read_text("utf-8") == "groups: []  # mine\n"


def test_prometheusrule_resources_carry_the_same_groups(tmp_path: Path) -> None:
    root = starter(tmp_path / "handbook")
    out = root / "operator"
    done = opsbook(
        root, "export", "prometheus", "--kind", "prometheusrule", "--out", "operator",
        "--site-url", SITE,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    resource = yaml.safe_load((out / "shop.rules.yaml").read_text("utf-8"))
    assert (resource["apiVersion"], resource["kind"]) == (
        "monitoring.coreos.com/v1",
        "PrometheusRule",
    )
    assert resource["metadata"]["name"] == "shop-opsbook"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(resource["spec"]), "utf-8")
    assert check_rules(spec).returncode == 0


@pytest.mark.slow
def test_the_example_handbook_exports_every_alert_level(tmp_path: Path) -> None:
    """All 26 levels of the example's 21 alerts have PromQL: promtool accepts them, and
    each `runbook_url` is a page of the built example site."""
    root = copy_example(tmp_path)
    done = opsbook(root, "export", "prometheus", "--site-url", SITE, "--strict")
    assert done.returncode == 0, done.stderr
    assert "26 rule(s) in 4 file(s), 0 level(s) left out" in done.stderr
    files = sorted((root / "prometheus").glob("*.yaml"))
    checked = check_rules(*files)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert opsbook(root, "build").returncode == 0
    rules = rules_of(root / "prometheus")
    assert len({r["alert"] for r in rules}) == 21
    for rule in rules:
        page, _, fragment = rule["annotations"]["runbook_url"].removeprefix(SITE).partition("#")
        assert f'id="{fragment}"' in (root / "site" / page / "index.html").read_text("utf-8")


def test_levels_without_expr_are_listed_and_fail_with_strict(tmp_path: Path) -> None:
    words_only = RULES_ALERT.replace(
        "        condition: {expr: 'increase(kube_pod_container_status_restarts_total[5m]) > 3', "
        "for: 5m}",
        "        condition: {metric: restarts in 5 minutes, operator: '>', threshold: 3}",
    )
    assert words_only != RULES_ALERT
    root = starter(tmp_path / "handbook", ("ops/apps.yaml", words_only))
    plain = opsbook(root, "export", "prometheus", "--site-url", SITE)
    assert plain.returncode == 0, plain.stderr
    assert "left out KubePodCrashLooping (warning): no PromQL `expr`" in plain.stderr
    strict = opsbook(root, "export", "prometheus", "--site-url", SITE, "--strict", "--out", "s")
    assert strict.returncode == 1
    assert "have no `expr`; nothing was written" in strict.stderr
    assert not (root / "s").exists()


def test_export_needs_the_address_of_the_site(tmp_path: Path) -> None:
    root = starter(tmp_path / "handbook")
    refused = opsbook(root, "export", "prometheus")
    assert refused.returncode == 2
    assert "set `site_url` in mkdocs.yml or pass --site-url" in refused.stderr
    config = root / "mkdocs.yml"
    config.write_text(f"site_url: {SITE}\n" + config.read_text("utf-8"), "utf-8")
    assert opsbook(root, "export", "prometheus").returncode == 0


def test_promtool_is_the_real_one() -> None:
    from promtool import promtool

    version = subprocess.run([promtool(), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("promtool, version ")


def test_the_page_shows_each_levels_promql_and_opens_it_in_prometheus(tmp_path: Path) -> None:
    """With `prometheus_url` set, each level's expression links to Prometheus' graph."""
    root = starter(tmp_path / "handbook", ("ops/apps.yaml", RULES_ALERT))
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8").replace(
        "      offline: true", "      offline: true\n      prometheus_url: https://prom.example.com"
    )
    config.write_text(text, "utf-8")
    assert opsbook(root, "build").returncode == 0
    page = (root / "runbooks" / "shop" / "kubepodcrashlooping.md").read_text("utf-8")
    assert "-   warning, for `15m`, keeps firing `5m`, `window`=`long`:" in page
    assert "```promql\n    increase(kube_pod_container_status_restarts_total[15m]) > 3\n" in page
    graph = (
        "https://prom.example.com/graph?g0.expr=increase%28kube_pod_container_status_"
        "restarts_total%5B15m%5D%29%20%3E%203&g0.tab=0"
    )
    assert f"[Open in Prometheus]({graph})" in page
    html = root / "site" / "runbooks" / "shop" / "kubepodcrashlooping" / "index.html"
    assert f'href="{graph}"' in html.read_text("utf-8").replace("&amp;", "&")


GOOD_URL = SITE + "runbooks/shop/shoperrorratehigh/"
TEAM_RULES = f"""\
groups:
  - name: shop
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - alert: ShopErrorRateHigh
        expr: job:http_requests:rate5m > 1
        labels: {{severity: critical}}
        annotations: {{runbook_url: "{GOOD_URL}"}}
      - alert: NobodyWroteThis
        expr: up == 0
        labels: {{severity: critical}}
      - alert: ShopCheckoutSlow
        expr: vector(1)
        labels: {{severity: info}}
        annotations: {{runbook_url: https://wiki.example.com/old}}
      - alert: ShopCheckoutSlow
        expr: vector(1)
        labels: {{severity: warning}}
        annotations: {{runbook_url: "{SITE}runbooks/shop/shopcheckoutslow/#level-critical"}}
"""
OPERATOR_RULES = f"""\
apiVersion: v1
kind: List
items:
  - apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata: {{name: shop}}
    spec:
      groups:
        - name: shop
          rules:
            - alert: ShopCheckoutSlow
              expr: vector(1)
              labels: {{severity: warning}}
              annotations: {{runbook_url: "{SITE}runbooks/shop/shopcheckoutslow/"}}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{name: broken}}
"""
JSON_RULES = (
    '{"groups": [{"name": "g", "rules": [{"expr": "up"}, '
    '{"alert": "ShopErrorRateHigh", "expr": "up", "labels": {"severity": "critical"}, '
    f'"annotations": {{"runbook_url": "{GOOD_URL}"}}}}]}}]}}'
)


@pytest.mark.slow
def test_check_rules_reports_each_finding_at_its_rule(tmp_path: Path) -> None:
    """A rule with no page, a wrong or missing runbook_url, an undocumented severity, each
    at its line; recording rules are skipped; every file shape is read."""
    root = starter(tmp_path / "handbook")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(TEAM_RULES, "utf-8")
    (rules / "operator.yaml").write_text(OPERATOR_RULES, "utf-8")
    (rules / "rules.json").write_text(JSON_RULES, "utf-8")
    args = ["check-rules", "../rules/team.yaml", "../rules/operator.yaml", "../rules/rules.json"]
    done = opsbook(root, *args, "--site-url", SITE)
    assert done.returncode == 1, done.stderr
    found = [line.split(" [")[0] + " [" + line.split(" [")[1].split("]")[0] for line in
             done.stdout.splitlines()]  # fmt: skip
    assert found == [
        "../rules/operator.yaml:17:7: error [rule-file",
        "../rules/rules.json:1:37: error [rule-file",
        "../rules/team.yaml:10:16: error [rule-no-runbook",
        "../rules/team.yaml:15:28: error [rule-severity",
        "../rules/team.yaml:16:36: error [rule-runbook-url",
        "../rules/team.yaml:20:36: error [rule-runbook-url",  # the critical's facts, for a warning
    ]
    assert f"its page is {SITE}runbooks/shop/shopcheckoutslow/#level-warning" in done.stdout
    assert "PrometheusRule without `spec`" in done.stdout
    assert "a rule needs `alert` or `record`" in done.stdout
    assert "alert `NobodyWroteThis` has no runbook page" in done.stdout
    assert f"runbook_url is `https://wiki.example.com/old`; its page is {SITE}" in done.stdout
    assert "severity `info` is not documented in its runbook (levels: critical, warning)" in (
        done.stdout
    )
    assert "Traceback" not in done.stderr
    for output in ("json", "github", "sarif", "gitlab", "junit"):
        formatted = opsbook(root, *args, "--site-url", SITE, "--format", output)
        assert formatted.returncode == 1 and "NobodyWroteThis" in formatted.stdout, output


def test_check_rules_warns_about_documented_alerts_no_rule_fires(tmp_path: Path) -> None:
    root = starter(tmp_path / "handbook")
    (tmp_path / "only.yaml").write_text(
        "groups:\n  - name: shop\n    rules:\n      - alert: ShopErrorRateHigh\n"
        f"        expr: up == 0\n        labels: {{severity: critical}}\n"
        f"        annotations: {{runbook_url: '{GOOD_URL}'}}\n",
        "utf-8",
    )
    done = opsbook(root, "check-rules", "../only.yaml", "--site-url", SITE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning [rule-unfired] alert `ShopCheckoutSlow` is documented but no rule" in (
        done.stdout
    )


def test_broken_rule_files_are_positioned_errors(tmp_path: Path) -> None:
    root = starter(tmp_path / "handbook")
    bad = {
        "syntax.yaml": "groups: [\n",
        "deep.yaml": "groups: " + "[" * 10_000 + "\n",
        "scalar.yaml": "just text\n",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, "utf-8")
    done = opsbook(root, "check-rules", *(f"../{n}" for n in bad), "--site-url", SITE)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if "[rule-file]" in line] == [
        "../deep.yaml", "../scalar.yaml", "../syntax.yaml",
    ]  # fmt: skip
    assert "nesting is deeper than 64 levels" in done.stdout
