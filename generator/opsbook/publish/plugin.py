"""The mkdocs adapter: `plugins: [opsbook]` validates and writes the docs tree, and adds
the generated folders (`runbooks/`, `checklists/` beside mkdocs.yml) to mkdocs' files.

A convenience over `opsbook generate` (the same tree, any engine builds it): it only
translates between mkdocs and the library, whose functions the CLI calls too. It also adds
a second line of defence on generated pages (their HTML cleaned, titles kept escaped).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from opsbook.core.defaults import ASSETS_DIR
from opsbook.core.diagnostics import OpsbookError
from opsbook.load.options import OPTIONS
from opsbook.publish.tree import EXTENSIONS, SCRIPTS, STYLES

log = logging.getLogger("mkdocs.plugins.opsbook")


def _declared(name: str) -> Any:
    """The mkdocs config option for one entry of the options table."""
    option = OPTIONS[name]
    if option.optional:
        return c.Optional(c.Type(option.kind))
    return c.Type(option.kind, default=option.default)


class OpsbookConfig(base.Config):  # type: ignore[no-untyped-call]
    """The `opsbook` plugin's options (the CLI checks the same table, options.OPTIONS)."""

    definitions = _declared("definitions")
    runbooks = _declared("runbooks")
    checklists = _declared("checklists")
    templates = _declared("templates")
    source_url = _declared("source_url")
    prometheus_url = _declared("prometheus_url")
    offline = _declared("offline")
    rules = _declared("rules")
    today = _declared("today")
    strict = _declared("strict")
    nav_limit = _declared("nav_limit")


class OpsbookPlugin(BasePlugin[OpsbookConfig]):  # type: ignore[no-untyped-call]
    """Validates the definitions and writes the docs tree before mkdocs reads the docs
    folder: `mkdocs build` and `mkdocs serve` without a separate `opsbook generate`."""

    def __init__(self) -> None:
        self.prepared: Any = None  # (pages, nav) of a tree `opsbook build` has written
        self.staged = False  # whether the docs folder is `opsbook build`'s staged copy
        self.generated: set[str] = set()
        self.validator: Any = None  # kept across the rebuilds of `serve` (see on_startup)
        self.renderer: Any = None
        self.written: dict[str, str] = {}  # the tree as this process last wrote it
        self.undo: Any = None  # what the tree was before this build wrote it

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Having this hook makes mkdocs keep the plugin across the rebuilds of `serve`,
        so each rebuild re-checks and re-renders only what an edit changed."""
        from opsbook.check.changes import FingerprintCache
        from opsbook.check.validate import Validator
        from opsbook.render.incremental import Renderer

        if command == "serve":
            fingerprints = FingerprintCache()  # one per edited file, for both
            self.validator = Validator(fingerprints=fingerprints)
            self.renderer = Renderer(fingerprints)

    @event_priority(100)  # before the search plugin, which reads the theme
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        with _as_plugin_error():
            return self._configure(config)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        with _as_plugin_error():
            self._write_tree(config)

    def _configure(self, config: MkDocsConfig) -> MkDocsConfig:
        """Load the handbook; give a mkdocs.yml that does not inherit the engine config
        what the generated pages need (extensions, scripts, styles)."""
        from opsbook.publish.handbook import handbook_from_options

        config_file = Path(config.config_file_path)
        _use_material(config, config_file)
        _rank_search(config)
        docs = os.path.relpath(config.docs_dir, config_file.parent)
        # mkdocs has read the options already; no second reading of mkdocs.yml.
        self.handbook = handbook_from_options(
            config_file.parent, dict(self.config), str(config_file), Path(docs).as_posix()
        )
        for name, options in EXTENSIONS.items():
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                config.mdx_configs.setdefault(name, dict(options))
        fences = config.mdx_configs.setdefault("pymdownx.superfences", {})
        custom = fences.setdefault("custom_fences", [])
        if not any(fence.get("name") == "mermaid" for fence in custom):
            from pymdownx.superfences import fence_code_format  # type: ignore[import-untyped]

            custom.append({"name": "mermaid", "class": "mermaid", "format": fence_code_format})
        # A script of ours that this version no longer loads (the engine config written by
        # an earlier version, read before it is written again) goes.
        config.extra_javascript[:] = [
            s
            for s in config.extra_javascript
            if str(s) in SCRIPTS or not str(s).startswith(f"{ASSETS_DIR}/")
        ]
        for script in SCRIPTS:
            if script not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(script)
        for style in STYLES:
            if style not in config.extra_css:
                config.extra_css.append(style)
        if self.handbook.offline and config.theme.name == "material":
            config.theme["font"] = False  # web fonts would load from Google
        return config

    def _write_tree(self, config: MkDocsConfig) -> None:
        """Validate, render and write the docs tree (only what changed), unless `opsbook
        build` has done so; the navigation is the tree's unless mkdocs.yml has its own."""
        from opsbook.load.settings import config_document
        from opsbook.publish import pipeline
        from opsbook.publish.write import apply_plan, snapshot

        start = time.perf_counter()
        handbook = self.handbook
        if self.prepared is not None:
            pages, nav = self.prepared
            self.prepared = None
        else:
            # The catalog lives to the end of the build (see on_post_build); mkdocs then
            # makes much else, which collections need not walk the catalog for.
            slugify = config.mdx_configs.get("toc", {}).get("slugify")
            output = pipeline.run(
                handbook,
                validator=self.validator,
                renderer=self.renderer,
                slugify=slugify,
                report=_log_problems,
            )
            if not output.ok:
                errors = output.validation.errors
                raise PluginError(f"opsbook: {errors} error(s) in the definitions")
            pages, nav = output.pages, output.nav
            plan = pipeline.plan(handbook, output, self.written)
            self.undo = snapshot(plan, handbook.root)
            apply_plan(plan, handbook.root)
            self.written = output.files if self.renderer is not None else {}
        if self.renderer is not None and self.renderer.rendered < len(pages):
            log.info(
                "opsbook: %d of %d pages rendered again in %.2f s",
                self.renderer.rendered,
                len(pages),
                time.perf_counter() - start,
            )
        self.generated = set(pages)
        if config_document(Path(config.config_file_path)).get("nav") is None:
            config.nav = nav

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """The generated folders' files, published under their own names and in the order
        mkdocs gives the docs folder's (a build from `opsbook build`'s staged copy, which
        has them in its docs folder, makes the same site). That copy needs nothing."""
        from mkdocs.structure.files import File, set_exclusions

        if self.staged:
            return files
        root, sources = self.handbook.root, self.handbook.sources
        added = []
        with _as_plugin_error():
            for page, _ in sources.folder_files(root):
                if files.get_file_from_path(page) is not None:
                    raise sources.clash(root, page)
                added.append(File(page, str(root), config.site_dir, config.use_directory_urls))
        set_exclusions(added, config)
        return Files(sorted([*files, *added], key=lambda file: _walked(file.src_uri)))

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """Titles enter the theme as HTML-escaped text; material prints them into <title>
        through `striptags`, which unescapes, so `&lt;/title&gt;&lt;script&gt;` in a name
        would become a script. Here `striptags` gives escaped text back, for every page
        and every template that uses it (the engine config's theme does the same for
        <title> without the plugin)."""
        from markupsafe import Markup, escape

        def striptags(value: Any) -> Markup:
            return escape(Markup(str(value)).striptags())

        env.filters["striptags"] = striptags
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The build succeeded: the tree it wrote stays. What `_write_tree` settled for the
        build becomes collectable again, so a process that builds many times (serve, or
        mkdocs used as a library) keeps no old catalogs."""
        from opsbook.core import collector

        collector.release()
        self.undo = None

    def on_build_error(self, *, error: Exception) -> None:
        """The build failed: the docs tree goes back to what it was before it."""
        from opsbook.core import collector
        from opsbook.publish.write import restore

        collector.release()
        if self.undo is not None:
            restore(self.undo, self.handbook.root)
            self.undo = None
            self.written = {}

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        from opsbook.render.escape import clean_html

        return clean_html(html) if page.file.src_uri in self.generated else html

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.handbook.root / self.handbook.definitions))
        for folder in self.handbook.layout.folders:
            if (self.handbook.root / folder).is_dir():
                server.watch(str(self.handbook.root / folder))
        templates = self.handbook.root / self.handbook.templates
        if templates.is_dir():
            server.watch(str(templates))
        return server


def _walked(page: str) -> tuple[tuple[int, bool, str], ...]:
    """Where mkdocs' walk of a docs folder meets `page`: a folder's files (its index
    first) before its subfolders, names in order."""
    *folders, name = page.split("/")
    last = (0, os.path.splitext(name)[0] not in ("index", "README"), name)
    return (*((1, False, folder) for folder in folders), last)


def _log_problems(validation: Any) -> None:
    """The definitions' problems in mkdocs' log. A warning there is opsbook's to judge
    (its `strict` option makes it an error), not one of mkdocs' own: it is logged below
    the level mkdocs' strict mode counts, so `mkdocs build`, `opsbook build` and
    `opsbook serve` accept the same handbooks."""
    for diagnostic in validation.diagnostics:
        (log.error if diagnostic.level == "error" else log.info)(diagnostic.format())


def _use_material(config: MkDocsConfig, config_file: Path) -> None:
    """The pages are made for mkdocs-material, which loads nothing from the network when
    its fonts are off. Without `theme:` it is chosen; another theme is refused, since
    mkdocs' own themes load highlight.js and fonts from CDNs."""
    from opsbook.load.settings import theme_given

    if config.theme.name == "material":
        return
    if theme_given(config_file):
        raise OpsbookError(
            f"{config_file}: theme {config.theme.name!r} is not supported; the handbook "
            "is made for mkdocs-material (`theme: {name: material}`), which works offline"
        )
    from mkdocs.theme import Theme

    config.theme = Theme(name="material")
    # mkdocs chose its own search plugin for its own theme; with material it only has to
    # write the index, which material's search reads (as its own plugin's index).
    config.theme["search_index_only"] = True


def _rank_search(config: MkDocsConfig) -> None:
    """mkdocs-material's search weighs a title `SEARCH_TITLE_BOOST` times the text, unless
    mkdocs.yml says otherwise (the search plugin reads its fields after this)."""
    from opsbook.core.defaults import SEARCH_TITLE_BOOST
    from opsbook.publish.cache import search_plugin

    plugin = search_plugin(config)
    if plugin is not None:
        plugin.config.fields.setdefault("title", {"boost": SEARCH_TITLE_BOOST})


@contextlib.contextmanager
def _as_plugin_error() -> Iterator[None]:
    """opsbook's own errors (a template, a setting, a hand-written file in the way) as
    mkdocs reports plugin errors: a message, no traceback."""
    try:
        yield
    except OpsbookError as exc:
        raise PluginError(f"opsbook: {exc}") from exc
