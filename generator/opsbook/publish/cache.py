"""What a mkdocs build keeps for the next, so that `opsbook build` after a small edit
renders only the pages whose Markdown changed, and the site is still the bytes a clean
build writes.

A page's HTML depends on its own Markdown, on what every page shares (the configuration,
the theme and its overrides, the navigation, the set of files, the versions of everything
installed) and on the titles and metadata of the pages the navigation shows. So the record
kept in `.cache/opsbook/` beside mkdocs.yml holds a digest of the shared part, a digest of
each source, each page's title, metadata, anchors and links to other pages' anchors, and
the size and time of every file of the site that build wrote.

The next build reuses that site only when the shared digest and the set of sources are the
same and the site is exactly as it was left. It renders the pages whose source changed,
takes every other file from the previous site (hard links into the new folder, so the
previous site is never written to), puts the other pages' search entries back in their
place, and checks anchors across all pages as a clean build does. When a rendered page in
the navigation has a new title or metadata, every page shows it: it builds everything.
Plugins, extensions or themes it does not know may read more than a page's own source, so
with them every build is a clean one.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, event_priority

from opsbook.core import defaults

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation

log = logging.getLogger("mkdocs.plugins.opsbook")

RECORD_VERSION = 1
"""Raised whenever what the record holds changes meaning."""

_PLUGINS = ("material.plugins.search.plugin.SearchPlugin", "opsbook.publish.plugin.OpsbookPlugin")
"""The plugins whose output for a page depends only on that page (by their class)."""

_EXTENSION_PREFIXES = ("markdown.extensions.", "pymdownx.", "material.extensions.")
_BUILTIN_EXTENSIONS = {
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code",
    "footnotes", "legacy_attrs", "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists",
    "smarty", "tables", "toc", "wikilinks",
}  # fmt: skip
_INCLUDING_EXTENSIONS = {"pymdownx.snippets"}
"""Extensions that pull other files into a page: a page's digest would not see them."""

_DIRTY_WARNING = "A 'dirty' build is being performed"


@dataclass
class Record:
    """What one build leaves for the next (see the module's docstring)."""

    fingerprint: str
    sources: dict[str, str]
    pages: dict[str, dict[str, Any]]
    site: dict[str, list[int]] = field(default_factory=dict)


class _Redo(Exception):
    """The pages kept from the previous site would be wrong: build everything."""


def record_file(root: Path, target: Path) -> Path:
    """Where the record of the site built into `target` is kept."""
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:16]
    return root / defaults.CACHE_DIR / f"mkdocs-site-{key}.json"


def load(root: Path, target: Path) -> Record | None:
    """The record of the last build into `target`, if it is intact and the site is still
    exactly what that build wrote."""
    try:
        data = json.loads(record_file(root, target).read_text("utf-8"))
        if not _well_formed(data):
            return None
        record = Record(data["fingerprint"], data["sources"], data["pages"], data["site"])
    except (OSError, ValueError):
        return None
    return record if site_files(target) == record.site else None


def _well_formed(data: Any) -> bool:
    """Whether `data` is a record of this version, with every part of the right shape (a
    record is only ever a cache: anything else means a clean build)."""

    def table(value: Any, of: type) -> bool:
        return isinstance(value, dict) and all(isinstance(v, of) for v in value.values())

    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
        return False
    pages: Any = data.get("pages")
    return (
        isinstance(data.get("fingerprint"), str)
        and table(data.get("sources"), str)
        and table(data.get("site"), list)
        and table(pages, dict)
        and all(
            isinstance(page.get("title"), str)
            and isinstance(page.get("shown"), str)
            and isinstance(page.get("anchors"), list)
            and table(page.get("links"), dict)
            for page in pages.values()
        )
    )


def save(root: Path, target: Path, record: Record | None) -> None:
    """Keep `record` for the next build into `target` (its site as it is now); None forgets
    the previous one. A record that cannot be written is only a slower next build."""
    path = record_file(root, target)
    try:
        if record is None:
            path.unlink(missing_ok=True)
            return
        record.site = site_files(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": RECORD_VERSION, **record.__dict__}
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        os.replace(partial, path)
    except OSError as exc:
        log.debug("opsbook: the build record was not kept: %s", exc)
        path.unlink(missing_ok=True)


def site_files(site: Path) -> dict[str, list[int]]:
    """Every file of a site by its path, with its size and modification time."""
    found: dict[str, list[int]] = {}
    for path in _walk(site):
        stat = path.stat()
        found[path.relative_to(site).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return found


def digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` by its path, with a digest of its bytes."""
    found = {}
    for path in _walk(folder):
        found[path.relative_to(folder).as_posix()] = hashlib.blake2b(
            path.read_bytes(), digest_size=16
        ).hexdigest()
    return found


def _walk(folder: Path) -> Iterator[Path]:
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            yield Path(top, name)


def build(
    configured: Callable[[], MkDocsConfig], staging: Path, site: Path, previous: Record | None
) -> Record | None:
    """Build the site of `configured()` into the empty folder `staging`, reusing the pages
    of `site` that `previous` shows unchanged; returns the record for the next build (None
    when the next one cannot reuse this one)."""
    config = configured()
    fingerprint = _fingerprint(config)
    sources = digests(Path(config.docs_dir))
    if previous is not None and (
        fingerprint is None
        or previous.fingerprint != fingerprint
        or previous.sources.keys() != sources.keys()
    ):
        previous = None
    if previous is not None:
        changed = {path for path, digest in sources.items() if previous.sources[path] != digest}
        try:
            return _build(config, staging, site, fingerprint, sources, previous, changed)
        except _Redo as why:
            log.info("opsbook: building every page: %s", why)
            shutil.rmtree(staging)
            staging.mkdir()
            config = configured()
    return _build(config, staging, site, fingerprint, sources, None, set())


def _build(
    config: MkDocsConfig,
    staging: Path,
    site: Path,
    fingerprint: str | None,
    sources: dict[str, str],
    previous: Record | None,
    changed: set[str],
) -> Record | None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import Abort
    from mkdocs.utils import CountHandler

    keeper = _Keeper(site, previous, changed)
    config.plugins["opsbook/sitecache"] = keeper
    strict = config.strict
    counter = CountHandler()
    counter.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    quiet = _Without(_DIRTY_WARNING)
    logger.addHandler(counter)
    logging.getLogger("mkdocs.commands.build").addFilter(quiet)
    try:
        if previous is not None:
            config.strict = False  # mkdocs would count its own warning about dirty builds
        mkdocs_build(config, dirty=previous is not None)
    finally:
        logger.removeHandler(counter)
        logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
    counts = counter.get_counts()
    if counts and strict and previous is not None:
        said = ", ".join(f"{n} {level.lower()}s" for level, n in counts)
        raise Abort(f"Aborted with {said} in strict mode!")
    if previous is not None:
        _take_the_rest(site, staging)
        log.info(
            "opsbook: %d of %d pages rendered, the others kept from the previous site",
            keeper.rendered,
            len(keeper.pages),
        )
    if counts or fingerprint is None:
        return None  # a warning would not be said again for a kept page
    return Record(fingerprint, sources, keeper.pages)


def _take_the_rest(site: Path, staging: Path) -> None:
    """Every file of the previous site that this build did not write, by hard link."""
    for path in _walk(site):
        into = staging / path.relative_to(site)
        if into.exists():
            continue
        into.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, into)
        except OSError:  # another file system, or no hard links there
            shutil.copy2(path, into)


class _Without(logging.Filter):
    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.start)


class _NoOptions(Config):  # type: ignore[no-untyped-call]
    """The keeper has no options."""


class _Keeper(BasePlugin[_NoOptions]):  # type: ignore[no-untyped-call]
    """The plugin, added for one build, that marks what is rendered again, gives the kept
    pages what other pages and the checks read of them, and writes down every page."""

    def __init__(self, site: Path, previous: Record | None, changed: set[str]) -> None:
        super().__init__()
        self.site = site
        self.previous = previous
        self.changed = changed
        self.files: Files | None = None
        self.nav: Navigation | None = None
        self.pages: dict[str, dict[str, Any]] = {}
        self.rendered = 0
        self.search: dict[str, list[Any]] = {}

    def _kept(self, src_uri: str) -> bool:
        return self.previous is not None and src_uri not in self.changed

    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.files = files
        if self.previous is not None:
            for file in files:
                modified = file.src_uri in self.changed and file.generated_by is None
                file.is_modified = (lambda value: lambda: value)(modified)  # type: ignore[method-assign]
        return files

    @event_priority(-100)
    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """The kept pages get their title, metadata, anchors and links back; a page shown
        in the navigation with a new title or metadata makes every page change."""
        if self.previous is None:
            return env
        saved = self.previous.pages
        shown = {p.file.src_uri for p in self.nav.pages} if self.nav is not None else set()
        for file in files.documentation_pages():
            page = file.page
            assert page is not None
            before = saved.get(file.src_uri)
            if before is None:
                raise _Redo(f"{file.src_uri} was not built before")
            if not self._kept(file.src_uri):
                if file.src_uri in shown and _shown(page) != before["shown"]:
                    raise _Redo(f"the title or metadata of {file.src_uri} changed")
                continue
            page.read_source(config)
            page._title_from_render = before["title"]
            page.present_anchor_ids = set(before["anchors"])
            links = {}
            for uri, anchors in before["links"].items():
                target = files.get_file_from_path(uri)
                if target is None:
                    raise _Redo(f"{file.src_uri} links to {uri}, which is gone")
                links[target] = dict(anchors)
            page.links_to_anchors = links
        if search_plugin(config) is not None:
            try:
                index = json.loads((self.site / "search" / "search_index.json").read_bytes())
            except (OSError, ValueError) as exc:
                raise _Redo(f"the previous search index is unreadable: {exc}") from exc
            self.search = _by_page(index["docs"])
        return env

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        return nav

    @event_priority(100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Before the search plugin writes its index: the kept pages' entries go back in
        their place, in the order of the pages, as a clean build lists them."""
        assert self.files is not None
        entries: list[Any] = []
        plugin = search_plugin(config)
        fresh = _by_page(plugin.search_index.entries) if plugin is not None else {}
        for file in self.files.documentation_pages():
            page = file.page
            assert page is not None
            kept = self._kept(file.src_uri)
            self.rendered += not kept
            entries += (self.search if kept else fresh).get(page.url, [])
            self.pages[file.src_uri] = {
                "title": page.title,
                "shown": _shown(page),
                "anchors": sorted(page.present_anchor_ids or ()),
                "links": {
                    target.src_uri: anchors
                    for target, anchors in (page.links_to_anchors or {}).items()
                },
            }
        if plugin is not None:
            plugin.search_index.entries = entries


def _shown(page: Any) -> str:
    """What the navigation shows of a page, as text to compare."""
    return json.dumps([page.title, page.meta], sort_keys=True, default=str)


def _by_page(entries: list[Any]) -> dict[str, list[Any]]:
    pages: dict[str, list[Any]] = {}
    for entry in entries:
        pages.setdefault(str(entry["location"]).partition("#")[0], []).append(entry)
    return pages


def search_plugin(config: MkDocsConfig) -> Any:
    """mkdocs-material's search plugin, when it is on; else None."""
    for plugin in config.plugins.values():
        if _name(type(plugin)) == _PLUGINS[0] and plugin.config.enabled:
            return plugin
    return None


def _name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _fingerprint(config: MkDocsConfig) -> str | None:
    """A digest of everything every page depends on; None when something it cannot judge
    (a plugin, an extension, a theme, a value without a stable form) may read more."""
    names = set(config.markdown_extensions)
    if names & _INCLUDING_EXTENSIONS or any(
        name not in _BUILTIN_EXTENSIONS and not name.startswith(_EXTENSION_PREFIXES)
        for name in names
    ):
        return None
    if config.theme.name != "material":
        return None
    plugins = {}
    for name, plugin in config.plugins.items():
        if _name(type(plugin)) not in _PLUGINS:
            return None
        plugins[name] = dict(plugin.config)
    settings = {
        key: value
        for key, value in config.items()
        if key not in ("config_file_path", "docs_dir", "site_dir", "plugins", "theme")
    }
    theme = {key: value for key, value in config.theme.items() if key != "custom_dir"}
    custom = digests(Path(config.theme.dirs[0])) if config.theme.custom_dir else {}
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    # The plugin's code as well: in a checkout, opsbook's version says nothing of an edit.
    package = Path(__file__).resolve().parents[1]
    code = {
        path.relative_to(package).as_posix(): hashlib.blake2b(path.read_bytes()).hexdigest()
        for path in sorted(package.rglob("*.py"))
    }
    try:
        text = json.dumps(
            [sys.version, installed, code, settings, plugins, theme, custom],
            sort_keys=True,
            default=_stable,
        )
    except _Unstable:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


class _Unstable(Exception):
    pass


def _stable(value: Any) -> Any:
    """A form of `value` that is the same in every process, for the fingerprint."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if hasattr(value, "items"):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return list(value)
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    text = f"{type(value).__qualname__}:{value!r}"
    if " at 0x" in text:
        raise _Unstable(text)
    return text
