"""Where each page of the handbook lives: one function per kind of page, and the rule that
no two definitions are published at the same URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from opsbook import defaults
from opsbook.diagnostics import Diagnostic
from opsbook.kinds import KINDS
from opsbook.loader import SourceFile
from opsbook.ruleset import RULES


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


_FIXED = ("home", "runbooks_index", "flags", "policy", "checklists_index")


def check_page_paths(files: list[SourceFile]) -> list[Diagnostic]:
    """Definitions whose pages would land at a URL that another page already has.

    A service called `flags` would shadow the flags page; an alert called `index` its
    service's page; a rollout and a checklist with one id would share a URL.
    """
    layout = Layout()
    taken = {
        url_of(getattr(layout, name)()): (f"the {name.replace('_', ' ')} page", "")
        for name in _FIXED
    }
    taken[f"{layout.sources}/"] = ("the folder of the definition files' pages", "")
    found: list[Diagnostic] = []
    for source, kind, ident, mark, page in _pages(files, layout):
        url = url_of(page)
        if url in taken and taken[url][1] == f"{kind}:{ident.lower()}":
            continue  # the same id twice: duplicate-id reports it
        if url in taken:
            found.append(
                Diagnostic(
                    source.path,
                    mark[0],
                    mark[1],
                    RULES["page-collision"].level,
                    "page-collision",
                    f"{kind} `{ident}` would be published at `{url}`, which is already "
                    f"{taken[url][0]}; choose another id",
                )
            )
        else:
            taken[url] = (
                f"the page of {kind} `{ident}` ({source.path}:{mark[0]})",
                f"{kind}:{ident.lower()}",
            )
    return found


def _pages(
    files: list[SourceFile], layout: Layout
) -> Iterator[tuple[SourceFile, str, str, tuple[int, int], str]]:
    """Every definition that has a page of its own, with that page (from its kind): the
    services' first, since the other pages of a service live in its folder (an alert
    called `index` is the one reported), then file by file."""
    from opsbook.rules import definitions

    own = [kind for kind in KINDS if kind.page is not None and kind.scope != ""]
    services = [kind for kind in own if kind.section == "services"]
    others = [kind for kind in own if kind.section != "services"]
    for group in ([(source, services) for source in files], [(s, others) for s in files]):
        for source, chosen in group:
            default = source.data.get("service")
            for kind in chosen:
                where = getattr(layout, kind.page or "")
                for node, mark in definitions(source, kind.section):
                    if kind.scope == "own":
                        yield source, kind.one, node["id"], mark, where(node["id"])
                        continue
                    service = node.get("service", default)
                    if isinstance(service, str):
                        yield source, kind.one, node["id"], mark, where(service, node["id"])
