"""How pages are rendered and linked: one object, made once per handbook."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.model.layout import Layout

_NOT_IN_SLUG = re.compile(r"[^\w\s-]")


def _default_slugify(text: str, separator: str) -> str:
    """The anchor Python-Markdown's `toc` extension gives a heading by default (accents
    folded to ASCII, punctuation dropped, lower case, runs of spaces and separators made one
    separator), without importing Markdown into a command that never renders HTML."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_IN_SLUG.sub("", folded).strip().lower()
    return re.sub(f"[{re.escape(separator)}\\s]+", separator, words)


@dataclass(frozen=True)
class RenderOptions:
    """How pages are rendered and linked.

    `root` is the handbook root (the folder of mkdocs.yml): source links are relative to
    it, or made absolute with `source_url` (such as `https://git.example/ops/blob/main/`).
    `slugify` must be the one the site's `toc` extension uses, so anchors resolve. `today`
    decides which flags are shown as expired.
    """

    root: Path = field(default_factory=Path.cwd)
    layout: Layout = field(default_factory=Layout)
    templates: Path | None = None
    source_url: str | None = None
    prometheus_url: str | None = None
    slugify: Callable[[str, str], str] = _default_slugify
    today: str = field(default_factory=lambda: datetime.date.today().isoformat())
