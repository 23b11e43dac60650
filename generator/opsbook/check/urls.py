"""The rule that no two definitions are published at the same URL."""

from __future__ import annotations

from collections.abc import Iterator

from opsbook.core.diagnostics import Diagnostic
from opsbook.core.kinds import KINDS
from opsbook.core.ruleset import RULES
from opsbook.load.definitions import definitions
from opsbook.load.files import SourceFile
from opsbook.model.layout import Layout, url_of

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
