"""Render again only what an edit can change, for a long-running `opsbook serve`.

After an edit, the pages rendered again are those of the definitions whose text or place
changed, of the definitions that refer to them or that they refer to (the references the
rules check), and the pages about many definitions (home, indexes, flags, policy). An edit
to a service, team, severity or escalation policy, to a template or to a setting renders
every page: those reach most of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from opsbook.check.changes import SHARED, FingerprintCache, Key, changed, neighbours
from opsbook.load.files import SourceFile
from opsbook.model import Catalog
from opsbook.releases.records import Release
from opsbook.render.fragments import Fragments
from opsbook.render.links import subject
from opsbook.render.options import RenderOptions
from opsbook.render.pages import SOURCES, environment, page_jobs, render_jobs, source_root


class Renderer:
    """Renders a handbook's pages, keeping them for the next call, which renders again
    only the pages whose definitions (or their neighbours) changed. `fingerprints` may be
    shared with the `Validator` of the same handbook."""

    def __init__(self, fingerprints: FingerprintCache | None = None) -> None:
        self.pages: dict[str, str] = {}
        self.rendered = 0  # how many pages the last call rendered
        self._setup: object = None
        self._env: jinja2.Environment | None = None
        self._fragments = Fragments()
        self._fingerprints = fingerprints or FingerprintCache()
        self._prints: dict[Key, object] = {}
        self._refs: dict[Key, frozenset[Key]] = {}

    def render(
        self,
        catalog: Catalog,
        files: Sequence[SourceFile],
        options: RenderOptions,
        releases: Sequence[Release] = (),
    ) -> dict[str, str]:
        """Every page, as `render_handbook` renders them. `files` are the loaded files the
        catalog was built from."""
        prints, refs = self._fingerprints.of(files)
        for release in releases:
            key = ("releases", release.source.path)
            prints[key] = repr(
                (release.source, release.started, release.started_by, sorted(release.ticks.items()))
            )
            refs[key] = frozenset({subject(release.definition)})
        jobs = page_jobs(catalog, options.layout, releases, source_root(options))
        for job in jobs:
            if job.subject is not None and job.subject[0] == SOURCES:
                # A file's page shows its text: rendered again when the file changed.
                stat = (options.root / job.subject[1]).stat()
                prints[job.subject] = (stat.st_mtime_ns, stat.st_size)
                refs[job.subject] = frozenset()
        setup = _setup(options)
        affected: set[Key] | None = None
        if setup != self._setup or self._env is None:
            self._fragments = Fragments()
            self._env, self._setup = environment(options, self._fragments), setup
        else:
            affected = self._affected(prints, refs)
        chosen = [
            job
            for job in jobs
            if affected is None
            or job.subject is None
            or job.subject in affected
            or job.page not in self.pages
        ]
        self._fragments.start(affected)
        rendered = render_jobs(chosen, catalog, options, self._env)
        self._fragments.finish()
        self.rendered = len(rendered)
        self.pages = {
            job.page: rendered[job.page] if job.page in rendered else self.pages[job.page]
            for job in jobs
        }
        self._prints, self._refs = prints, refs
        return self.pages

    def _affected(
        self, prints: dict[Key, object], refs: dict[Key, frozenset[Key]]
    ) -> set[Key] | None:
        """The definitions whose pages (and parts of pages) may have changed since the last
        render: None for all of them."""
        edited = changed(self._prints, prints)
        if any(section in SHARED for section, _ in edited):
            return None
        return neighbours(edited, refs, self._refs)


def _setup(options: RenderOptions) -> object:
    """What, besides the definitions, every page depends on: when it changes, all pages
    are rendered again (with a new environment, so edited templates are read again)."""
    templates: tuple[tuple[str, int, int], ...] = ()
    if options.templates is not None and options.templates.is_dir():
        templates = tuple(
            (p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(Path(options.templates).rglob("*"))
            if p.is_file()
        )
    slugs = options.slugify("Ab C-d_é 1.2", "-")
    return (
        options.root,
        options.layout,
        options.source_url,
        options.prometheus_url,
        options.today,
        slugs,
        templates,
    )
