"""A handbook: its root folder (where mkdocs.yml is) and the opsbook settings in it, read
once into one object, and the steps from definitions to pages (`pipeline.py` runs them
for every entry point)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsbook.check.validate import Validation
from opsbook.core import defaults
from opsbook.core.diagnostics import UsageError
from opsbook.load.options import check_options
from opsbook.load.settings import Settings, docs_dir, plugin_config, settings_from_options
from opsbook.model.layout import Layout
from opsbook.publish import tree
from opsbook.publish.sources import Sources
from opsbook.publish.write import Areas
from opsbook.render.options import RenderOptions
from opsbook.render.pages import render_handbook

if TYPE_CHECKING:
    from opsbook.check.validate import Validator
    from opsbook.model import Catalog
    from opsbook.render.incremental import Renderer


@dataclass(frozen=True)
class Handbook:
    """Where a handbook's definitions, templates and pages are (the pages' paths, `layout`,
    are paths of the site: the generated folders at the root, the home page and the assets
    in the docs folder, `docs`: mkdocs' `docs_dir`), and how its definitions are checked
    (`settings`: rule levels, strictness, today)."""

    root: Path
    definitions: str = defaults.DEFAULT_DEFINITIONS_DIR
    docs: str = defaults.DOCS_DIR
    layout: Layout = field(default_factory=Layout)
    templates: str = defaults.TEMPLATES_DIR
    source_url: str | None = None
    prometheus_url: str | None = None
    offline: bool = True
    nav_limit: int = defaults.NAV_LIMIT
    settings: Settings = field(default_factory=Settings)

    @property
    def definitions_path(self) -> str:
        """The definitions folder, relative to the working directory when it is inside it,
        so diagnostics read as the user would type the path."""
        path = self.root / self.definitions
        try:
            return os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return str(path)

    @property
    def sources(self) -> Sources:
        """Where the site's pages are kept: the docs folder and the generated folders."""
        return Sources(self.docs, self.layout.folders)

    @property
    def areas(self) -> Areas:
        """What `opsbook generate` owns in the handbook: the generated folders and files."""
        layout = self.layout
        return Areas(
            folders=(layout.runbooks, layout.checklists, f"{self.docs}/{defaults.ASSETS_DIR}"),
            files=(f"{self.docs}/{layout.home()}", defaults.ENGINE_CONFIG, tree.THEME_FILE),
            retired=(f"{self.docs}/{layout.runbooks}", f"{self.docs}/{layout.checklists}"),
        )

    def navigation(self, catalog: Catalog, pages: dict[str, str]) -> list[Any]:
        """The navigation of the generated pages, then the hand-written ones."""
        others = tree.hand_written(self.sources.files(self.root, clashes=False), pages)
        return tree.navigation(catalog, self.layout, others, self.nav_limit)

    def tree(
        self, catalog: Catalog, pages: dict[str, str], nav: list[Any] | None = None
    ) -> dict[str, str]:
        """The whole docs tree, by path from the root: the generated folders' pages, the
        home page and the assets in the docs folder, the engine config (with the
        navigation) and its theme beside mkdocs.yml."""
        sources = self.sources
        files = {sources.file_of(page): text for page, text in pages.items()}
        files.update({sources.file_of(path): text for path, text in tree.assets().items()})
        files.update(tree.beside_config(nav or self.navigation(catalog, pages)))
        return files

    @property
    def releases_root(self) -> Path:
        """The folder of release state files (in the generated checklists folder)."""
        return self.root / self.layout.releases

    @property
    def releases_path(self) -> str:
        """The folder of release state files, as a path from the working directory."""
        path = self.releases_root
        try:
            return os.path.relpath(path)
        except ValueError:  # another drive on Windows
            return str(path)

    def validate(self, validator: Validator | None = None) -> Validation:
        """Validate the definitions and the release records (with `validator`, re-checking
        only what changed since its last run)."""
        from opsbook.check.validate import Validator

        validator = validator or Validator(keep=False)
        return validator.validate([self.definitions_path], self.settings, [self.releases_path])

    def render(
        self,
        validation: Validation,
        slugify: Callable[[str, str], str] | None = None,
        renderer: Renderer | None = None,
    ) -> dict[str, str]:
        """Every page, from a validation without errors (with `renderer`, rendering again
        only the pages that changed since its last call)."""
        if validation.catalog is None:
            raise ValueError("render needs a catalog: validation found errors")
        options = RenderOptions(
            root=self.root,
            layout=self.layout,
            templates=self.root / self.templates,
            source_url=self.source_url,
            prometheus_url=self.prometheus_url,
            today=self.settings.today,
            **({"slugify": slugify} if slugify else {}),
        )
        if renderer is None:
            return render_handbook(validation.catalog, options, validation.releases)
        return renderer.render(validation.catalog, validation.files, options, validation.releases)


def handbook_from_options(
    root: Path,
    options: dict[str, Any],
    source: str,
    docs: str = defaults.DOCS_DIR,
    *,
    strict: bool = False,
    today: str | None = None,
) -> Handbook:
    """A Handbook from the options of the `opsbook` plugin (already type-checked) and the
    docs folder of its mkdocs.yml; `strict` and `today` from the command line, on top."""
    runbooks = str(options.get("runbooks", defaults.RUNBOOKS_DIR)).strip("/")
    checklists = str(options.get("checklists", defaults.CHECKLISTS_DIR)).strip("/")
    for name, folder in (("runbooks", runbooks), ("checklists", checklists)):
        if not folder or "/" in folder or folder in (".", ".."):
            raise UsageError(f"{source}: opsbook `{name}` must be one folder name, not {folder!r}")
    if runbooks == checklists:
        raise UsageError(f"{source}: opsbook `runbooks` and `checklists` must differ")
    definitions = str(options.get("definitions", defaults.DEFAULT_DEFINITIONS_DIR))
    templates = str(options.get("templates", defaults.TEMPLATES_DIR))
    taken = {docs: "the docs folder", definitions: "`definitions`", templates: "`templates`"}
    taken[tree.THEME_DIR] = "the theme folder"
    for name, folder in (("runbooks", runbooks), ("checklists", checklists)):
        if folder in taken:
            raise UsageError(
                f"{source}: opsbook `{name}` is {folder!r}, already {taken[folder]}; the "
                "generated pages need a folder of their own beside mkdocs.yml"
            )
    return Handbook(
        root=root,
        definitions=definitions,
        docs=docs,
        layout=Layout(runbooks, checklists),
        templates=templates,
        source_url=options.get("source_url"),
        prometheus_url=options.get("prometheus_url"),
        offline=bool(options.get("offline", True)),
        nav_limit=int(options.get("nav_limit", defaults.NAV_LIMIT)),
        settings=settings_from_options(options, source, strict=strict, today=today),
    )


def load_handbook(config_file: Path, *, strict: bool = False, today: str | None = None) -> Handbook:
    """The handbook configured by `config_file` (mkdocs.yml; defaults when it is absent),
    with the command line's `--strict` and `--today` on top of its settings."""
    options = check_options(plugin_config(config_file), str(config_file))
    root = config_file.resolve().parent if config_file.is_file() else Path.cwd()
    return handbook_from_options(
        root, options, str(config_file), docs_dir(config_file), strict=strict, today=today
    )
