"""Map validated documents to the typed model, resolving every reference to its object.

Call only on documents that passed schema and cross-reference validation: a reference
that does not resolve here is a bug in the rules, and raises KeyError.
"""

from __future__ import annotations

import re
from typing import Any

from opsbook.core import defaults, kinds
from opsbook.load import definitions
from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import (
    Alert,
    AlertEscalation,
    AlertLevel,
    Analysis,
    ArgoRollout,
    ArgoStep,
    Bucketing,
    Catalog,
    Channel,
    CheckItem,
    Checklist,
    ChecklistSection,
    Communication,
    Condition,
    ConfigValue,
    Dependency,
    Escalation,
    EscalationLevel,
    Flag,
    FlagChange,
    FlagSetting,
    Gate,
    HealthCheck,
    Incident,
    Indicator,
    Link,
    Member,
    Monitoring,
    Phase,
    Postmortem,
    Procedure,
    Risk,
    Rollback,
    RollbackTrigger,
    Rollout,
    RuleGroup,
    Service,
    Severity,
    Signal,
    Slo,
    Source,
    Step,
    SubCheck,
    Team,
    Variant,
    gotemplate,
    kubernetes_name,
)


def slug(text: str, limit: int = 60) -> str:
    """A stable id from text: lower case, runs of other characters as `-`."""
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value[:limit].rstrip("-") or "item"


def unique_ids(candidates: list[str]) -> list[str]:
    """Make derived ids unique within one list by numbering repeats (`x`, `x-2`, …)."""
    seen: dict[str, int] = {}
    result = []
    for candidate in candidates:
        count = seen.get(candidate, 0) + 1
        seen[candidate] = count
        result.append(candidate if count == 1 else f"{candidate}-{count}")
    return result


def build_catalog(
    files: list[SourceFile], reuse: dict[tuple[str, str], Any] | None = None
) -> Catalog:
    """The catalog of all definitions in `files`, in file order.

    `reuse` maps (section, lower-cased id) to model objects of an earlier catalog that are
    still right: their definitions are unchanged, and so is everything they point at (see
    `changes.dependents`). Flags, alerts, rollouts, incidents and checklists are taken from
    it, and only when it holds every service, team, severity and escalation policy.
    """
    return _Builder(files, reuse or {}).build()


class _Builder:
    def __init__(self, files: list[SourceFile], reuse: dict[tuple[str, str], Any]) -> None:
        self.files = files
        self.reuse = reuse
        self.teams: dict[str, Team] = {}
        self.severities: dict[str, Severity] = {}
        self.escalations: dict[str, Escalation] = {}
        self.services: dict[str, Service] = {}
        self.flags: dict[str, Flag] = {}
        self.alerts: dict[str, Alert] = {}
        self.rollouts: dict[str, Rollout] = {}
        self.incidents: dict[str, Incident] = {}
        self.checklists: dict[str, Checklist] = {}

    def _each(self, section: str) -> list[tuple[SourceFile, YMap]]:
        return [(f, node) for f in self.files for node in f.data.get(section, ())]

    def _reused(self, section: str, node: YMap) -> Any:
        return self.reuse.get((section, node["id"].lower()))

    def build(self) -> Catalog:
        shared = [kind.section for kind in kinds.MODELLED if kind.shared]
        if self.reuse and all(
            self._reused(section, node) is not None
            for section in shared
            for _, node in self._each(section)
        ):
            self._take_shared()
        else:
            self.reuse = {}
            self._build_shared()
        for f, node in self._each("flags"):
            self.flags[node["id"].lower()] = self._reused("flags", node) or self._flag(f, node)
        if not self.reuse:  # services get their procedures now that flags exist
            services = self._each("services")
            for (_, node), service in zip(services, self.services.values(), strict=True):
                procedures = tuple(self._procedure(p) for p in node.get("procedures", ()))
                _patch(service, "procedures", procedures)
        built = []
        for f, node in self._each("alerts"):
            alert = self._reused("alerts", node)
            if alert is None:
                alert = self._alert(f, node)
                built.append((alert, node))
            self.alerts[node["id"].lower()] = alert
        for f, node in self._each("rollouts"):
            key = node["id"].lower()
            self.rollouts[key] = self._reused("rollouts", node) or self._rollout(f, node)
        for f, node in self._each("incidents"):
            key = node["id"].lower()
            self.incidents[key] = self._reused("incidents", node) or self._incident(f, node)
        for alert, node in built:
            incidents = tuple(self.incidents[i.lower()] for i in node.get("incidents", ()))
            _patch(alert, "incidents", incidents)
        for f, node in self._each("checklists"):
            key = node["id"].lower()
            self.checklists[key] = self._reused("checklists", node) or self._checklist(f, node)
        return Catalog(
            services=tuple(self.services.values()),
            teams=tuple(self.teams.values()),
            severities=tuple(sorted(self.severities.values(), key=lambda s: (s.rank, s.id))),
            escalations=tuple(self.escalations.values()),
            flags=tuple(self.flags.values()),
            alerts=tuple(self.alerts.values()),
            rollouts=tuple(self.rollouts.values()),
            incidents=tuple(self.incidents.values()),
            checklists=tuple(self.checklists.values()),
        )

    def _take_shared(self) -> None:
        for section, found in (
            ("teams", self.teams),
            ("severities", self.severities),
            ("escalations", self.escalations),
            ("services", self.services),
        ):
            for _, node in self._each(section):
                found[node["id"].lower()] = self._reused(section, node)

    def _build_shared(self) -> None:
        for f, node in self._each("teams"):
            self.teams[node["id"].lower()] = self._team(f, node)
        for team in self.teams.values():
            for channel in team.channels:
                if channel.kind == "team":
                    _patch(channel, "team", self.teams[channel.target.lower()])
        for f, node in self._each("severities"):
            self.severities[node["id"].lower()] = self._severity(f, node)
        for f, node in self._each("escalations"):
            self.escalations[node["id"].lower()] = self._escalation(f, node)
        services = self._each("services")
        for f, node in services:
            self.services[node["id"].lower()] = self._service(f, node)
        for f, node in self._each("slos"):
            service = self._service_of(f, node)
            _patch(service, "slos", (*service.slos, _slo(node)))
        for (_, node), service in zip(services, self.services.values(), strict=True):
            for dependency, raw in zip(
                service.dependencies, node.get("dependencies", ()), strict=True
            ):
                if "service" in raw:
                    _patch(dependency, "service", self.services[raw["service"].lower()])

    # --- shared pieces ----------------------------------------------------------------

    def _service_of(self, f: SourceFile, node: YMap) -> Service:
        return self.services[str(node.get("service", f.data.get("service"))).lower()]

    def _channels(self, raw: Any) -> tuple[Channel, ...]:
        channels = []
        for entry in raw or ():
            ((kind, target),) = entry.items()
            team = self.teams[target.lower()] if kind == "team" else None
            channels.append(Channel(kind, target, team))
        return tuple(channels)

    def _step(self, raw: Any) -> Step:
        if isinstance(raw, str):
            return Step(text=raw)
        return Step(
            text=raw.get("do"),
            run=raw.get("run"),
            lang=raw.get("lang", "bash"),
            set_flag=self._setting(raw["set_flag"]) if "set_flag" in raw else None,
            expect=raw.get("expect"),
            link=_link(raw["link"]) if "link" in raw else None,
        )

    def _steps(self, raw: Any) -> tuple[Step, ...]:
        return tuple(self._step(s) for s in raw or ())

    def _setting(self, raw: YMap) -> FlagSetting:
        return FlagSetting(self.flags[raw["flag"].lower()], plain(raw["value"]), raw.get("why"))

    def _procedure(self, raw: YMap) -> Procedure:
        return Procedure(
            raw["id"],
            raw["title"],
            self._steps(raw["steps"]),
            raw.get("when"),
            raw.get("target_time"),
        )

    # --- one builder per kind ---------------------------------------------------------

    def _team(self, f: SourceFile, node: YMap) -> Team:
        # Channels naming other teams are resolved once every team exists (see build).
        channels = [Channel(*next(iter(entry.items()))) for entry in node.get("channels", ())]
        members = tuple(
            Member(m["name"], m.get("role"), m.get("contact")) for m in node.get("members", ())
        )
        return Team(
            node["id"],
            node["name"],
            _source(f, node),
            node.get("description"),
            tuple(channels),
            members,
        )

    def _severity(self, f: SourceFile, node: YMap) -> Severity:
        return Severity(
            id=node["id"],
            rank=node["rank"],
            meaning=node["meaning"],
            source=_source(f, node),
            name=node.get("name"),
            examples=tuple(node.get("examples", ())),
            pages=node.get("pages", False),
            response_time=node.get("response_time"),
            update_every=node.get("update_every"),
            who=node.get("who"),
            label=node.get("label", node["id"]),
            scale=node.get("scale"),
        )

    def _escalation(self, f: SourceFile, node: YMap) -> Escalation:
        levels = tuple(
            EscalationLevel(
                name=level["name"],
                after=str(level["after"]),
                level=level.get("level"),
                team=self.teams[level["team"].lower()] if "team" in level else None,
                contact=self._channels(level.get("contact")),
                responsibilities=level.get("responsibilities"),
            )
            for level in node["levels"]
        )
        return Escalation(
            node["id"],
            node["name"],
            levels,
            _source(f, node),
            node.get("description"),
            node.get("repeat"),
        )

    def _service(self, f: SourceFile, node: YMap) -> Service:
        return Service(
            id=node["id"],
            name=node["name"],
            owner=self.teams[node["owner"].lower()],
            source=_source(f, node),
            summary=node.get("summary"),
            description=node.get("description"),
            tier=node.get("tier"),
            escalation=self.escalations[node["escalation"].lower()]
            if "escalation" in node
            else None,
            links=tuple(_link(x) for x in node.get("links", ())),
            dependencies=tuple(
                Dependency(
                    d["name"],
                    d.get("kind"),
                    d.get("critical", True),
                    d.get("fallback"),
                    d.get("description"),
                )
                for d in node.get("dependencies", ())
            ),
            health_checks=tuple(
                HealthCheck(
                    id=h["id"],
                    kind=h["kind"],
                    name=h.get("name"),
                    endpoint=h.get("endpoint"),
                    expect=h.get("expect"),
                    command=h.get("command"),
                    interval=h.get("interval"),
                    checks=tuple(
                        SubCheck(c["name"], c.get("description")) for c in h.get("checks", ())
                    ),
                    description=h.get("description"),
                )
                for h in node.get("health_checks", ())
            ),
            slos=tuple(_slo(s) for s in node.get("slos", ())),
            config=tuple(
                ConfigValue(c["key"], plain(c.get("default")), c.get("unit"), c.get("description"))
                for c in node.get("config", ())
            ),
            telemetry=tuple(
                Signal(
                    t["name"], t["kind"], t.get("source"), t.get("command"), t.get("description")
                )
                for t in node.get("telemetry", ())
            ),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
        )

    def _flag(self, f: SourceFile, node: YMap) -> Flag:
        kill = node.get("kill", {})
        change = node.get("change")
        bucketing = node.get("bucketing")
        return Flag(
            id=node["id"],
            key=node.get("key", node["id"]),
            service=self._service_of(f, node),
            type=node["type"],
            purpose=node["purpose"],
            description=node["description"],
            default=plain(node["default"]),
            source=_source(f, node),
            name=node.get("name"),
            owner=self.teams[node["owner"].lower()] if "owner" in node else None,
            group=node.get("group"),
            variants=tuple(
                Variant(plain(v["value"]), v.get("description"), v.get("name"), v.get("weight"))
                for v in node.get("variants", ())
            ),
            rollout_percentage=node.get("rollout_percentage"),
            on_value=node.get("on_value", "true"),
            off_value=node.get("off_value", "false"),
            bucketing=Bucketing(
                bucketing.get("by"),
                bucketing.get("deterministic"),
                bucketing.get("anonymous"),
                bucketing.get("key"),
            )
            if bucketing
            else None,
            when_on=node.get("when_on"),
            when_off=node.get("when_off"),
            kill_value=plain(kill.get("value")),
            kill_command=kill.get("command"),
            kill_note=kill.get("note"),
            change=FlagChange(
                change.get("command"), change.get("how"), change.get("where"), change.get("restart")
            )
            if change
            else None,
            propagation=node.get("propagation"),
            created=node.get("created"),
            expires=node.get("expires"),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
            served_by=node.get("served_by"),
            state=node.get("state", "enabled"),
            targeting=plain(node["targeting"]) if "targeting" in node else None,
            metadata=tuple((str(k), v) for k, v in node.get("metadata", {}).items()),
        )

    def _alert(self, f: SourceFile, node: YMap) -> Alert:
        notify = self._channels(node.get("notify"))
        if "levels" in node:
            levels = tuple(
                AlertLevel(
                    self.severities[lv["severity"].lower()],
                    _condition(lv["condition"]),
                    self._channels(lv["notify"]) if "notify" in lv else notify,
                    labels=tuple(sorted(lv.get("labels", {}).items())),
                    summary=_readable(lv.get("summary")),
                    description=_readable(lv.get("description")),
                    annotations=_annotations(lv),
                )
                for lv in node["levels"]
            )
        else:
            levels = (
                AlertLevel(
                    self.severities[node["severity"].lower()], _condition(node["condition"]), notify
                ),
            )
        runbook = node["runbook"]
        escalation = runbook.get("escalation")
        return Alert(
            id=node["id"],
            service=self._service_of(f, node),
            summary=_readable(
                node.get("summary") or definitions.annotated(node, definitions.STAND_INS["summary"])
            )
            or "",
            levels=levels,
            notify=notify,
            meaning=_readable(
                runbook.get("meaning")
                or definitions.annotated(node, definitions.STAND_INS["meaning"])
            )
            or "",
            source=_source(f, node),
            description=_readable(node.get("description")),
            labels=tuple(sorted(node.get("labels", {}).items())),
            annotations=_annotations(node),
            group=RuleGroup(node["group"]["name"], node["group"].get("interval"))
            if "group" in node
            else None,
            impact=runbook.get("impact"),
            first_step=runbook.get("first_step"),
            diagnosis=self._steps(runbook.get("diagnosis")),
            mitigation=self._steps(runbook.get("mitigation")),
            escalation=AlertEscalation(
                self.escalations[escalation["policy"].lower()] if "policy" in escalation else None,
                escalation.get("after"),
                escalation.get("note"),
            )
            if escalation
            else None,
            dashboards=tuple(_link(x) for x in node.get("dashboards", ())),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
        )

    def _rollout(self, f: SourceFile, node: YMap) -> Rollout:
        service = self._service_of(f, node)
        rollback = node.get("rollback")
        return Rollout(
            id=node["id"],
            name=node["name"],
            service=service,
            strategy=node["strategy"],
            phases=tuple(self._phase(p, service) for p in node["phases"]),
            rollback=self._rollback(rollback) if rollback is not None else None,
            source=_source(f, node),
            flag=self.flags[node["flag"].lower()] if "flag" in node else None,
            owner=self.teams[node["owner"].lower()] if "owner" in node else None,
            summary=node.get("summary"),
            prerequisites=_items(node.get("prerequisites")),
            launch_day=_items(node.get("launch_day")),
            post_launch=_items(node.get("post_launch")),
            post_launch_monitoring=_monitoring(node.get("post_launch_monitoring")),
            success_criteria=tuple(node.get("success_criteria", ())),
            risks=tuple(
                Risk(r["risk"], r["mitigation"], r.get("impact"), r.get("likelihood"))
                for r in node.get("risks", ())
            ),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
            argo=_argo(node["id"], node["argo_rollouts"]) if "argo_rollouts" in node else None,
        )

    def _rollback(self, raw: YMap) -> Rollback:
        return Rollback(
            triggers=tuple(
                RollbackTrigger(
                    t["description"],
                    t.get("id"),
                    _condition(t["condition"]) if "condition" in t else None,
                    self.alerts[t["alert"].lower()] if "alert" in t else None,
                    t.get("automatic", False),
                )
                for t in raw.get("triggers", ())
            ),
            procedure=self._steps(raw.get("procedure")),
            target_time=raw.get("target_time"),
            verify=self._steps(raw.get("verify")),
        )

    def _phase(self, raw: YMap, service: Service) -> Phase:
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
                slo = next(s for s in self.services[service_id.lower()].slos if s.id == slo_id)
            gates.append(
                Gate(
                    gate_id,
                    g["check"],
                    _condition(g["condition"]) if "condition" in g else None,
                    self.alerts[g["alert"].lower()] if "alert" in g else None,
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
            settings=tuple(self._setting(s) for s in raw.get("settings", ())),
            soak=raw.get("soak"),
            goals=tuple(raw.get("goals", ())),
            tasks=_items(raw.get("tasks")),
            gates=tuple(gates),
            monitoring=_monitoring(raw.get("monitoring")),
            commands=self._steps(raw.get("commands")),
            approvals=tuple(raw.get("approvals", ())),
            argo_steps=tuple(
                ArgoStep(a["at"], plain(a["step"])) for a in raw.get("argo_steps", ())
            ),
        )

    def _incident(self, f: SourceFile, node: YMap) -> Incident:
        comm = node.get("communication")
        postmortem = node.get("postmortem")
        service = self._service_of(f, node)
        policy = node.get("escalation")
        return Incident(
            id=node["id"],
            title=node["title"],
            service=service,
            severity=self.severities[node["severity"].lower()],
            symptoms=tuple(node["symptoms"]),
            source=_source(f, node),
            summary=node.get("summary"),
            detected_by=tuple(self.alerts[a.lower()] for a in node.get("detected_by", ())),
            impact=node.get("impact"),
            diagnosis=self._steps(node.get("diagnosis")),
            resolution=self._steps(node.get("resolution")),
            flags=tuple(self._setting(s) for s in node.get("flags", ())),
            escalation=self.escalations[policy.lower()] if policy else service.escalation,
            communication=Communication(
                self._channels(comm.get("channels")),
                comm.get("audience"),
                comm.get("initial"),
                comm.get("update"),
                comm.get("resolved"),
            )
            if comm
            else None,
            postmortem=Postmortem(
                postmortem["required"],
                postmortem.get("within"),
                postmortem.get("owner"),
                tuple(postmortem.get("sections", ())),
            )
            if postmortem
            else None,
            rollouts=tuple(self.rollouts[r.lower()] for r in node.get("rollouts", ())),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
        )

    def _checklist(self, f: SourceFile, node: YMap) -> Checklist:
        service_id = node.get("service", f.data.get("service"))
        raw_sections = node["sections"]
        section_ids = unique_ids([s.get("id") or slug(s["title"]) for s in raw_sections])
        sections = tuple(
            ChecklistSection(sid, s["title"], _items(s["items"]), s.get("when"))
            for sid, s in zip(section_ids, raw_sections, strict=True)
        )
        return Checklist(
            id=node["id"],
            title=node["title"],
            sections=sections,
            source=_source(f, node),
            kind=node.get("kind", "readiness"),
            service=self.services[service_id.lower()] if service_id else None,
            owner=node.get("owner"),
            summary=node.get("summary"),
            reviewed=node.get("reviewed"),
            review_by=node.get("review_by"),
        )


def _patch(obj: object, name: str, value: Any) -> None:
    """Set a field of a frozen model object while the builder closes a reference cycle."""
    object.__setattr__(obj, name, value)


def _source(f: SourceFile, node: YMap) -> Source:
    return Source(f.path, node.mark[0])


def _slo(raw: YMap) -> Slo:
    indicator = raw.get("indicator")
    time_slice = raw.get("time_slice", {})
    calendar = raw.get("calendar")
    return Slo(
        raw["id"],
        raw["name"],
        _condition(raw["objective"]),
        raw.get("kind", "slo"),
        raw.get("window"),
        raw.get("description"),
        Indicator(
            indicator.get("name"),
            indicator.get("description"),
            indicator.get("source", "Prometheus"),
            indicator.get("counter"),
            *(plain(indicator.get(k)) for k in ("good", "bad", "total", "threshold")),
        )
        if indicator
        else None,
        raw.get("target"),
        raw.get("budgeting", "occurrences"),
        time_slice.get("window"),
        time_slice.get("target"),
        (calendar["period"], calendar.get("start"), calendar.get("time_zone"))
        if calendar
        else None,
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


def plain(value: Any) -> Any:
    """Drop position bookkeeping: YMap/YList become dict/list, recursively."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _readable(text: str | None) -> str | None:
    return gotemplate.readable(text) if text else text


def _annotations(node: YMap) -> tuple[tuple[str, str], ...]:
    """A rule's annotations: as given, and the `summary` and `description` fields where
    those do not hold them; a field that is still a placeholder never reaches a rule."""
    given = dict(node.get("annotations", {}))
    for key in ("summary", "description"):
        text = node.get(key)
        if key not in given and text and not defaults.PLACEHOLDER.search(text):
            given[key] = text
    return tuple(sorted(given.items()))


def _link(raw: YMap) -> Link:
    return Link(raw["title"], raw["url"], raw.get("kind"))


def _condition(raw: YMap) -> Condition:
    return Condition(
        expr=raw.get("expr"),
        metric=raw.get("metric"),
        operator=raw.get("operator"),
        threshold=raw.get("threshold"),
        unit=raw.get("unit"),
        window=raw.get("window"),
        for_=raw.get("for"),
        description=raw.get("description"),
        keep_firing_for=raw.get("keep_firing_for"),
    )


def _monitoring(raw: YMap | None) -> Monitoring | None:
    if raw is None:
        return None
    return Monitoring(raw.get("cadence"), raw.get("duration"), tuple(raw.get("watch", ())))


def _items(raw: Any) -> tuple[CheckItem, ...]:
    """Checklist items with stable ids: explicit, or derived from the text."""
    entries = list(raw or ())
    texts = [e if isinstance(e, str) else e["text"] for e in entries]
    ids = unique_ids(
        [
            e["id"] if isinstance(e, dict) and "id" in e else slug(t)
            for e, t in zip(entries, texts, strict=True)
        ]
    )
    items = []
    for item_id, entry, text in zip(ids, entries, texts, strict=True):
        if isinstance(entry, str):
            items.append(CheckItem(item_id, text))
        else:
            items.append(
                CheckItem(
                    item_id,
                    text,
                    entry.get("owner"),
                    entry.get("evidence"),
                    entry.get("required", True),
                    entry.get("done", False),
                    entry.get("run"),
                )
            )
    return tuple(items)
