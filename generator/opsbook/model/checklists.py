"""Readiness checklists: sections of items."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.model.common import CheckItem, Source
from opsbook.model.services import Service


@dataclass(frozen=True, eq=False)
class ChecklistSection:
    """A titled section of a readiness checklist."""

    id: str
    title: str
    items: tuple[CheckItem, ...]
    when: str | None = None


@dataclass(frozen=True, eq=False)
class Checklist:
    """A standalone readiness checklist: sections of items, owner, evidence."""

    id: str
    title: str
    sections: tuple[ChecklistSection, ...]
    source: Source
    kind: str = "readiness"
    service: Service | None = None
    owner: str | None = None
    summary: str | None = None
    reviewed: str | None = None
    review_by: str | None = None
