"""Readiness checklists from their definitions."""

from __future__ import annotations

from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import Checklist, ChecklistSection
from opsbook.model.build.resolve import Built
from opsbook.model.build.values import items_of, slug, source_of, unique_ids


def checklist(built: Built, f: SourceFile, node: YMap) -> Checklist:
    service_id = node.get("service", f.data.get("service"))
    raw_sections = node["sections"]
    section_ids = unique_ids([s.get("id") or slug(s["title"]) for s in raw_sections])
    sections = tuple(
        ChecklistSection(sid, s["title"], items_of(s["items"]), s.get("when"))
        for sid, s in zip(section_ids, raw_sections, strict=True)
    )
    return Checklist(
        id=node["id"],
        title=node["title"],
        sections=sections,
        source=source_of(f, node),
        kind=node.get("kind", "readiness"),
        service=built.services[service_id.lower()] if service_id else None,
        owner=node.get("owner"),
        summary=node.get("summary"),
        reviewed=node.get("reviewed"),
        review_by=node.get("review_by"),
    )
