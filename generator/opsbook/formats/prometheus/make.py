"""Prometheus alerting rules → opsbook alert definitions.

Mapping, rules → alert:
- rules with the same `alert` name are one alert, one level per rule; what all its rules
  share (labels, annotations) is the alert's, the rest each level's own;
- `expr`, `for`, `keep_firing_for` → the level's condition; the `severity` label → the
  level's severity (a handbook severity, by its `label` or id; else one is created);
- annotations are kept verbatim (Go templates too): `summary` and `description` stand in
  for the alert's summary and the runbook's meaning; a plain `runbook_url` becomes a
  diagnosis step linking to the previous runbook (export sets `runbook_url` to the page);
- the rule group → the alert's `group` (name, `interval`); the service from the group,
  the namespace of a `PrometheusRule`, a label, or a fixed id;
- what the rules cannot say (impact, diagnosis, mitigation, a paging channel the team
  lacks) is an explicit `TODO` placeholder, and every definition made is marked
  `imported`, so the placeholders are warnings until a person has reviewed it.

Recording rules, rules that do not map and rule keys without a place in the model are
listed, never dropped silently. Alerts the handbook already defines are not written again:
how their rules differ is reported instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opsbook.formats.imports import LAYOUT, Made, NewDefinitions, Report, definition_id
from opsbook.formats.prometheus.read import RuleEntry
from opsbook.formats.prometheus.usable import Rule, by_name, usable
from opsbook.load.definitions import STAND_INS
from opsbook.model import Alert, Catalog, Team
from opsbook.model.build.values import slug

_PAGING_NAMES = ("critical", "page", "pager", "emergency", "p1", "sev1", "high")
_GRAVITY = ("critical", "page", "emergency", "high", "error", "major", "warning", "minor",
            "low", "ticket", "info", "informational", "none")  # fmt: skip
_PLAIN_URL = re.compile(r"^https?://[^\s{}<>\"]+$")


@dataclass(frozen=True)
class ImportOptions:
    """Where each alert's service comes from, and which team owns what is created."""

    service: str = "group"
    owner: str | None = None


@dataclass
class Imported(Report):
    """The report of a rules import, with how many alerts it made of how many rules."""

    alerts: int = 0
    rules: int = 0
    recorded: int = 0
    units = ("rule(s)", "alert(s)")
    """What is not imported, and what is already defined."""

    @property
    def counted(self) -> str:
        return (
            f"{self.alerts} alert(s) from {self.rules} rule(s) and {self.recorded} recording "
            "rule(s)"
        )


def import_rules(entries: list[RuleEntry], catalog: Catalog, options: ImportOptions) -> Imported:
    """The alerts and recording rules of the rules as definitions for the handbook
    `catalog`."""
    result = Imported()
    records: list[Rule] = []
    rules = usable(entries, result, records)
    builder = _Builder(catalog, options, result)
    builder.build(by_name(rules))
    _recordings(records, builder.made, result, builder.service_of)
    return result


# --- making definitions -------------------------------------------------------------------


class _Builder(NewDefinitions[tuple[str, list[Rule]]]):
    """Makes an alert of each alert name's rules, and the services, team and severities
    they need."""

    section = "alerts"

    def __init__(self, catalog: Catalog, options: ImportOptions, result: Imported) -> None:
        super().__init__(Made(catalog, "prometheus", "alerts", options.owner), result)
        self.catalog = catalog
        self.options = options
        self.report = result
        self.alerts = {alert.name: alert for alert in catalog.alerts}
        self.severities = _Severities(catalog, result)
        self.ids: dict[str, str] = {}

    def build(self, named: dict[str, list[Rule]]) -> None:
        self.ids = alert_ids(named, self.made.catalog)
        self.add(named.items())
        self.severities.write(self.made)

    def ours(self, item: tuple[str, list[Rule]]) -> Alert | None:
        return self.alerts.get(item[0])

    def differences(self, ours: Alert, item: tuple[str, list[Rule]]) -> str:
        return _differences(ours, item[1])

    def key(self, item: tuple[str, list[Rule]]) -> str:
        return item[0]  # one per name already (`_by_name`)

    def taken(self, item: tuple[str, list[Rule]], first: tuple[str, list[Rule]]) -> str:
        raise AssertionError(f"alert `{item[0]}` twice")  # pragma: no cover - see `key`

    def refused(self, item: tuple[str, list[Rule]]) -> str | None:
        name, rules = item
        if LAYOUT.alert("s", self.ids[name]) == LAYOUT.service("s"):
            return f"{rules[0].where}: alert `{name}`: its page would be its service's page"
        return None

    def service(self, item: tuple[str, list[Rule]]) -> str:
        return self._service(item[1][0])

    def definition(self, item: tuple[str, list[Rule]], service: str) -> dict[str, Any]:
        return self._alert(item[0], item[1], service)

    def count(self, item: tuple[str, list[Rule]]) -> None:
        self.report.alerts += 1
        self.report.rules += len(item[1])

    def service_of(self, rule: Rule) -> str:
        """The service of what `rule` becomes, as `--service` says."""
        return self._service(rule)

    def _service(self, rule: Rule) -> str:
        source = self.options.service
        entry = rule.entry
        if source == "group":
            wanted = entry.group
        elif source == "namespace":
            wanted = entry.namespace or entry.group
        elif source.startswith("label:"):
            wanted = rule.labels.get(source.removeprefix("label:")) or entry.group
        else:
            wanted = source
        return self.made.service(wanted, rule.where.rsplit(":", 1)[0])

    # the alert

    def _alert(self, name: str, rules: list[Rule], service: str) -> dict[str, Any]:
        first = rules[0]
        alert: dict[str, Any] = {"id": self.ids[name]}
        if name != alert["id"]:
            alert["name"] = name
        labels = _shared([rule.labels for rule in rules])
        labels.pop("severity", None)  # each level's own
        annotations = _shared([rule.annotations for rule in rules])
        annotations.pop("runbook_url", None)  # export sets it to the page
        previous = _page_of(first.annotations.get("runbook_url"))
        for rule in rules[1:]:
            other = _page_of(rule.annotations.get("runbook_url"))
            if other is not None and other != previous:
                self.result.not_kept.append(
                    f"{rule.where}: alert `{name}`: runbook_url `{other}` differs from the "
                    "first rule's; one alert has one page, so only the first is kept"
                )
        if not any(set(STAND_INS["summary"]) & set(rule.annotations) for rule in rules):
            alert["summary"] = f"TODO: say in one line what is wrong when `{name}` fires."
        alert["group"] = _group(first)
        levels = [self._level(rule, labels, annotations) for rule in rules]
        for level, rule in zip(levels, rules, strict=True):
            if _group(rule) != alert["group"]:
                level["group"] = _group(rule)  # one name, fired from several groups
        notify = [level.pop("notify") for level in levels]
        if len(levels) == 1:
            alert.update({k: levels[0][k] for k in ("severity", "condition")})
            extra = {k: v for k, v in levels[0].items() if k not in ("severity", "condition")}
            labels.update(extra.get("labels", {}))
            annotations.update(extra.get("annotations", {}))
            if notify[0]:
                alert["notify"] = notify[0]
        else:
            if all(each == notify[0] for each in notify) and notify[0]:
                alert["notify"] = notify[0]
            else:
                for level, channels in zip(levels, notify, strict=True):
                    if channels:
                        level["notify"] = channels
            alert["levels"] = levels
        if labels:
            alert["labels"] = labels
        alert["annotations"] = annotations
        described = any("description" in rule.annotations for rule in rules)
        alert["runbook"] = self._runbook(name, first, previous, described)
        alert["imported"] = {"from": "prometheus", "source": first.where.rsplit(":", 1)[0]}
        return alert

    def _level(
        self, rule: Rule, shared_labels: dict[str, str], shared_notes: dict[str, str]
    ) -> dict[str, Any]:
        labels = {k: v for k, v in rule.labels.items() if k not in shared_labels}
        severity_label = rule.labels.get("severity", "")
        labels.pop("severity", None)
        severity_id, pages, spelled = self.severities.resolve(severity_label)
        if spelled is not None:
            labels = {"severity": spelled, **labels}
        condition: dict[str, Any] = {"expr": rule.expr}
        if rule.for_:
            condition["for"] = rule.for_
        if rule.keep_firing_for:
            condition["keep_firing_for"] = rule.keep_firing_for
        level: dict[str, Any] = {"severity": severity_id, "condition": condition}
        if labels:
            level["labels"] = labels
        notes = {
            k: v
            for k, v in rule.annotations.items()
            if k not in shared_notes and k != "runbook_url"
        }
        if notes:
            level["annotations"] = notes
        level["notify"] = _notify(self.made, pages)
        return level

    def _runbook(
        self, name: str, first: Rule, previous: str | None, described: bool
    ) -> dict[str, Any]:
        runbook: dict[str, Any] = {}
        if not described:
            runbook["meaning"] = f"TODO: what it means when `{name}` fires, in plain words."
        runbook["impact"] = f"TODO: what users or the business suffer while `{name}` fires."
        if previous and _PLAIN_URL.match(previous):
            runbook["diagnosis"] = [
                {
                    "do": "Read the runbook the rule linked before it was imported.",
                    "link": {"title": "Previous runbook", "url": previous, "kind": "docs"},
                },
                "TODO: bring its diagnosis steps here.",
            ]
        else:
            if previous:
                self.result.not_kept.append(
                    f"{first.where}: alert `{name}`: runbook_url `{previous}` is not a plain "
                    "http(s) address; not kept (export sets runbook_url to the alert's page)"
                )
            runbook["diagnosis"] = [f"TODO: how to find the cause when `{name}` fires."]
        runbook["mitigation"] = [f"TODO: how to stop the impact of `{name}`."]
        return runbook


class _Severities:
    """The handbook's severities, found by the rules' `severity` label (or by id), and
    those an import creates for labels the handbook lacks."""

    def __init__(self, catalog: Catalog, result: Imported) -> None:
        self.catalog, self.result = catalog, result
        self.by_label: dict[str, tuple[str, bool]] = {}
        for severity in catalog.severities:
            self.by_label.setdefault(severity.label, (severity.id, severity.pages))
        self.severity_ids = {s.id.lower(): (s.id, s.pages) for s in catalog.severities}
        self.new: list[dict[str, Any]] = []

    def resolve(self, label: str) -> tuple[str, bool, str | None]:
        """(severity id, whether it pages, the label to write when it is not the id's)."""
        if label in self.by_label:
            severity_id, pages = self.by_label[label]
            return severity_id, pages, None
        known = self.severity_ids.get(label.lower())
        if known is not None and label:
            return known[0], known[1], label
        severity_id = slug(label, 40) if label else "none"
        while severity_id.lower() in self.severity_ids:
            severity_id = f"{severity_id}-rules"
        pages = label.lower() in _PAGING_NAMES
        created: dict[str, Any] = {
            "id": severity_id,
            "name": label or "No severity",
            "meaning": f"TODO: what qualifies for `{label}`, the rules' `severity` label."
            if label
            else "TODO: what the alerts whose rules set no `severity` label mean.",
            "pages": pages,
            "imported": {"from": "prometheus"},
        }
        if label != severity_id:
            created["label"] = label
        self.new.append(created)
        self.by_label[label] = (severity_id, pages)
        self.severity_ids[severity_id.lower()] = (severity_id, pages)
        self.result.created.append(f"severity `{severity_id}`" + (" (pages)" if pages else ""))
        return severity_id, pages, None

    def write(self, made: Made) -> None:
        """Add the severities created to the policy document, ranked below the known."""
        if self.new:
            policy = made.document("")
            ranked = sorted(self.new, key=lambda s: _gravity(s["id"]))
            start = max((s.rank for s in self.catalog.severities), default=0) + 1
            for rank, severity in enumerate(ranked, start):
                severity["rank"] = rank
            policy["severities"] = [_ordered(s) for s in ranked]


def _recordings(
    records: list[Rule], made: Made, report: Imported, service_of: Callable[[Rule], str]
) -> None:
    """Each recording rule as a definition of its service, unless the handbook has it
    (the same series, expression and labels): then it is reported as known."""
    known = {(r.record, r.expr, r.labels) for r in made.catalog.recording_rules}
    taken = {r.id.lower() for r in made.catalog.recording_rules}
    for rule in records:
        key = (rule.name, rule.expr, tuple(sorted(rule.labels.items())))
        if key in known:
            report.differences.append(
                f"{rule.where}: recording rule `{rule.name}` is already defined: the rules "
                "are the same"
            )
            continue
        chosen = _numbered(definition_id(rule.name), taken)
        definition: dict[str, Any] = {"id": chosen, "record": rule.name, "expr": rule.expr}
        if rule.labels:
            definition["labels"] = rule.labels
        definition["group"] = _group(rule)
        definition["imported"] = {"from": "prometheus", "source": rule.where.rsplit(":", 1)[0]}
        made.add(service_of(rule), "recording_rules", definition)
        report.recorded += 1


def _group(rule: Rule) -> dict[str, Any]:
    """A rule's group as an alert's (or a level's) `group`: name and interval."""
    group: dict[str, Any] = {"name": rule.entry.group}
    interval = rule.entry.group_node.get("interval") if rule.entry.group_node else None
    if isinstance(interval, str):
        group["interval"] = interval
    return group


def _numbered(base: str, taken: set[str], refused: Callable[[str], bool] = lambda _: False) -> str:
    """`base`, or `base-2`, `base-3`… (within 100 characters): the first that no id in
    `taken` (lower case) is and `refused` allows; it is added to `taken`."""
    chosen, n = base, 1
    while chosen.lower() in taken or refused(chosen):
        n += 1
        chosen = f"{base[: 100 - len(str(n)) - 1]}-{n}"
    taken.add(chosen.lower())
    return chosen


def alert_ids(named: Iterable[str], catalog: Catalog) -> dict[str, str]:
    """A handbook id for each alert name, in order: the name itself when it can be one,
    else a slug of it; made unique, case-insensitively, against the handbook's alerts and
    each other with `-2`, `-3`… (Prometheus names are any text, and case-sensitive); an
    alert named `Index` would have its service's page, so it gets `Index-2`."""
    taken = {alert.id.lower() for alert in catalog.alerts}
    by_name = {alert.name: alert.id for alert in catalog.alerts}
    ids: dict[str, str] = {}
    for name in named:
        known = by_name.get(name)
        if known is not None:
            ids[name] = known
            continue
        ids[name] = _numbered(
            definition_id(name), taken, lambda i: LAYOUT.alert("s", i) == LAYOUT.service("s")
        )
    return ids


def _notify(made: Made, pages: bool) -> list[dict[str, str]]:
    """Where a level notifies: the team's pager when it pages, else its chat."""
    channels = (
        [(c.kind, c.target) for c in made.team.channels if c.team is None]
        if isinstance(made.team, Team)
        else []
    )
    paging = [c for c in channels if c[0] in ("pagerduty", "opsgenie")]
    chat = [c for c in channels if c[0] in ("slack", "msteams", "email")]
    if pages:
        kind, target = (
            paging[0]
            if paging
            else ("pagerduty", f"TODO: the PagerDuty service of `{made.team_id}`")
        )
        return [{kind: target}]
    return [{chat[0][0]: chat[0][1]}] if chat else []


def _shared(maps: list[dict[str, str]]) -> dict[str, str]:
    """The entries every map has, with the same value, in the first map's order."""
    first, *rest = maps
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in rest)}


def _gravity(severity_id: str) -> tuple[int, str]:
    name = severity_id.lower()
    return (_GRAVITY.index(name) if name in _GRAVITY else len(_GRAVITY) - 1, name)


def _ordered(severity: dict[str, Any]) -> dict[str, Any]:
    order = ("id", "name", "rank", "meaning", "pages", "label", "imported")
    return {key: severity[key] for key in order if key in severity}


# --- alerts the handbook has ----------------------------------------------------------------


def _differences(alert: Alert, rules: list[Rule]) -> str:
    """How an alert's rules differ from the handbook's definition of it, in one entry."""
    where = f"{alert.source.path}:{alert.source.line}"
    ours = {_key(_level_labels(alert, level)): level for level in alert.levels}
    theirs = {_key(rule.labels): rule for rule in rules}
    found: list[str] = []
    for key, rule in theirs.items():
        level = ours.get(key)
        if level is None:
            found.append(f"a rule with labels {_shown(key)} that the handbook does not have")
            continue
        condition = level.condition
        for what, mine, other in (
            ("expr", condition.expr, rule.expr),
            ("for", condition.for_, rule.for_),
            ("keep_firing_for", condition.keep_firing_for, rule.keep_firing_for),
        ):
            if (mine or None) != (other or None):
                found.append(f"{what} `{other}` in the rules, `{mine}` in the handbook")
    for key in ours.keys() - theirs.keys():
        found.append(f"the handbook has a level with labels {_shown(key)} that no rule has")
    said = "; ".join(found) if found else "the rules are the same"
    return f"{rules[0].where}: alert `{alert.id}` is already defined at {where}: {said}"


def _level_labels(alert: Alert, level: Any) -> dict[str, str]:
    labels = {**dict(alert.labels), **dict(level.labels)}
    labels.setdefault("severity", level.severity.label)
    return {k: v for k, v in labels.items() if v}


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if v))


def _shown(key: Iterable[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in key) + "}"


def _page_of(url: str | None) -> str | None:
    """A runbook_url without the level fragment opsbook's export adds (`#level-warning`)
    and the label values it hands the page (`?namespace=…`): the levels of one alert lead
    to one page."""
    if url is None or "#level-" not in url:
        return url
    return url.split("#level-", 1)[0].split("?", 1)[0]
