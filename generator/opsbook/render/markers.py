"""What the site's checklist script reads on a page: an invisible marker in front of each
checklist item and a bar for each checklist, carrying its recorded releases."""

from __future__ import annotations

import json

from opsbook.model import (
    Checklist,
    Rollout,
)
from opsbook.model.checkitems import Check, check_sections, tick_note
from opsbook.releases.records import Release


def _attribute(value: str) -> str:
    """An HTML attribute value that Markdown leaves alone: HTML's special characters and
    every character an inline Markdown syntax (core or extension) starts with, as numeric
    character references."""
    return "".join(f"&#{ord(ch)};" if ch in ACTIVE else ch for ch in value)


ACTIVE = frozenset("&<>\"'`\\[]()*_~^{}!=+:|#@$")


def tick(check: Check) -> str:
    """The invisible marker in front of a checklist item: its id and label, which the
    site's checklist script reads to keep the item's tick and to copy the list."""
    optional = "" if check.required else " data-optional"
    return (
        f'<span class="opsbook-check" data-check="{_attribute(check.key)}" '
        f'data-label="{_attribute(check.label)}"{optional}></span>'
    )


def checklist_bar(definition: Rollout | Checklist, title: str, releases: list[Release]) -> str:
    """The place where the site's checklist script puts its tool bar (release, progress,
    reset, copy as Markdown); empty, and so invisible, on the forge. It carries the
    recorded releases, oldest first, so the page shows their ticks as recorded."""
    sections = json.dumps([[s.id, s.title] for s in check_sections(definition)])
    records = [
        {
            "release": r.version,
            "started": r.started_when,
            "open": r.progress.open_required,
            "ticks": {
                key: tick_note(t.by, t.when, t.evidence, t.waived)
                for key, t in sorted(r.ticks.items())
            },
        }
        for r in sorted(releases, key=lambda r: (r.started, r.version))
    ]
    kind = "deployment" if isinstance(definition, Rollout) or releases else "readiness"
    return (
        f'<div class="opsbook-checklist" data-checklist="{_attribute(definition.id)}" '
        f'data-kind="{kind}" data-title="{_attribute(title)}" '
        f'data-sections="{_attribute(sections)}" '
        f'data-records="{_attribute(json.dumps(records, ensure_ascii=False))}"></div>'
    )
