"""Runbook-quality rules: definitions that are valid but would fail their readers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from opsbook.core import defaults
from opsbook.core.diagnostics import Diagnostic
from opsbook.core.ruleset import RULES
from opsbook.load.definitions import KINDS, REFERENCES, Index, definitions, walk
from opsbook.load.files import SourceFile
from opsbook.load.nodes import Mark, YList, YMap
from opsbook.model import duration_seconds, gotemplate
from opsbook.model.labels import kept

_PLACEHOLDER_WORDS = defaults.PLACEHOLDER_WORDS
_PLACEHOLDER = defaults.PLACEHOLDER
_PAGING_KINDS = frozenset({"pagerduty", "opsgenie"})


@dataclass(frozen=True)
class Context:
    """What the quality rules need besides one file: every definition, and today's date."""

    index: Index
    today: str


def check_file_quality(source: SourceFile, context: Context) -> list[Diagnostic]:
    """The findings within one file (all but unused flags, which need every file)."""
    return [found for check in _CHECKS for found in check(source, context)]


def _diag(
    source: SourceFile, node: YMap, mark: Mark, rule: str, message: str
) -> Iterator[Diagnostic]:
    suppressed = node.get("suppress")
    if isinstance(suppressed, list) and rule in suppressed:
        return
    yield Diagnostic(source.path, mark[0], mark[1], RULES[rule].level, rule, message)


def _severity(context: Context, severity_id: Any) -> YMap | None:
    if not isinstance(severity_id, str):
        return None
    found = context.index["severities"].get(severity_id.lower())
    return found.node if found else None


def _pages(context: Context, severity_id: Any) -> bool:
    severity = _severity(context, severity_id)
    return bool(severity and severity.get("pages") is True)


def _alert_levels(node: YMap) -> Iterator[tuple[YMap, Any]]:
    """(the mapping holding severity and notify, its severity id) for each alert level."""
    if "levels" in node:
        for level, _ in walk(node, "levels[]"):
            if isinstance(level, YMap):
                yield level, level.get("severity")
    else:
        yield node, node.get("severity")


def _runbook_incomplete(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "alerts"):
        runbook = node.get("runbook")
        if not isinstance(runbook, YMap):
            continue
        if not any(_pages(context, sev) for _, sev in _alert_levels(node)):
            if not runbook.get("mitigation"):
                where = runbook.value_marks.get("mitigation", node.value_marks["runbook"])
                yield from _diag(
                    source, node, where, "mitigation-missing",
                    f"alert `{node['id']}` has no `mitigation` steps: its page can only say "
                    "that none is written and point at the diagnosis",
                )  # fmt: skip
            continue
        for field in ("diagnosis", "mitigation"):
            if not runbook.get(field):
                where = runbook.value_marks.get(field, node.value_marks["runbook"])
                yield from _diag(
                    source, node, where, "runbook-incomplete",
                    f"alert `{node['id']}` pages someone but its runbook has no `{field}` steps",
                )  # fmt: skip


def _strings(value: Any, mark: Mark) -> Iterator[tuple[str, Mark]]:
    if isinstance(value, str):
        yield value, mark
    elif isinstance(value, YMap):
        for key, item in value.items():
            yield from _strings(item, value.value_marks[key])
    elif isinstance(value, YList):
        for item, item_mark in zip(value, value.item_marks, strict=True):
            yield from _strings(item, item_mark)


def _texts(value: Any, found: list[str]) -> list[str]:
    """Every string in a definition, positions left out: the quick look for placeholders."""
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict | list):
            _texts(item, found)
    return found


def _placeholders(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    every = "\n".join(_texts(source.data, []))
    if not any(word in every for word in _PLACEHOLDER_WORDS) or not _PLACEHOLDER.search(every):
        return  # nearly every file: no need to find where
    for section, kind in KINDS.items():
        for node, _ in definitions(source, section):
            imported = "imported" in node
            for text, mark in _strings(node, node.mark):
                match = _PLACEHOLDER.search(text)
                if match and imported:
                    yield from _diag(
                        source, node, mark, "imported-placeholder",
                        f"{kind} `{node['id']}` was imported and still says `{match.group(0)}` "
                        "here; write it, then remove `imported` once it is reviewed",
                    )  # fmt: skip
                elif match:
                    yield from _diag(
                        source, node, mark, "placeholder-text",
                        f"{kind} `{node['id']}` still says `{match.group(0)}`; write the "
                        "real content before it is needed",
                    )  # fmt: skip


def _major_incidents(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    file_service = source.data.get("service")
    for node, _ in definitions(source, "incidents"):
        severity = _severity(context, node.get("severity"))
        rank = severity.get("rank") if severity else None
        if not isinstance(rank, int) or rank > 2:
            continue
        label = f"{node['severity']} scenario `{node['id']}`"
        service_id = node.get("service", file_service)
        service = context.index["services"].get(str(service_id).lower())
        if "escalation" not in node and not (service and "escalation" in service.node):
            yield from _diag(
                source, node, node.mark, "major-incident-readiness",
                f"{label} has no escalation policy (and neither has its service)",
            )  # fmt: skip
        comms = node.get("communication")
        missing = [
            t
            for t in ("initial", "update", "resolved")
            if not (isinstance(comms, YMap) and comms.get(t))
        ]
        if missing:
            where = node.value_marks.get("communication", node.mark)
            yield from _diag(
                source, node, where, "major-incident-readiness",
                f"{label} has no {', '.join(missing)} communication template(s)",
            )  # fmt: skip


def _kill_switch_commands(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "flags"):
        if node.get("purpose") != "kill-switch":
            continue
        has_command = any(isinstance(v, str) for v, _ in walk(node, "change.command")) or any(
            isinstance(v, str) for v, _ in walk(node, "kill.command")
        )
        if not has_command:
            yield from _diag(
                source, node, node.mark, "kill-switch-command",
                f"kill switch `{node['id']}` does not say how to flip it: add `change.command` "
                "(or `kill.command`)",
            )  # fmt: skip


def _kill_switch_effects(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "flags"):
        if node.get("purpose") == "kill-switch" and not node.get("when_off"):
            yield from _diag(
                source, node, node.mark, "kill-switch-effect",
                f"kill switch `{node['id']}` does not say what turning it off does: add "
                "`when_off`",
            )  # fmt: skip


def _escalation_delays(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """An alert's `escalation.after` against the delay of its policy's second level."""
    for node, _ in definitions(source, "alerts"):
        runbook = node.get("runbook")
        escalation = runbook.get("escalation") if isinstance(runbook, YMap) else None
        if not isinstance(escalation, YMap) or duration_seconds(escalation.get("after")) is None:
            continue
        policy_id = _policy_of(source, context, node)[0]
        policy = _policy(context, policy_id)
        levels = policy.get("levels") if policy else None
        if not isinstance(levels, YList) or len(levels) < 2 or not isinstance(levels[1], YMap):
            continue
        after, then = escalation["after"], levels[1].get("after")
        if duration_seconds(then) is not None and duration_seconds(after) != duration_seconds(then):
            yield from _diag(
                source, node, escalation.value_marks.get("after", escalation.mark),
                "escalation-delay",
                f"alert `{node['id']}` says escalate after {after}, but policy `{policy_id}` "
                f"reaches its next level after {then}: make them agree, or leave `after` out",
            )  # fmt: skip


def _rollback_plans(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "rollouts"):
        rollback = node.get("rollback")
        where = node.value_marks.get("rollback", node.mark)
        for field in ("triggers", "procedure"):
            if not (isinstance(rollback, YMap) and rollback.get(field)):
                yield from _diag(
                    source, node, where, "rollback-plan",
                    f"rollout `{node['id']}` has no rollback {field}",
                )  # fmt: skip


def _is_paging_channel(context: Context, channel: Any) -> bool:
    if not isinstance(channel, YMap) or len(channel) != 1:
        return False
    ((kind, target),) = channel.items()
    if kind in _PAGING_KINDS:
        return True
    return kind == "team" and isinstance(target, str) and _team_pages(context, target)


def _team_pages(context: Context, team_id: str) -> bool:
    """Whether a team has a paging channel."""
    team = context.index["teams"].get(team_id.lower())
    channels = team.node.get("channels") if team else None
    return isinstance(channels, list) and any(
        isinstance(c, dict) and set(c) & _PAGING_KINDS for c in channels
    )


def _paging_channels(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for node, _ in definitions(source, "alerts"):
        for level, severity in _alert_levels(node):
            if _severity(context, severity) is None:
                continue  # unknown-reference says so; whether it pages is not known
            holder = level if "notify" in level else node
            channels = holder.get("notify") or []
            where = holder.value_marks.get("notify", level.mark)
            pages = _pages(context, severity)
            paging = [c for c in channels if _is_paging_channel(context, c)]
            if pages and not paging:
                yield from _diag(
                    source, node, where, "paging-channel",
                    f"alert `{node['id']}` at `{severity}` pages, but notifies no paging channel "
                    "(PagerDuty, Opsgenie, or a team that has one)",
                )  # fmt: skip
            elif not pages and paging:
                yield from _diag(
                    source, node, where, "paging-channel",
                    f"alert `{node['id']}` at `{severity}` does not page, but notifies a paging "
                    "channel; send it to chat or e-mail",
                )  # fmt: skip


def _dates(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    for section, kind in KINDS.items():
        for node, _ in definitions(source, section):
            review_by = node.get("review_by")
            if isinstance(review_by, str) and review_by < context.today:
                yield from _diag(
                    source, node, node.value_marks["review_by"], "review-overdue",
                    f"{kind} `{node['id']}` was due for review on {review_by}",
                )  # fmt: skip
            expires = node.get("expires") if section == "flags" else None
            if isinstance(expires, str) and expires < context.today:
                yield from _diag(
                    source, node, node.value_marks["expires"], "flag-expired",
                    f"flag `{node['id']}` expired on {expires}; remove it or extend `expires`",
                )  # fmt: skip


def flags_used(source: SourceFile) -> set[str]:
    """The flags (lower-cased ids) that the definitions of one file refer to."""
    used: set[str] = set()
    for section, refs in REFERENCES.items():
        for node, _ in definitions(source, section):
            for path, target in refs:
                if target == "flags":
                    used.update(v.lower() for v, _ in walk(node, path) if isinstance(v, str))
    return used


def unused_flags(files: list[SourceFile], used: set[str]) -> Iterator[Diagnostic]:
    """Flags of `files` that no definition uses (`used`: from every file) and that are not
    kill switches."""
    for source in files:
        for node, mark in definitions(source, "flags"):
            if node.get("purpose") != "kill-switch" and node["id"].lower() not in used:
                yield from _diag(
                    source, node, mark, "unused-flag",
                    f"flag `{node['id']}` is not used by any rollout, step or incident, and is "
                    "not a kill switch; remove it if it is dead",
                )  # fmt: skip


def _paging_escalations(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """A level that pages, under an escalation policy whose first level has no paging
    channel: the page would say "Paged:" someone the pager does not reach."""
    for node, _ in definitions(source, "alerts"):
        if not any(_pages(context, severity) for _, severity in _alert_levels(node)):
            continue
        policy_id, where = _policy_of(source, context, node)
        policy = _policy(context, policy_id)
        first = next(iter(walk(policy, "levels[]")), None) if policy else None
        if first is None or not isinstance(first[0], YMap):
            continue  # no policy (escalation-missing), or one the schema reports
        level = first[0]
        contact, team = level.get("contact"), level.get("team")
        if contact:
            reached = any(_is_paging_channel(context, c) for c in contact)
        else:
            reached = isinstance(team, str) and _team_pages(context, team)
        if not reached:
            yield from _diag(
                source, node, where, "paging-escalation",
                f"alert `{node['id']}` pages, but the first level of escalation policy "
                f"`{policy_id}` ({level.get('name')}) has no paging channel (PagerDuty, "
                "Opsgenie, or a team that has one)",
            )  # fmt: skip


_SHOWN_TEXT = (
    "summary", "description", "runbook.meaning", "runbook.impact", "runbook.first_step",
    "runbook.diagnosis[]", "runbook.mitigation[]", "runbook.diagnosis[].do",
    "runbook.diagnosis[].run", "runbook.diagnosis[].expect", "runbook.diagnosis[].link.url",
    "runbook.mitigation[].do", "runbook.mitigation[].run", "runbook.mitigation[].expect",
    "runbook.mitigation[].link.url", "dashboards[].url", "dashboards[].title",
)  # fmt: skip
"""Where an alert's page shows text in which `{{ $labels.x }}` becomes a placeholder."""


def _dropped_labels(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """A placeholder (`{{ $labels.pod }}`, shown as ‹pod›) for a label that no level's
    expression keeps: the runbook_url can never hand the page its value."""
    for node, _ in definitions(source, "alerts"):
        texts = [(t, m) for path in _SHOWN_TEXT for t, m in walk(node, path) if isinstance(t, str)]
        shown = gotemplate.labels_in(gotemplate.readable(" ".join(t for t, _ in texts)))
        if not shown:
            continue
        static = set(node.get("labels", {}) or {})
        results = []
        for level, _ in _alert_levels(node):
            condition = level.get("condition")
            expr = condition.get("expr") if isinstance(condition, YMap) else None
            if not isinstance(expr, str):
                break  # a level without PromQL: nothing to judge
            static |= set(level.get("labels", {}) or {})
            results.append(kept(expr))
        else:
            never = [n for n in shown if n not in static and not any(r.keeps(n) for r in results)]
            if never:
                listed = ", ".join(f"‹{n}›" for n in never)
                where = next(
                    m for t, m in texts
                    if set(gotemplate.labels_in(gotemplate.readable(t))) & set(never)
                )  # fmt: skip
                yield from _diag(
                    source, node, where, "placeholder-label-dropped",
                    f"alert `{node['id']}` shows {listed}, but no level's `expr` keeps that "
                    "label (an aggregation `by` other labels, or `without` it): the page can "
                    "never fill it; aggregate `by` it, or write the text without it",
                )  # fmt: skip


_ASSIGNMENT = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*=\S*\s*")


def _bare_assignments(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """A shell command that is only `NAME=value`: run as written, it changes nothing."""
    for node, _ in definitions(source, "flags"):
        change = node.get("change")
        if isinstance(change, YMap) and change.get("language", "shell") != "shell":
            continue
        for path in ("change.command", "kill.command"):
            for command, where in walk(node, path):
                if isinstance(command, str) and _ASSIGNMENT.fullmatch(command):
                    yield from _diag(
                        source, node, where, "bare-assignment",
                        f"flag `{node['id']}`: `{command}` only sets a shell variable when "
                        "run; a line of an env file says so (`change.language: dotenv`, "
                        "`where`) and how it takes effect (`change.apply`), or give the "
                        "command that sets it (`kubectl set env ...`)",
                    )  # fmt: skip


_LOOKS = {"dashboard": ("dashboard", "metrics", "traces"), "logs": ("logs",)}
"""What an alert page's "Look" step links, by what a reader looks for first."""


def _service_links(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """A service without a dashboard or a logs link: its alert pages say "not documented"
    where the reader's first look would be."""
    for node, mark in definitions(source, "services"):
        kinds = {link.get("kind") for link, _ in walk(node, "links[]") if isinstance(link, YMap)}
        missing = [name for name, found in _LOOKS.items() if not kinds & set(found)]
        if len(missing) == 2:
            said = (
                "no dashboard and no logs link: its alert pages say they are not documented; "
                "add them to `links` (`kind: dashboard`, `kind: logs`)"
            )
        elif missing:
            said = f"no {missing[0]} link: add one to `links` (`kind: {missing[0]}`)"
        else:
            continue
        yield from _diag(
            source, node, mark, "service-links", f"service `{node['id']}` has {said}"
        )  # fmt: skip


def _contacts(source: SourceFile, context: Context) -> Iterator[Diagnostic]:
    """A team with no channel, and an escalation level with neither a contact nor a team:
    the page names someone and says "contact not documented"."""
    for node, mark in definitions(source, "teams"):
        if not node.get("channels"):
            yield from _diag(
                source, node, mark, "contact-missing",
                f"team `{node['id']}` has no `channels`: pages that name it cannot say how "
                "to reach it",
            )  # fmt: skip
    for node, _ in definitions(source, "escalations"):
        for level, where in walk(node, "levels[]"):
            if isinstance(level, YMap) and not level.get("contact") and not level.get("team"):
                yield from _diag(
                    source, node, where, "contact-missing",
                    f"escalation policy `{node['id']}`: level {level.get('name')!r} has no "
                    "`contact` and no `team`: pages say its contact is not documented",
                )  # fmt: skip


def _policy_of(source: SourceFile, context: Context, node: YMap) -> tuple[Any, Mark]:
    """The escalation policy (id) that applies to an alert, and where it is named: the
    alert's own, else its service's (then at the alert's id)."""
    runbook = node.get("runbook")
    escalation = runbook.get("escalation") if isinstance(runbook, YMap) else None
    if isinstance(escalation, YMap) and escalation.get("policy") is not None:
        return escalation["policy"], escalation.value_marks["policy"]
    service = context.index["services"].get(
        str(node.get("service", source.data.get("service"))).lower()
    )
    found = service.node.get("escalation") if service else None
    return found, node.value_marks["id"]


def _policy(context: Context, policy_id: Any) -> YMap | None:
    """The escalation policy with this id, when it is defined."""
    found = context.index["escalations"].get(str(policy_id).lower()) if policy_id else None
    return found.node if found else None


_CHECKS: tuple[Callable[[SourceFile, Context], Iterator[Diagnostic]], ...] = (
    _runbook_incomplete,
    _placeholders,
    _major_incidents,
    _kill_switch_commands,
    _kill_switch_effects,
    _escalation_delays,
    _rollback_plans,
    _paging_channels,
    _paging_escalations,
    _bare_assignments,
    _dropped_labels,
    _service_links,
    _contacts,
    _dates,
)
