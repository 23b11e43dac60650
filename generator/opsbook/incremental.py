"""Render again only what an edit can change, for a long-running `opsbook serve`.

After an edit, the pages rendered again are those of the definitions whose text or place
changed, of the definitions that refer to them or that they refer to (the references the
rules check), and the pages about many definitions (home, indexes, flags, policy). An edit
to a service, team, severity or escalation policy, to a template or to a setting renders
every page: those reach most of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from opsbook.catalog import plain
from opsbook.loader import SourceFile
from opsbook.model import Catalog
from opsbook.releases import Release
from opsbook.render import Job, RenderOptions, environment, page_jobs, render_jobs, subject_of
from opsbook.rules import KINDS, REFERENCES, definitions, walk

Key = tuple[str, str]
"""A definition as (section, lower-cased id); a release record as ("releases", path)."""

_SHARED = frozenset({"services", "teams", "severities", "escalations"})
"""Sections whose definitions most pages show: a change to one renders everything."""


@dataclass(frozen=True)
class _FileFacts:
    """Each definition of one loaded file: what it says and where, and what it refers to."""

    source: SourceFile
    prints: dict[Key, object]
    refs: dict[Key, frozenset[Key]]


class Renderer:
    """Renders a handbook's pages, keeping them for the next call, which renders again
    only the pages whose definitions (or their neighbours) changed."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.rendered = 0  # how many pages the last call rendered
        self._setup: object = None
        self._env: jinja2.Environment | None = None
        self._files: dict[str, _FileFacts] = {}
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
        facts = [self._facts(source) for source in files]
        self._files = {f.source.path: f for f in facts}
        prints = {key: value for f in facts for key, value in f.prints.items()}
        refs = {key: value for f in facts for key, value in f.refs.items()}
        for release in releases:
            key = ("releases", release.source.path)
            prints[key] = repr(
                (release.source, release.started, release.started_by, sorted(release.ticks.items()))
            )
            refs[key] = frozenset({subject_of(release.definition)})
        jobs = page_jobs(catalog, options.layout, releases)
        setup = _setup(options)
        if setup != self._setup or self._env is None:
            self._env, self._setup = environment(options), setup
            chosen = jobs
        else:
            chosen = self._affected(jobs, prints, refs)
        rendered = render_jobs(chosen, catalog, options, self._env)
        self.rendered = len(rendered)
        self.pages = {
            job.page: rendered[job.page] if job.page in rendered else self.pages[job.page]
            for job in jobs
        }
        self._prints, self._refs = prints, refs
        return self.pages

    def _affected(
        self, jobs: list[Job], prints: dict[Key, object], refs: dict[Key, frozenset[Key]]
    ) -> list[Job]:
        changed = {
            key
            for key in prints.keys() | self._prints.keys()
            if prints.get(key) != self._prints.get(key)
        }
        if any(section in _SHARED for section, _ in changed):
            return jobs
        affected = set(changed)
        for key in changed:
            affected.update(refs.get(key, ()), self._refs.get(key, ()))
        affected.update(key for key, targets in refs.items() if not targets.isdisjoint(changed))
        return [
            job
            for job in jobs
            if job.subject is None or job.subject in affected or job.page not in self.pages
        ]

    def _facts(self, source: SourceFile) -> _FileFacts:
        kept = self._files.get(source.path)
        if kept is not None and kept.source is source:
            return kept  # the validator kept the file: its bytes did not change
        file_service = source.data.get("service")
        prints: dict[Key, object] = {}
        refs: dict[Key, frozenset[Key]] = {}
        for section in KINDS:
            for node, _ in definitions(source, section):
                key = (section, node["id"].lower())
                prints[key] = (source.path, node.mark[0], file_service, repr(plain(node)))
                targets = {
                    (target, value.lower())
                    for path, target in REFERENCES.get(section, ())
                    for value, _ in walk(node, path)
                    if isinstance(value, str)
                }
                if "service" not in node and isinstance(file_service, str):
                    targets.add(("services", file_service.lower()))
                refs[key] = frozenset(targets)
        return _FileFacts(source, prints, refs)


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
    return (options.root, options.layout, options.source_url, options.today, slugs, templates)
