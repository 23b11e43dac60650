"""Links between pages: where each definition's page is, the relative link from one page
to another, and the link from a page to the YAML it came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import jinja2

from opsbook import model
from opsbook.core import kinds
from opsbook.model import (
    Source,
)
from opsbook.model.layout import Layout
from opsbook.releases.records import Release
from opsbook.render import escape
from opsbook.render.options import RenderOptions

_KIND_OF: dict[type, kinds.Kind] = {
    getattr(model, kind.model or ""): kind for kind in kinds.MODELLED
}
"""Each model class and its kind (`kinds.KINDS`)."""


SECTIONS: dict[type, str] = {cls: kind.section for cls, kind in _KIND_OF.items()}


def subject(definition: object) -> tuple[str, str]:
    """A definition as (section, lower-cased id)."""
    return SECTIONS[type(definition)], str(getattr(definition, "id", "")).lower()


def page_of(layout: Layout, obj: object) -> str:
    """The page that shows `obj`, from its kind's `page` and `scope`."""
    if isinstance(obj, Release):
        return layout.release(obj.definition.id, obj.version)
    kind = _KIND_OF.get(type(obj))
    if kind is None or kind.page is None:
        raise TypeError(f"no page for {type(obj).__name__}")
    where, definition = getattr(layout, kind.page), cast(Any, obj)
    if kind.scope == "service":
        return str(where(definition.service.id, definition.id))
    if kind.scope == "own":
        return str(where(definition.id))
    return str(where())


def relative(page: str, start: str) -> str:
    """The link from page `start` to page `page`, both relative to the root (as
    `posixpath.relpath` from the folder of `start`, without asking for the working
    directory, which relpath does on each of the many thousand links of a large handbook)."""
    target = page.split("/")
    here = start.split("/")[:-1]
    common = 0
    for a, b in zip(target[:-1], here, strict=False):
        if a != b:
            break
        common += 1
    return "../" * (len(here) - common) + "/".join(target[common:])


class Links:
    """Relative links between pages, and links to the YAML a page came from."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self._root = options.root.resolve()
        self._anchors: dict[str, str] = {}
        self._sources: dict[str, str | None] = {}  # a definition file → its path from root

    def anchor(self, text: str) -> str:
        """The anchor the site gives a heading `text` (each text is slugified once)."""
        found = self._anchors.get(text)
        if found is None:
            found = self._anchors[text] = self.options.slugify(text, "-")
        return found

    @jinja2.pass_context
    def href(self, context: jinja2.runtime.Context, target: object, anchor: str = "") -> str:
        """A relative link from the page being rendered to `target` (a page path or a
        definition), optionally to an anchor on it."""
        page = target if isinstance(target, str) else page_of(self.options.layout, target)
        kind = _KIND_OF.get(type(target))
        if kind is not None and kind.scope == "" and not anchor:
            anchor = self.anchor(cast(Any, target).id)  # a heading on a page about many
        path = relative(page, context["page"])
        return f"{path}#{anchor}" if anchor else path

    @jinja2.pass_context
    def link(self, context: jinja2.runtime.Context, target: object, text: str = "") -> str:
        """A Markdown link to a definition's page, titled with its id (an alert: its name)
        unless told."""
        if text:
            label = text
        elif isinstance(target, model.Alert):
            label = target.name
        else:
            label = getattr(target, "id", "")
        return f"[{escape.inline(label)}]({self.href(context, target)})"

    @jinja2.pass_context
    def source(self, context: jinja2.runtime.Context, source: Source) -> str:
        """A Markdown link to the definition's file and line."""
        if source.path not in self._sources:
            full = Path(os.path.abspath(source.path))
            inside = full.is_relative_to(self._root)
            self._sources[source.path] = full.relative_to(self._root).as_posix() if inside else None
        path = self._sources[source.path]
        if path is None:
            return f"{escape.code(source.path)}, line {source.line}"
        # File names come from the repository too: quoted, so no character of theirs can
        # end the link's target or carry markup.
        if self.options.source_url:
            url = f"{self.options.source_url}{quote(path)}#L{source.line}"
        else:
            view = self.options.layout.source_file(path)
            url = f"{quote(relative(view, context['page']))}#L{source.line}"
        return f"[{escape.inline(path)}, line {source.line}]({url})"
