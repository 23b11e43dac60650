"""Where each page of the handbook lives: one function per kind of page."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.core import defaults


@dataclass(frozen=True)
class Layout:
    """The output folders, relative to the handbook root (the folder of mkdocs.yml).

    Page paths are Markdown paths such as `runbooks/shop/highlatency.md`; mkdocs publishes
    that one at the URL `runbooks/shop/highlatency/`. Ids are lower-cased in paths because
    they are unique regardless of case.
    """

    runbooks: str = defaults.RUNBOOKS_DIR
    checklists: str = defaults.CHECKLISTS_DIR

    @property
    def folders(self) -> tuple[str, str]:
        return (self.runbooks, self.checklists)

    def home(self) -> str:
        return "index.md"

    def runbooks_index(self) -> str:
        return f"{self.runbooks}/index.md"

    def service(self, service: str) -> str:
        return f"{self.runbooks}/{service.lower()}/index.md"

    def alert(self, service: str, alert: str) -> str:
        return f"{self.runbooks}/{service.lower()}/{alert.lower()}.md"

    def incident(self, service: str, incident: str) -> str:
        return f"{self.runbooks}/{service.lower()}/incidents/{incident.lower()}.md"

    def flags(self) -> str:
        return f"{self.runbooks}/flags.md"

    def policy(self) -> str:
        return f"{self.runbooks}/policy.md"

    def checklists_index(self) -> str:
        return f"{self.checklists}/index.md"

    def rollout(self, rollout: str) -> str:
        return f"{self.checklists}/{rollout.lower()}.md"

    def checklist(self, checklist: str) -> str:
        return f"{self.checklists}/{checklist.lower()}.md"

    @property
    def releases(self) -> str:
        """The folder of release state files and of their rendered records."""
        return f"{self.checklists}/{defaults.RELEASES_DIR}"

    def release(self, checklist: str, version: str) -> str:
        return f"{self.releases}/{checklist.lower()}/{version}.md"

    @property
    def sources(self) -> str:
        """The folder of the pages that show the definition files, line by line."""
        return f"{self.runbooks}/{defaults.SOURCES_DIR}"

    def source_file(self, path: str) -> str:
        """The page showing the definition file at `path` (from the handbook root)."""
        return f"{self.sources}/{path}.md"


def url_of(page: str) -> str:
    """The directory URL mkdocs gives a Markdown page: `a/b.md` and `a/b/index.md` → `a/b/`."""
    stem = page.removesuffix(".md")
    stem = stem.removesuffix("/index") if stem != "index" else ""
    return f"{stem}/" if stem else ""
