"""The plain values of a definition as model values: ids, links, conditions, checklist
items, annotations; nothing here looks up another definition."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from opsbook.core import defaults
from opsbook.load.files import SourceFile
from opsbook.load.nodes import YMap
from opsbook.model import CheckItem, Condition, Link, Monitoring, Source, gotemplate


def slug(text: str, limit: int = 60) -> str:
    """A stable id from text: lower case, accents dropped (`Über` → `uber`), runs of other
    characters as `-`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
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


def plain(value: Any) -> Any:
    """Drop position bookkeeping: YMap/YList become dict/list, recursively."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def patch(obj: object, name: str, value: Any) -> None:
    """Set a field of a frozen model object while the builder closes a reference cycle."""
    object.__setattr__(obj, name, value)


def source_of(f: SourceFile, node: YMap) -> Source:
    return Source(f.path, node.mark[0])


def readable(text: str | None) -> str | None:
    return gotemplate.readable(text) if text else text


def annotations_of(node: YMap) -> tuple[tuple[str, str], ...]:
    """A rule's annotations: as given, and the `summary` and `description` fields where
    those do not hold them; a field that is still a placeholder never reaches a rule."""
    given = dict(node.get("annotations", {}))
    for key in ("summary", "description"):
        text = node.get(key)
        if key not in given and text and not defaults.PLACEHOLDER.search(text):
            given[key] = text
    return tuple(sorted(given.items()))


def link_of(raw: YMap) -> Link:
    return Link(gotemplate.readable(raw["title"]), gotemplate.readable(raw["url"]), raw.get("kind"))


def condition_of(raw: YMap) -> Condition:
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


def monitoring_of(raw: YMap | None) -> Monitoring | None:
    if raw is None:
        return None
    return Monitoring(raw.get("cadence"), raw.get("duration"), tuple(raw.get("watch", ())))


def items_of(raw: Any) -> tuple[CheckItem, ...]:
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
