"""A team's own rule files checked against the handbook: every alert that can fire has
its page, and every `runbook_url` leads to one."""

from __future__ import annotations

from opsbook.core.diagnostics import Diagnostic
from opsbook.core.ruleset import RULES
from opsbook.formats.prometheus.read import RuleEntry
from opsbook.formats.prometheus.write import label_query, level_anchor, page_url
from opsbook.load.nodes import Mark, YMap
from opsbook.model import Alert, AlertLevel, Catalog
from opsbook.model.layout import Layout


def check_rules(
    rules: list[RuleEntry], catalog: Catalog, layout: Layout, site_url: str
) -> list[Diagnostic]:
    """For every alerting rule: its alert has a runbook page, its `runbook_url` is that
    page, and its severity is one the runbook documents. Documented alerts that no rule
    fires are warnings."""
    named = {alert.name: alert for alert in catalog.alerts}
    # An alert whose id is its name is also found by its id in any case, as before names.
    alerts = {alert.id.lower(): alert for alert in catalog.alerts if alert.name == alert.id}
    fired: set[str] = set()
    found: list[Diagnostic] = []

    def report(rule: RuleEntry, mark: Mark, name: str, message: str) -> None:
        found.append(Diagnostic(rule.path, *mark, RULES[name].level, name, message))

    for rule in rules:
        name = rule.node.get("alert")
        if not isinstance(name, str):
            continue  # a recording rule
        alert = named.get(name) or alerts.get(name.lower())
        if alert is None:
            report(
                rule,
                rule.mark,
                "rule-no-runbook",
                f"alert `{name}` has no runbook page in the handbook",
            )
            continue
        fired.add(alert.id.lower())
        labels = rule.node.get("labels")
        if not isinstance(labels, YMap):
            labels = YMap(rule.mark)
        severity = labels.get("severity")
        wrong = _wrong_url(rule, alert, page_url(site_url, layout, alert), _level(alert, severity))
        if wrong is not None:
            report(rule, wrong[0], "rule-runbook-url", f"`{name}`: {wrong[1]}")
        documented = {level.severity.id.lower() for level in alert.levels}
        if isinstance(severity, str) and severity.lower() not in documented:
            listed = ", ".join(sorted(level.severity.id for level in alert.levels))
            report(
                rule,
                labels.value_marks["severity"],
                "rule-severity",
                f"`{name}`: severity `{severity}` is not documented in its runbook "
                f"(levels: {listed})",
            )
    for alert in catalog.alerts:
        if alert.id.lower() not in fired:
            found.append(
                Diagnostic(
                    alert.source.path, alert.source.line, 1, RULES["rule-unfired"].level,
                    "rule-unfired", f"alert `{alert.id}` is documented but no rule given fires it",
                )
            )  # fmt: skip
    return found


def _level(alert: Alert, severity: object) -> AlertLevel | None:
    """The level of `alert` that a rule's `severity` label names (by severity id or label);
    a rule without the label is the level whose severity writes none (`label: ''`)."""
    if severity is None:
        return next((lv for lv in alert.levels if lv.severity.label == ""), None)
    if not isinstance(severity, str):
        return None
    for level in alert.levels:
        names = {level.severity.id.lower(), level.severity.label.lower()}
        if severity.lower() in names:
            return level
    return None


def _without_query(url: str) -> str:
    address, hash_, fragment = url.partition("#")
    return address.partition("?")[0] + hash_ + fragment


def _wrong_url(
    rule: RuleEntry, alert: Alert, page: str, level: AlertLevel | None
) -> tuple[Mark, str] | None:
    """Where and how a rule's `runbook_url` misses its alert's page (`page`, or the page at
    `level`'s anchor: the page alone shows every level apart); None when it does not."""
    anchored = f"{page}{level_anchor(level)}" if level is not None else page
    annotations = rule.node.get("annotations")
    if not isinstance(annotations, YMap):
        annotations = YMap(rule.mark)
    url = annotations.get("runbook_url")
    # Label values in a query are the page's to use, whichever a team's rule hands it.
    if isinstance(url, str) and _without_query(url) in (anchored, page):
        return None
    where = annotations.value_marks["runbook_url"] if url is not None else rule.mark
    said = f"is `{url}`" if url is not None else "is missing"
    # What export would write (the expression is read only for a URL that is wrong).
    expected = f"{page}{label_query(alert, level)}{level_anchor(level)}" if level else page
    return where, f"runbook_url {said}; its page is {expected}"
