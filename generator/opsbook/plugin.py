"""The mkdocs adapter: `plugins: [opsbook]` validates, generates and adds the pages.

It only translates between mkdocs and the library: validation, rendering and writing are
the same functions the CLI calls.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from opsbook.diagnostics import OpsbookError
from opsbook.options import OPTIONS

log = logging.getLogger("mkdocs.plugins.opsbook")

MERMAID = "assets/opsbook/mermaid.min.js"
"""Where the vendored Mermaid is published: the site loads nothing from the network."""

CHECKLIST_JS = "assets/opsbook/checklist.js"
CHECKLIST_CSS = "assets/opsbook/checklist.css"
"""The script that keeps checklist ticks in the browser, and its styles."""

_ASSETS = {MERMAID: "mermaid.min.js", CHECKLIST_JS: "checklist.js", CHECKLIST_CSS: "checklist.css"}

_EXTENSIONS: dict[str, dict[str, Any]] = {
    "tables": {},
    "toc": {"permalink": True},
    "admonition": {},
    "pymdownx.escapeall": {},
    "pymdownx.tasklist": {"custom_checkbox": True},
    "pymdownx.superfences": {},
    "pymdownx.highlight": {},
}
"""Markdown extensions the generated pages rely on; added when a site lacks them."""


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
    write = _declared("write")
    offline = _declared("offline")
    rules = _declared("rules")
    today = _declared("today")
    nav_limit = _declared("nav_limit")


class OpsbookPlugin(BasePlugin[OpsbookConfig]):  # type: ignore[no-untyped-call]
    """Validates the definitions, writes the generated Markdown, and serves it to mkdocs."""

    def __init__(self) -> None:
        self.prepared: Any = None  # (Validation, Settings) handed over by `opsbook build`
        self.generated: set[str] = set()
        self.validator: Any = None  # kept across the rebuilds of `serve` (see on_startup)
        self.renderer: Any = None
        self.written: dict[str, str] = {}  # the pages as this process last wrote them
        self.pending: Any = None  # (Plan, pages) to write once the build has succeeded
        self.defer_write = False  # `opsbook build` writes them itself, before its swap

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Having this hook makes mkdocs keep the plugin across the rebuilds of `serve`,
        so each rebuild re-checks and re-renders only what an edit changed."""
        from opsbook.changes import FingerprintCache
        from opsbook.incremental import Renderer
        from opsbook.validate import Validator

        if command == "serve":
            fingerprints = FingerprintCache()  # one per edited file, for both
            self.validator = Validator(fingerprints=fingerprints)
            self.renderer = Renderer(fingerprints)

    @event_priority(100)  # before the search plugin, which reads the theme
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        with _as_plugin_error():
            return self._configure(config)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        with _as_plugin_error():
            return self._add_pages(files, config)

    def _configure(self, config: MkDocsConfig) -> MkDocsConfig:
        from opsbook.handbook import handbook_from_options
        from opsbook.settings import settings_from_options

        config_file = Path(config.config_file_path)
        _use_material(config, config_file)
        self.handbook = handbook_from_options(
            config_file.parent, dict(self.config), str(config_file)
        )
        # mkdocs has read the options already; no second reading of mkdocs.yml.
        self.settings = settings_from_options(
            dict(self.config), str(config_file), today=self.config.today
        )
        for name, options in _EXTENSIONS.items():
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                config.mdx_configs.setdefault(name, dict(options))
        fences = config.mdx_configs.setdefault("pymdownx.superfences", {})
        custom = fences.setdefault("custom_fences", [])
        if not any(fence.get("name") == "mermaid" for fence in custom):
            from pymdownx.superfences import fence_code_format  # type: ignore[import-untyped]

            custom.append({"name": "mermaid", "class": "mermaid", "format": fence_code_format})
        for script in (MERMAID, CHECKLIST_JS):
            if script not in [str(s) for s in config.extra_javascript]:
                config.extra_javascript.append(script)
        if CHECKLIST_CSS not in config.extra_css:
            config.extra_css.append(CHECKLIST_CSS)
        if self.handbook.offline and config.theme.name == "material":
            config.theme["font"] = False  # web fonts would load from Google
        return config

    def _add_pages(self, files: Files, config: MkDocsConfig) -> Files:
        from opsbook import collector
        from opsbook.generate import plan_changes, plan_pages

        start = time.perf_counter()
        if self.prepared is not None:
            validation, self.settings = self.prepared
            self.prepared = None
        else:
            # The catalog lives to the end of the build (see on_post_build); mkdocs then
            # makes much else, which collections need not walk the catalog for.
            with collector.settling():
                validation = self.handbook.validate(self.settings, self.validator)
            for diagnostic in validation.diagnostics:
                (log.error if diagnostic.level == "error" else log.warning)(diagnostic.format())
        if validation.errors:
            raise PluginError(f"opsbook: {validation.errors} error(s) in the definitions")
        slugify = config.mdx_configs.get("toc", {}).get("slugify")
        pages = self.handbook.render(validation, self.settings, slugify, self.renderer)
        if self.config.write:
            # Planned now (a hand-written file in the way fails the build at once), written
            # only once the build has succeeded: a failed build leaves the Markdown as it was.
            root, layout = self.handbook.root, self.handbook.layout
            plan = (
                plan_changes(self.written, pages, root, layout)
                if self.written
                else plan_pages(pages, root, layout)
            )
            self.pending = (plan, pages)
        if self.renderer is not None and self.renderer.rendered < len(pages):
            log.info(
                "opsbook: %d of %d pages rendered again in %.2f s",
                self.renderer.rendered,
                len(pages),
                time.perf_counter() - start,
            )
        self.generated = set()
        present = files.src_uris
        for page, text in pages.items():
            existing = present.get(page)
            if page == self.handbook.layout.home() and existing is not None:
                raise OpsbookError(
                    f"{config.docs_dir}/{page} is hand-written where the generated home page "
                    "(services, paging alerts, kill switches) belongs; move it to another "
                    "name, such as about.md, and link it from the navigation"
                )
            if existing is not None:
                files.remove(existing)
            files.append(File.generated(config, page, content=text))
            self.generated.add(page)
        for source in validation.files:
            self._add_static(files, config, Path(source.path))
        for release in validation.releases:
            self._add_static(files, config, Path(release.source.path))
        for published, name in _ASSETS.items():
            asset = resources.files("opsbook") / "assets" / name
            files.append(File.generated(config, published, abs_src_path=str(asset)))
        if config.nav is None:
            config.nav = _navigation(
                validation.catalog,
                self.handbook.layout,
                files,
                self.generated,
                self.config.nav_limit,
            )
        return files

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """Titles enter the theme as HTML-escaped text; material prints them into <title>
        through `striptags`, which unescapes, so `&lt;/title&gt;&lt;script&gt;` in a name
        would become a script. Here `striptags` gives escaped text back, for every page
        and every template that uses it."""
        from markupsafe import Markup, escape

        def striptags(value: Any) -> Markup:
            return escape(Markup(str(value)).striptags())

        env.filters["striptags"] = striptags
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The build succeeded: write the Markdown (unless `opsbook build` writes it
        itself, before it swaps the site in). What `_add_pages` settled for the build
        becomes collectable again, so a process that builds many times (serve, or mkdocs
        used as a library) keeps no old catalogs."""
        from opsbook import collector

        collector.release()
        if not self.defer_write:
            with _as_plugin_error():
                self.write_pending()

    def write_pending(self) -> None:
        """Write the Markdown of the last build, all pages or none."""
        from opsbook.generate import apply_plan

        if self.pending is None:
            return
        plan, pages = self.pending
        self.pending = None
        apply_plan(plan, self.handbook.root)
        self.written = pages if self.renderer is not None else {}

    def on_build_error(self, *, error: Exception) -> None:
        """As after a build: nothing stays settled, and nothing is written, when a build
        fails."""
        from opsbook import collector

        collector.release()
        self.pending = None

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        from opsbook.escape import clean_html

        return clean_html(html) if page.file.src_uri in self.generated else html

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        server.watch(str(self.handbook.root / self.handbook.definitions))
        releases = self.handbook.root / self.handbook.layout.releases
        if releases.is_dir():
            server.watch(str(releases))  # a tick recorded from the command line
        templates = self.handbook.root / self.handbook.templates
        if templates.is_dir():
            server.watch(str(templates))
        return server

    def _add_static(self, files: Files, config: MkDocsConfig, path: Path) -> None:
        """Publish a definitions file, so a page's source link works on the site too."""
        try:
            relative = Path(os.path.abspath(path)).relative_to(self.handbook.root).as_posix()
        except ValueError:
            return
        if files.get_file_from_path(relative) is None:
            files.append(File.generated(config, relative, abs_src_path=os.path.abspath(path)))


def _use_material(config: MkDocsConfig, config_file: Path) -> None:
    """The pages are made for mkdocs-material, which loads nothing from the network when
    its fonts are off. Without `theme:` it is chosen; another theme is refused, since
    mkdocs' own themes load highlight.js and fonts from CDNs."""
    from opsbook.settings import theme_given

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


@contextlib.contextmanager
def _as_plugin_error() -> Iterator[None]:
    """opsbook's own errors (a template, a setting, a hand-written file in the way) as
    mkdocs reports plugin errors: a message, no traceback."""
    try:
        yield
    except OpsbookError as exc:
        raise PluginError(f"opsbook: {exc}") from exc


def _navigation(
    catalog: Any, layout: Any, files: Files, generated: set[str], limit: int
) -> list[Any]:
    """A sectioned navigation that lists services and checklists but not every alert; a
    section with more than `limit` entries lists only its index page. Every page carries
    the navigation, so its size must not grow with the handbook: at 200 services, listing
    them made each page of a 5,000-page site cost 1.5 times what it cost at 500 pages.

    Themes print navigation titles as HTML, so titles from definitions are escaped here.
    """
    from html import escape

    def section(index: str, entries: list[dict[str, str]]) -> list[Any]:
        return [index, *entries] if len(entries) <= limit else [index]

    nav: list[Any] = [{"Home": layout.home()}]
    services = [{escape(s.name): layout.service(s.id)} for s in catalog.services]
    nav.append({"Runbooks": section(layout.runbooks_index(), services)})
    nav.append({"Flags": layout.flags()})
    nav.append({"Incident policy": layout.policy()})
    checklists = [
        *({escape(r.name): layout.rollout(r.id)} for r in catalog.rollouts),
        *({escape(c.title): layout.checklist(c.id)} for c in catalog.checklists),
    ]
    nav.append({"Checklists": section(layout.checklists_index(), checklists)})
    hand_written = sorted(
        f.src_uri
        for f in files.documentation_pages()
        if f.src_uri not in generated and f.src_uri != layout.home()
    )
    nav.extend(hand_written)
    return nav
