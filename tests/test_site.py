"""`opsbook build` and the mkdocs plugin, for real: a strict mkdocs-material build of the
example, its URLs, links and anchors, offline assets, atomic replacement, reproducibility."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import ENV, copy_example, mkdocs, opsbook, run, tree
from opsbook.check.validate import validate_paths
from opsbook.core.diagnostics import UsageError
from sitecheck import broken_links, read, site_pages, text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example handbook, built once with `opsbook build`."""
    root = copy_example(tmp_path_factory.mktemp("example"))
    result = opsbook(root, "build")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "built site with mkdocs\n"
    return root


def test_every_definition_has_its_page_at_its_stable_url(built: Path) -> None:
    site = built / "site"
    catalog = validate_paths([ROOT / "ops"]).catalog
    assert catalog is not None
    urls = ["", "runbooks/", "runbooks/flags/", "runbooks/policy/", "checklists/"]
    urls += [f"runbooks/{s.id}/" for s in catalog.services]
    urls += [f"runbooks/{a.service.id}/{a.id.lower()}/" for a in catalog.alerts]
    urls += [f"runbooks/{i.service.id}/incidents/{i.id}/" for i in catalog.incidents]
    urls += [f"checklists/{r.id}/" for r in catalog.rollouts]
    urls += [f"checklists/{c.id}/" for c in catalog.checklists]
    missing = [url for url in urls if not (site / url / "index.html").is_file()]
    assert missing == []
    assert len(urls) == 50


def test_every_internal_link_and_anchor_resolves(built: Path) -> None:
    site = built / "site"
    assert len(site_pages(site)) > 50
    assert broken_links(site) == []


def test_source_links_reach_the_line_on_the_file_page(built: Path) -> None:
    """The "Generated from" line leads to a page of the file with that line addressable and marked,
    not to a download; that page names the file to edit in the repository."""
    site = built / "site"
    page = read(site / "runbooks/onesource/higherrorrate/index.html")
    source = [href for href in page.links if "onesource.yaml/#L" in href]
    assert source and source[0].startswith("../../source/ops/onesource.yaml/#L")
    line = int(source[0].rsplit("#L", 1)[1])
    listing = read(site / "runbooks/source/ops/onesource.yaml/index.html")
    assert f"L{line}" in listing.ids
    text = (built / "ops/onesource.yaml").read_text("utf-8").splitlines()
    assert "id: HighErrorRate" in text[line - 1]
    html = (site / "runbooks/source/ops/onesource.yaml/index.html").read_text("utf-8")
    assert html.count('class="opsbook-line"') == len(text)
    assert "Edit ops/onesource.yaml there" in " ".join("".join(listing.text).split())


def test_the_site_loads_nothing_from_the_network(built: Path) -> None:
    site = built / "site"
    for name, page in site_pages(site).items():
        external = [u for u in page.loads if u.startswith(("http:", "https:", "//"))]
        assert external == [], name
        html = (site / name).read_text("utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, name
    canary = read(site / "checklists/concierge-canary/index.html")
    assert any(u.endswith("assets/opsbook/diagrams.js") for u in canary.loads), canary.loads
    assert (site / "assets/opsbook/mermaid.min.js").stat().st_size > 1_000_000


def test_a_new_user_finds_the_five_systems_the_canary_and_the_kill_command(built: Path) -> None:
    """The README's promise: open site/index.html and find what the seeds describe."""
    site = built / "site"
    home = text_of(site / "index.html")
    for system in (
        "Variant generation v2",
        "Aurora Concierge Widget",
        "ONESource AI",
        "Cinematic episode generation",
        "Collaborative documents",
    ):
        assert system in home
    canary_html = (site / "checklists/concierge-canary/index.html").read_text("utf-8")
    canary = text_of(site / "checklists/concierge-canary/index.html")
    for n in range(1, 6):
        assert f"Phase {n}:" in canary
    assert canary.count("Error rate below 2%: error rate is below 2%") == 4
    assert canary_html.count('type="checkbox"') > 40
    assert '<pre class="mermaid"><code>flowchart TD' in canary_html
    runbook = text_of(site / "runbooks/onesource/higherrorrate/index.html")
    assert "kubectl set env deployment/onesource USE_UNIFIED_PIPELINE=0" in runbook
    content = runbook[runbook.index("What fires") :]
    assert 0 < content.index("Do now") < content.index("Meaning")
    assert content.index("Meaning") < content.index("Impact") < content.index("Escalation")


def test_a_step_that_is_a_command_is_a_code_block_on_the_page(built: Path) -> None:
    """A list item that began with a fence showed the command as inline text starting
    with `bash` (no copy button); every step's command is a block."""
    import re

    inline = re.compile(r"<code>(?:bash|sh|promql|console)\s")
    pages = sorted((built / "site").rglob("*.html"))
    found = [str(p.relative_to(built)) for p in pages if inline.search(p.read_text("utf-8"))]
    assert found == []
    html = (built / "site" / "runbooks" / "onesource" / "redisdown" / "index.html").read_text(
        "utf-8"
    )
    diagnosis = html.split('id="diagnosis"', 1)[1].split("</li>", 1)[0]
    assert "<p>Run:</p>" in diagnosis
    assert '<div class="highlight"><pre>' in diagnosis and "readyz" in diagnosis


def test_navigation_is_sectioned_and_leaves_out_individual_alerts(built: Path) -> None:
    """A page carries the sections and services, never a list of every alert."""
    html = (built / "site/runbooks/onesource/highlatency/index.html").read_text("utf-8")
    nav = html.split("md-nav--primary", 1)[1].split("md-nav--secondary", 1)[0]
    assert "higherrorrate" not in nav and "incidents/" not in nav
    assert "Runbooks" in nav and "Checklists" in nav


def test_a_navigation_section_longer_than_the_limit_lists_only_its_index() -> None:
    """Every page carries the navigation: past `nav_limit` entries a section shrinks to its
    index page, so per-page cost does not grow with the number of services."""
    from opsbook.model.layout import Layout
    from opsbook.publish.tree import navigation

    catalog = validate_paths([ROOT / "ops"]).catalog
    layout = Layout()
    wide = navigation(catalog, layout, [], 30)
    narrow = navigation(catalog, layout, [], 4)
    assert len(wide[1]["Runbooks"]) == 1 + len(catalog.services) == 6
    assert len(wide[4]["Checklists"]) == 1 + len(catalog.rollouts) + len(catalog.checklists)
    assert narrow[1] == {"Runbooks": [layout.runbooks_index()]}
    assert narrow[4] == {"Checklists": [layout.checklists_index()]}


def test_invalid_definitions_fail_the_build_and_leave_the_site_alone(built: Path) -> None:
    before = tree(built / "site")
    path = built / "ops/onesource.yaml"
    text = path.read_text()
    path.write_text(text.replace("severity: critical", "severity: critcal", 1))
    try:
        result = opsbook(built, "build")
    finally:
        path.write_text(text)
    assert result.returncode == 1
    assert "ops/onesource.yaml:" in result.stdout and "critcal" in result.stdout
    assert "Traceback" not in result.stderr
    assert tree(built / "site") == before


def test_a_failing_mkdocs_build_leaves_the_site_alone(built: Path) -> None:
    before = tree(built / "site")
    page = built / "docs/broken.md"
    page.write_text("# Broken\n\n[nowhere](missing.md)\n")
    try:
        result = opsbook(built, "build")
    finally:
        page.unlink()
    assert result.returncode == 1
    assert "missing.md" in result.stderr
    assert "the site was not built" in result.stderr and "Traceback" not in result.stderr
    assert tree(built / "site") == before
    assert not [p for p in built.iterdir() if p.name.startswith(".site-")]


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "987"):
        root = copy_example(tmp_path / seed)
        result = opsbook(root, "build", seed=seed)
        assert result.returncode == 0, result.stderr
        trees.append(tree(root / "site"))
    assert trees[0] == trees[1]


def test_mkdocs_build_strict_with_the_plugin_does_the_same(tmp_path: Path) -> None:
    """`mkdocs build` with the plugin publishes the generated folders beside mkdocs.yml:
    the site is byte for byte the one `opsbook build` writes."""
    root = copy_example(tmp_path)
    result = mkdocs(root, "build", "--strict")
    assert result.returncode == 0, result.stderr
    assert (root / "site/runbooks/onesource/higherrorrate/index.html").is_file()
    assert run(["generate", "--check"], root).exit_code == 0
    assert opsbook(root, "build", "--site-dir", "site-opsbook").returncode == 0
    assert tree(root / "site") == tree(root / "site-opsbook")
    path = root / "ops/onesource.yaml"
    path.write_text(path.read_text().replace("severity: critical", "severity: critcal", 1))
    failed = mkdocs(root, "build", "--strict")
    assert failed.returncode == 1
    assert "ops/onesource.yaml:" in failed.stderr and "unknown-reference" in failed.stderr
    assert "opsbook: 1 error(s) in the definitions" in failed.stderr


def test_plugin_options_are_type_checked(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("runbooks: runbooks", "runbooks: [a, b]"))
    result = opsbook(root, "build")
    assert result.returncode == 2
    assert "opsbook plugin settings: `runbooks`" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", [None, "folder", 3, True, {"a": 1}, ["a"]])
def test_the_cli_and_the_plugin_accept_the_same_options(value: object) -> None:
    """The CLI checks the options table without mkdocs; mkdocs checks the plugin's config:
    both take and refuse the same values, and fill in the same defaults."""
    from opsbook.load.options import OPTIONS, check_options
    from opsbook.publish.plugin import OpsbookConfig

    assert [name for name, _ in OpsbookConfig._schema] == list(OPTIONS)
    for name in OPTIONS:
        config = OpsbookConfig(config_file_path="mkdocs.yml")
        config.load_dict({name: value})
        errors, _ = config.validate()
        try:
            checked = check_options({name: value}, "mkdocs.yml")
        except UsageError as exc:
            assert errors, f"{name}={value!r}: only the CLI refuses it"
            assert f"`{name}`: expected" in str(exc)
        else:
            assert not errors, f"{name}={value!r}: only the plugin refuses it"
            assert checked == dict(config)


@pytest.mark.parametrize("separator", ["-", "_"])
def test_default_anchors_are_those_of_the_toc_extension(separator: str) -> None:
    """Without a site, pages link to headings by the anchors Python-Markdown would make."""
    from markdown.extensions.toc import slugify

    from opsbook.render.options import RenderOptions

    headings = [
        "HighErrorRate", "Kill switch: payments.v2 ", "Žlutý kůň — ещё 50 %", "a__b--c  d",
        "SEV-1 (critical)", "  ", "flag_x.y-z", "Ünïcödé\tTabs\nand lines", "日本語 only",
    ]  # fmt: skip
    slugify_default = RenderOptions().slugify
    for heading in headings:
        assert slugify_default(heading, separator) == slugify(heading, separator), heading


def test_generate_never_imports_mkdocs(tmp_path: Path) -> None:
    """A one-shot command starts fast: mkdocs is imported only to build or serve."""
    root = copy_example(tmp_path)
    script = (
        "import sys\nfrom opsbook.cli import cli\n"
        "try:\n    cli(['generate'])\nexcept SystemExit as exit:\n    assert not exit.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'markdown')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=ENV, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_output_folders_follow_the_plugin_settings(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("runbooks: runbooks", "runbooks: oncall"))
    result = opsbook(root, "build")
    assert result.returncode == 0, result.stderr
    assert (root / "oncall/onesource/higherrorrate.md").is_file()
    assert (root / "site/oncall/onesource/higherrorrate/index.html").is_file()


def test_a_template_error_fails_mkdocs_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    (root / "templates/footer.md.j2").write_text("{{ nope }}\n")
    result = mkdocs(root, "build")
    assert result.returncode == 1
    assert "footer.md.j2:1: 'nope' is undefined" in result.stderr
    assert "Traceback" not in result.stderr
    built = opsbook(root, "build")
    assert built.returncode == 1
    assert "footer.md.j2:1: 'nope' is undefined" in built.stderr
    assert not (root / "site").exists()
