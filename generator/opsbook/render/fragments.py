"""Parts of the pages about many definitions kept between renders, so that an edit
renders again only the parts it reaches."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

import jinja2

from opsbook.render.links import subject


class Fragments:
    """Parts of the pages about many definitions (home, indexes, flags, policy) that a
    `Renderer` keeps between renders. In a template,

        {% call memo("row", alert) %}...{% endcall %}

    marks a part that shows only that definition and the ones linked with it (by a
    reference, either way, or of a kind every page shows): it is rendered again only when
    one of them changed. Without a `Renderer`, every part is rendered.
    """

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str, tuple[str, str]], str] = {}
        self.changed: Container[tuple[str, str]] | None = None  # None: nothing kept holds
        self.keep = False
        self._used: dict[tuple[str, str, tuple[str, str]], str] = {}

    @jinja2.pass_context
    def memo(
        self, context: jinja2.runtime.Context, name: str, definition: object, caller: Any
    ) -> str:
        """The part `caller` renders, or the same part from the last render."""
        if not self.keep:
            return str(caller())
        key = (str(context["page"]), name, subject(definition))
        text = None if self.changed is None or key[2] in self.changed else self.kept.get(key)
        if text is None:
            text = str(caller())
        self._used[key] = text
        return text

    def start(self, changed: Container[tuple[str, str]] | None) -> None:
        """Begin a render in which the parts of `changed` definitions (all, for None) are
        rendered again."""
        self.keep, self.changed, self._used = True, changed, {}

    def finish(self) -> None:
        """Keep the parts of the render just done (only those)."""
        self.kept, self._used = self._used, {}
