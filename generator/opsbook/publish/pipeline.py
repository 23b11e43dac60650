"""The one way from a handbook's definitions to its docs tree: validate, render, navigation,
tree. `opsbook generate`, `build` and `init`, `opsbook serve`'s watcher, the mkdocs plugin
and the golden files all call `run`, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsbook.check.validate import Validation
from opsbook.core import collector
from opsbook.publish.handbook import Handbook

if TYPE_CHECKING:
    from opsbook.check.validate import Validator
    from opsbook.publish.write import Plan
    from opsbook.render.incremental import Renderer


@dataclass(frozen=True)
class Output:
    """What the definitions make: the validation, and when it found no errors, the pages
    (paths inside the docs folder), the navigation and the whole docs tree (paths from the
    handbook's root)."""

    validation: Validation
    pages: dict[str, str] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the definitions made a tree (no errors)."""
        return not self.validation.errors and self.validation.catalog is not None


def run(
    handbook: Handbook,
    *,
    validator: Validator | None = None,
    renderer: Renderer | None = None,
    slugify: Callable[[str, str], str] | None = None,
    report: Callable[[Validation], None] | None = None,
) -> Output:
    """Validate the handbook and, without errors, render its pages, navigation and tree.

    `validator` and `renderer` (kept by `serve`) redo only what changed since their last
    run; `slugify` is the site's own heading anchors, when mkdocs configures one; `report`
    is given the validation before anything is rendered (so its problems are said even
    when a template then fails). What was loaded is kept out of the garbage collector's
    sight until `collector.release()`.
    """
    with collector.settling():
        validation = handbook.validate(validator)
    if report is not None:
        report(validation)
    if validation.errors or validation.catalog is None:
        return Output(validation)
    pages = handbook.render(validation, slugify, renderer)
    nav = handbook.navigation(validation.catalog, pages)
    return Output(validation, pages, nav, handbook.tree(validation.catalog, pages, nav))


def plan(handbook: Handbook, output: Output, written: dict[str, str] | None = None) -> Plan:
    """What writing `output`'s tree into the handbook would change: compared with the files on disk,
    or, when this process wrote the tree before (`written`), with what it wrote."""
    from opsbook.publish.write import plan_changes, plan_pages

    if written:
        return plan_changes(written, output.files, handbook.root, handbook.areas)
    return plan_pages(output.files, handbook.root, handbook.areas)
