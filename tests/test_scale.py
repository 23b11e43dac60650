"""No page grows with the number of alerts: the pages about the whole handbook list at most
LIST_LIMIT definitions in one place, then one line per service with a count and a link to
the service's page, which lists them.

At 10,000 alerts (bench/synth.py: 500 services) only the pages that a handbook-wide list
can reach are rendered (home, indexes, flags, policy, and each service's page); the pages
of one alert or incident list only what that definition holds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from opsbook.check.validate import validate_paths
from opsbook.core import defaults
from opsbook.load.settings import Settings
from opsbook.model import Catalog
from opsbook.model.layout import Layout
from opsbook.render.options import RenderOptions
from opsbook.render.pages import environment, page_jobs, render_jobs

sys.path.insert(0, str(ROOT / "bench"))
from synth import write_catalog

pytestmark = pytest.mark.slow

LINK = re.compile(r"\]\(")
MOST_LINKS = 100
"""The most links a line, table cell or paragraph may hold, at any size of handbook."""
BLOCK = re.compile(r"^\s*(?:[-*+] |\d+\. |\||#)")
"""A line that starts a list item, a table row or a heading: not part of a paragraph."""
ABOUT_ALL = ("index.md", "runbooks/index.md", "runbooks/policy.md", "checklists/index.md")


def _catalog(root: Path, alerts: int) -> Catalog:
    write_catalog(root, alerts)
    validation = validate_paths([root / "ops"], Settings(today="2026-01-01"))
    assert not [d for d in validation.diagnostics if d.level == "error"]
    assert validation.catalog is not None
    return validation.catalog


def _render(catalog: Catalog, root: Path, sections: tuple[str, ...] = ("services",)) -> dict:
    """The pages about many definitions, and those of the definitions in `sections`."""
    options = RenderOptions(root=root, today="2026-01-01", source_url="https://git.example/")
    jobs = [
        job
        for job in page_jobs(catalog, options.layout)
        if job.subject is None or job.subject[0] in sections
    ]
    return render_jobs(jobs, catalog, options, environment(options))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, dict[str, str]]:
    root = tmp_path_factory.mktemp("large")
    catalog = _catalog(root, 10_000)
    return catalog, _render(catalog, root)


def _paragraphs(text: str) -> list[str]:
    """The runs of lines that Markdown reads as one paragraph (no list item, table row or
    heading among them)."""
    found, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.strip() and not BLOCK.match(line) and not line.startswith("    "):
            current.append(line)
        elif current:
            found.append("\n".join(current))
            current = []
    return found


def test_no_line_cell_or_paragraph_holds_more_than_a_hundred_links_at_10000_alerts(
    large: tuple[Catalog, dict[str, str]],
) -> None:
    catalog, pages = large
    assert len(catalog.alerts) == 10_000 and len(pages) == 5 + len(catalog.services)
    for page, text in pages.items():
        for number, line in enumerate(text.splitlines(), 1):
            cells = line.split("|") if line.lstrip().startswith("|") else [line]
            most = max(len(LINK.findall(cell)) for cell in cells)
            assert len(LINK.findall(line)) <= MOST_LINKS and most <= MOST_LINKS, (page, number)
        for paragraph in _paragraphs(text):
            assert len(LINK.findall(paragraph)) <= MOST_LINKS, (page, paragraph[:200])


def test_the_pages_about_the_handbook_grow_with_its_services_not_its_alerts(
    large: tuple[Catalog, dict[str, str]],
) -> None:
    """500 services, 10,000 alerts, 2,000 flags: each page lists per service, so its links
    stay a few per service (the policy page: each team, each escalation policy with a link
    to each level's team or contact, and two severities with alerts, each a line per
    service)."""
    catalog, pages = large
    services = len(catalog.services)
    for page in ABOUT_ALL:
        assert len(LINK.findall(pages[page])) <= 8 * services, page
    flags = pages["runbooks/flags.md"]
    kill_switches = [f for f in catalog.flags if f.is_kill_switch]
    assert len(kill_switches) > defaults.LIST_LIMIT
    assert f"{len(kill_switches):,} kill switches, each below with the command" in flags
    # The kill switches are summed up per service, not listed twice.
    summary = flags.split("## Kill switches", 1)[1].split("\n### ", 1)[0]
    assert len(summary.splitlines()) < services + 10


def test_past_the_limit_each_service_counts_its_alerts_and_its_page_lists_them(
    tmp_path: Path,
) -> None:
    """With twice LIST_LIMIT alerts of one severity, the home page, the policy and the
    runbooks index give one line per service with how many, linking to the service page's
    Alerts section, which links every one of them; the counts add up."""
    alerts = 2 * defaults.LIST_LIMIT
    catalog = _catalog(tmp_path, alerts)
    pages = _render(catalog, tmp_path)
    layout = Layout()
    lines = re.compile(r"(?m)^- \[([^\]]+)\]\((\S+?)#alerts\): (\d+) alerts?$")
    for page in ("index.md", "runbooks/policy.md"):
        found = lines.findall(pages[page])
        assert found, page
        # policy: the critical and the warning levels, each of every alert
        per_list = {"index.md": 1, "runbooks/policy.md": 2}[page]
        assert sum(int(n) for _, _, n in found) == per_list * alerts, page
        for name, href, _ in found:
            service = next(s for s in catalog.services if s.name == name)
            target = layout.service(service.id)
            assert (Path(page).parent / href).as_posix().lstrip("./") == target, href
            text = pages[target]
            assert "\n## Alerts\n" in text
            for alert in catalog.alerts_of(service):
                assert f"[{alert.id}]({alert.id.lower()}.md)" in text
    assert not re.search(r"(?m)^\| \[Svc\d+Alert", pages["index.md"])
    index = pages["runbooks/index.md"]
    assert "100 alerts and 10 incident scenarios in 5 services" in index
    assert index.count("#alerts)") == len(catalog.services)


def test_below_the_limit_every_alert_is_listed_one_per_line(tmp_path: Path) -> None:
    """At LIST_LIMIT alerts or fewer, the lists name each alert on a line of its own."""
    catalog = _catalog(tmp_path, defaults.LIST_LIMIT - 10)
    pages = _render(catalog, tmp_path)
    policy = pages["runbooks/policy.md"]
    for alert in catalog.alerts:
        link = f"[{alert.id}]({alert.service.id.lower()}/{alert.id.lower()}.md)"
        assert f"\n- {link}\n" in policy
        assert f"| {link} |" in pages["runbooks/index.md"]
        assert f"| [{alert.id}](runbooks/" in pages["index.md"]
