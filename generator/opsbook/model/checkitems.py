"""The tickable items of a deployment or readiness checklist, each with a stable id.

A rollout's checklist has a section for its prerequisites, launch day, each phase and
after launch; a readiness checklist has its own sections. An item's id is
`<section>/<item>`, derived from the definitions (explicit ids win over ids made from the
text), so the browser's ticks and a release's state file name the same item whatever
else changes around it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from opsbook.model import CheckItem, Checklist, FlagSetting, Gate, Phase, Rollout
from opsbook.model.build.values import slug, unique_ids


@dataclass(frozen=True, eq=False)
class Check:
    """One item to tick: its id, one-line label (Markdown), and what it stands for.

    `kind` is `item` (a checklist item), `set-flag` (set the rollout's flag for a phase),
    `setting` (set another flag), `soak`, `gate` or `approval`; `target` is the model
    object behind it (a CheckItem, a FlagSetting for both flag kinds, a Gate, the
    approver's name, or None for a soak).
    """

    key: str
    label: str
    required: bool
    kind: str
    target: Any = None


@dataclass(frozen=True, eq=False)
class CheckSection:
    """A group of checks under one heading; `phase` is set for a rollout's phases."""

    id: str
    title: str
    checks: tuple[Check, ...]
    part: str
    phase: Phase | None = None

    def of_kind(self, *kinds: str) -> tuple[Check, ...]:
        """The checks of these kinds, in order (templates render kinds in groups)."""
        return tuple(c for c in self.checks if c.kind in kinds)


@cache
def check_sections(definition: Rollout | Checklist) -> tuple[CheckSection, ...]:
    """Every section of the checklist of a rollout or readiness checklist, in page order."""
    if isinstance(definition, Checklist):
        return tuple(
            _section(section.id, section.title, "section", [_item(i) for i in section.items])
            for section in definition.sections
        )
    raw: list[tuple[str, str, str, list[tuple[str, Check]], Phase | None]] = []
    if definition.prerequisites:
        items = [_item(i) for i in definition.prerequisites]
        raw.append(("prerequisites", "Prerequisites", "prerequisites", items, None))
    if definition.launch_day:
        items = [_item(i) for i in definition.launch_day]
        raw.append(("launch-day", "Launch day", "launch-day", items, None))
    for number, phase in enumerate(definition.phases, 1):
        title = f"Phase {number}: {phase.name}"
        raw.append((phase.id.lower(), title, "phase", _phase_checks(definition, phase), phase))
    if definition.post_launch:
        items = [_item(i) for i in definition.post_launch]
        raw.append(("after-launch", "After launch", "after-launch", items, None))
    ids = unique_ids([section_id for section_id, *_ in raw])
    return tuple(
        _section(section_id, title, part, items, phase)
        for section_id, (_, title, part, items, phase) in zip(ids, raw, strict=True)
    )


def checks_by_key(definition: Rollout | Checklist) -> dict[str, Check]:
    """Every check of a checklist by its id."""
    return {c.key: c for s in check_sections(definition) for c in s.checks}


def section_of(key: str) -> str:
    """The section part of a check id."""
    return key.partition("/")[0]


def task_list(
    title: str,
    sections: tuple[CheckSection, ...],
    ticked: Mapping[str, str],
    release: str = "",
    link: str = "",
) -> str:
    """A GitHub-flavoured task list of the checklist for a release ticket: `ticked` maps
    each ticked item to what follows its label (who, when, evidence or waiver; see
    `tick_note`), `link` is the page it was copied from. The browser's "Copy as Markdown"
    writes exactly this text."""
    lines = [f"## {title}" + (f" — release {release}" if release else ""), ""]
    if link:
        lines += [f"From <{link}>", ""]
    for section in sections:
        lines += [f"### {section.title}", ""]
        for check in section.checks:
            box = "x" if check.key in ticked else " "
            optional = "" if check.required else " (optional)"
            note = ticked.get(check.key, "")
            lines.append(f"- [{box}] {check.label}{optional}" + (f" — {note}" if note else ""))
        lines.append("")
    return "\n".join(lines)


def tick_note(by: str, when: str, evidence: str | None = None, waived: str | None = None) -> str:
    """What a recorded tick adds to its line: `dana, 2026-11-16 09:40 UTC, evidence <url>`,
    or `waived by dana, 2026-11-16 09:40 UTC: reason`."""
    who = f"{one_line(by)}, {when}"
    if waived is not None:
        return f"waived by {who}: {one_line(waived)}"
    return who + (f", evidence <{evidence}>" if evidence else "")


def one_line(text: str) -> str:
    """Text on one line, runs of white space as one space."""
    return re.sub(r"\s+", " ", text).strip()


def _section(
    section_id: str,
    title: str,
    part: str,
    items: list[tuple[str, Check]],
    phase: Phase | None = None,
) -> CheckSection:
    """A section whose item ids are made unique and prefixed with the section id."""
    ids = unique_ids([item_id for item_id, _ in items])
    checks = tuple(
        Check(f"{section_id}/{item_id}", c.label, c.required, c.kind, c.target)
        for item_id, (_, c) in zip(ids, items, strict=True)
    )
    return CheckSection(section_id, one_line(title), checks, part, phase)


def _item(item: CheckItem) -> tuple[str, Check]:
    return item.id, Check("", one_line(item.text), item.required, "item", item)


def _phase_checks(rollout: Rollout, phase: Phase) -> list[tuple[str, Check]]:
    """A phase's checks in page order: flag changes and tasks, then gates, then approvals."""
    checks: list[tuple[str, Check]] = []
    if phase.flag_value is not None and rollout.flag is not None:
        value = rollout.flag.written(phase.flag_value) or "(empty)"
        label = f"Set {rollout.flag.id} to {value}"
        target = FlagSetting(rollout.flag, phase.flag_value)
        checks.append(("set-flag", Check("", label, True, "set-flag", target)))
    for setting in phase.settings:
        checks.append((f"set-{slug(setting.flag.id)}", _setting(setting)))
    checks += [_item(i) for i in phase.tasks]
    if phase.soak:
        label = f"Soaked for {one_line(phase.soak)} without a rollback trigger"
        checks.append(("soak", Check("", label, True, "soak")))
    checks += [(f"gate-{gate.id}", _gate(gate)) for gate in phase.gates]
    for who in phase.approvals:
        label = f"Approved by {one_line(who)}"
        checks.append((f"approval-{slug(who)}", Check("", label, True, "approval", who)))
    return checks


def _setting(setting: FlagSetting) -> Check:
    value = setting.flag.written(setting.value) or "(empty)"
    return Check("", f"Set {setting.flag.id} to {value}", True, "setting", setting)


def _gate(gate: Gate) -> Check:
    return Check("", one_line(gate.check), True, "gate", gate)
