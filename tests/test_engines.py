"""The generated docs tree is engine-neutral: mkdocs-material (with the plugin, or with it
removed) and Zensical build the example handbook into the same pages at the same URLs,
with the same anchors, links that resolve, the checklist script and Mermaid loaded from
the site itself, and search."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

from helpers import copy_example, mkdocs, opsbook
from sitecheck import broken_links, read, site_pages

pytestmark = pytest.mark.slow

WITHOUT_ZENSICAL = os.environ.get("OPSBOOK_WITHOUT_ZENSICAL")
"""Set by `.ci/run` for the run at the lowest versions, below what Zensical needs; the
tests of Zensical are skipped there, and only there, saying why."""


def needs_zensical() -> None:
    """Skip when CI said Zensical cannot be installed here; fail when it is just missing."""
    if WITHOUT_ZENSICAL:
        pytest.skip(f"Zensical left out: {WITHOUT_ZENSICAL}")
    assert importlib.util.find_spec("zensical"), "pip install -e '.[test,zensical]'"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example built by each engine, from one copy of the handbook."""
    root = copy_example(tmp_path_factory.mktemp("engines"))
    built = {}
    for engine in ("mkdocs", "zensical"):
        if engine == "zensical" and WITHOUT_ZENSICAL:
            continue
        result = opsbook(root, "build", "--engine", engine, "--site-dir", f"site-{engine}")
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"built site-{engine} with {engine}\n"
        built[engine] = root / f"site-{engine}"
    return built


def pages_of(site: Path) -> set[str]:
    return {p for p in site_pages(site) if p != "404.html"}


def headings(site: Path, page: str) -> set[str]:
    """The anchors of a page's headings (what a link to a section points at)."""
    html = (site / page).read_text("utf-8")
    return set(re.findall(r'<h[1-6][^>]* id="([^"]+)"', html))


def test_mkdocs_builds_the_whole_handbook_without_the_plugin(tmp_path: Path) -> None:
    """With the plugin removed from mkdocs.yml, `opsbook build` hands mkdocs the docs
    folder with the generated folders inside: every page, with the navigation, scripts
    and theme of the tree. mkdocs run by hand reads only docs/, and `--strict` says so."""
    root = copy_example(tmp_path / "handbook")
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    plain = re.sub(r"\n  - opsbook:\n(      .*\n)+", "\n", text)
    assert "opsbook:" not in plain and plain != text
    config.write_text(plain, "utf-8")
    result = opsbook(root, "build")
    assert result.returncode == 0, result.stderr
    site = root / "site"
    wanted = {p.relative_to(root / "docs").as_posix() for p in (root / "docs").rglob("*.md")}
    for folder in ("runbooks", "checklists"):
        wanted |= {p.relative_to(root).as_posix() for p in (root / folder).rglob("*.md")}
    built = {p.removesuffix("/index.html").removesuffix("index.html") for p in pages_of(site)}
    expected = {w.removesuffix(".md").removesuffix("/index").removesuffix("index") for w in wanted}
    assert built == expected
    assert len(built) > 60
    assert broken_links(site) == []
    canary = read(site / "checklists/concierge-canary/index.html")
    assert any(u.endswith("assets/opsbook/checklist.js") for u in canary.loads)
    assert any(u.endswith("assets/opsbook/diagrams.js") for u in canary.loads)
    home = (site / "index.html").read_text("utf-8")
    assert 'href="runbooks/flags/"' in home or 'href="./runbooks/flags/"' in home  # the nav
    assert "runbooks/onesource/redisdown/" not in home.split("md-content")[0]  # no alerts
    by_hand = mkdocs(root, "build", "--strict", "--site-dir", "by-hand")
    assert by_hand.returncode == 1
    assert "runbooks/index.md" in by_hand.stderr and "not found" in by_hand.stderr


def test_both_engines_publish_the_same_pages_at_the_same_urls(sites: dict[str, Path]) -> None:
    needs_zensical()
    assert pages_of(sites["mkdocs"]) == pages_of(sites["zensical"])
    assert len(pages_of(sites["mkdocs"])) > 60


def test_both_engines_give_every_heading_the_same_anchor(sites: dict[str, Path]) -> None:
    """A runbook link to `#do-now` or a checklist's phase works on either site."""
    needs_zensical()
    differ = [
        page
        for page in sorted(pages_of(sites["mkdocs"]))
        if headings(sites["mkdocs"], page) != headings(sites["zensical"], page)
    ]
    assert differ == []
    assert "do-now" in headings(sites["zensical"], "runbooks/onesource/redisdown/index.html")


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_every_link_resolves_and_nothing_loads_from_outside(
    sites: dict[str, Path], engine: str
) -> None:
    if engine == "zensical":
        needs_zensical()
    site = sites[engine]
    assert broken_links(site) == []
    for name, page in site_pages(site).items():
        outside = [u for u in page.loads if u.startswith(("http:", "https:", "//"))]
        assert outside == [], (engine, name)
    canary = read(site / "checklists/concierge-canary/index.html")
    for asset in ("checklist.js", "diagrams.js", "checklist.css"):
        assert any(u.endswith(f"assets/opsbook/{asset}") for u in canary.loads), asset
    alert = read(site / "runbooks/onesource/redisdown/index.html")
    assert any(u.endswith("assets/opsbook/alert.js") for u in alert.loads)
    assert (site / "assets/opsbook/mermaid.min.js").stat().st_size > 1_000_000
    index = site / ("search.json" if engine == "zensical" else "search/search_index.json")
    assert "RedisDown" in index.read_text("utf-8")  # search finds an alert by its name


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_titles_from_definitions_stay_text_in_the_title(tmp_path: Path, engine: str) -> None:
    """The theme override of the tree escapes what `striptags` unescapes, on both
    engines and without the plugin: a service name cannot close <title>."""
    if engine == "zensical":
        needs_zensical()
    root = copy_example(tmp_path / "handbook")
    service = root / "ops/onesource.yaml"
    text = service.read_text("utf-8")
    hostile = "'</title><script>window.pwned=1</script> ONESource'"
    changed = text.replace(
        "  - id: onesource\n    name: ONESource AI\n", f"  - id: onesource\n    name: {hostile}\n"
    )
    assert changed != text
    service.write_text(changed, "utf-8")
    result = opsbook(root, "build", "--engine", engine)
    assert result.returncode == 0, result.stderr
    html = (root / "site/runbooks/onesource/index.html").read_text("utf-8")
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None and "<script" not in title.group(1)
    assert "&lt;script&gt;" in title.group(1) or "&lt;&#x2f;script&gt;" in title.group(1)
    assert "<script>window.pwned" not in html


def test_a_failing_engine_build_puts_the_docs_tree_back(tmp_path: Path) -> None:
    """A broken link that only the engine sees fails the build; the site and the pages
    written for it go back to what they were."""
    root = copy_example(tmp_path / "handbook")
    assert opsbook(root, "build").returncode == 0
    before = {p: p.read_bytes() for p in (root / "docs").rglob("*") if p.is_file()}
    site = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    (root / "docs/contributing.md").write_text("# Contributing\n\n[gone](nowhere.md)\n")
    before[root / "docs/contributing.md"] = (root / "docs/contributing.md").read_bytes()
    ops = root / "ops/onesource.yaml"
    ops.write_text(ops.read_text("utf-8").replace("Redis", "Redis (edited)", 1), "utf-8")
    result = opsbook(root, "build")
    assert result.returncode == 1
    assert "nowhere.md" in result.stderr and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in (root / "docs").rglob("*") if p.is_file()} == before
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == site


def test_an_engine_config_that_misses_what_pages_need_is_named(tmp_path: Path) -> None:
    """A mkdocs.yml without `INHERIT`, or with a list of extensions of its own, is told
    what an engine without the plugin would miss."""
    root = copy_example(tmp_path / "handbook")
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("INHERIT: mkdocs.opsbook.yml\n", ""), "utf-8")
    result = opsbook(root, "generate")
    assert result.returncode == 0
    assert "`INHERIT: mkdocs.opsbook.yml` is missing" in result.stderr
    config.write_text(text + "markdown_extensions:\n  - toc\n", "utf-8")
    result = opsbook(root, "generate")
    assert "lacks tables, admonition" in result.stderr
    config.write_text(text, "utf-8")
    (root / "docs/checklists").mkdir()  # where an earlier opsbook kept release records
    (root / "checklists/releases").rename(root / "docs/checklists/releases")
    result = opsbook(root, "generate")
    assert "holds release records where earlier versions of opsbook kept them" in result.stderr
    assert "`INHERIT" not in result.stderr and "lacks" not in result.stderr
