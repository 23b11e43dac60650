"""`opsbook init`: a new handbook that validates, generates and builds offline unedited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import opsbook
from sitecheck import site_pages

pytestmark = pytest.mark.slow


def test_init_makes_a_handbook_that_passes_strict_validation_and_builds_offline(
    tmp_path: Path,
) -> None:
    made = opsbook(tmp_path, "init", "team-handbook")
    assert made.returncode == 0, made.stdout + made.stderr
    root = tmp_path / "team-handbook"
    for name in (
        "mkdocs.yml", "ops/policy.yaml", "ops/shop.yaml", "docs/contributing.md",
        "schemas/opsbook.schema.json", ".pre-commit-config.yaml", ".github/workflows/opsbook.yml",
        ".gitignore", "runbooks/shop/shoperrorratehigh.md", "checklists/shop-release.md",
        "docs/index.md", "mkdocs.opsbook.yml", "overrides/main.html",
    ):  # fmt: skip
        assert (root / name).is_file(), name
    for definitions in (root / "ops").glob("*.yaml"):
        first = definitions.read_text("utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/opsbook.schema.json"
    strict = opsbook(root, "validate", "--strict")
    assert (strict.returncode, strict.stdout) == (0, ""), strict.stdout + strict.stderr
    assert opsbook(root, "generate", "--check").returncode == 0
    assert opsbook(root, "schema", "--check").returncode == 0
    built = opsbook(root, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    pages = site_pages(root / "site")
    assert "runbooks/shop/shoperrorratehigh/index.html" in pages
    for name, page in pages.items():
        external = [u for u in page.loads if u.startswith(("http:", "https:", "//"))]
        assert external == [], name


def test_the_handbook_made_by_init_has_every_kind_of_definition(tmp_path: Path) -> None:
    """One coherent small service: a team, severities with a non-paging warning, a policy,
    a kill switch, two alerts, a rollout, an incident and a readiness checklist."""
    from opsbook.check.validate import validate_paths

    assert opsbook(tmp_path, "init").returncode == 0
    catalog = validate_paths([tmp_path / "ops"], model=True).catalog
    assert catalog is not None
    assert [len(getattr(catalog, kind)) for kind in ("services", "teams", "escalations")] == [
        1, 1, 1,
    ]  # fmt: skip
    assert {s.id: s.pages for s in catalog.severities}["warning"] is False
    assert [f.purpose for f in catalog.flags] == ["kill-switch"]
    assert len(catalog.alerts) == 2 and len(catalog.rollouts) == 1
    assert len(catalog.incidents) == 1
    assert [c.kind for c in catalog.checklists] == ["readiness"]


def test_init_refuses_to_touch_existing_files_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n", "utf-8")
    (tmp_path / "runbooks").mkdir(parents=True)
    refused = opsbook(tmp_path, "init")
    assert refused.returncode == 1
    assert "nothing was written" in refused.stderr
    assert "mkdocs.yml" in refused.stderr and "runbooks" in refused.stderr
    assert (tmp_path / "mkdocs.yml").read_text("utf-8") == "site_name: mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml", "runbooks"]


def test_the_starters_pre_commit_config_is_valid(tmp_path: Path) -> None:
    assert opsbook(tmp_path, "init").returncode == 0
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _without_theme(root: Path) -> None:
    text = (root / "mkdocs.yml").read_text("utf-8")
    start, end = text.index("theme:"), text.index("plugins:")
    (root / "mkdocs.yml").write_text(text[:start] + text[end:], "utf-8")


def test_a_handbook_without_a_theme_gets_material_and_stays_offline(tmp_path: Path) -> None:
    """mkdocs' own default theme loads highlight.js from a CDN; opsbook picks material."""
    assert opsbook(tmp_path, "init").returncode == 0
    _without_theme(tmp_path)
    for command in (["opsbook", "build"], ["mkdocs", "build", "-q", "-d", "site-mkdocs"]):
        done = subprocess.run(
            [sys.executable, "-m", *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        assert done.returncode == 0, done.stdout + done.stderr
        site = tmp_path / command[-1] if command[0] == "mkdocs" else tmp_path / "site"
        pages = site_pages(site)
        home = pages["index.html"]
        assert any("assets/javascripts/bundle." in u for u in home.loads), command  # material
        assert not any(u.endswith("search/main.js") for u in home.loads), command
        assert (site / "search" / "search_index.json").is_file()
        for name, page in pages.items():
            external = [u for u in page.loads if u.startswith(("http:", "https:", "//"))]
            assert external == [], (command, name)


def test_another_theme_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    assert opsbook(tmp_path, "init").returncode == 0
    _without_theme(tmp_path)
    config = tmp_path / "mkdocs.yml"
    config.write_text("theme: readthedocs\n" + config.read_text("utf-8"), "utf-8")
    refused = opsbook(tmp_path, "build")
    assert refused.returncode == 1
    assert "theme 'readthedocs' is not supported" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "site").exists()


def test_a_hand_written_home_page_is_a_clear_error(tmp_path: Path) -> None:
    assert opsbook(tmp_path, "init").returncode == 0
    (tmp_path / "docs" / "index.md").write_text("# Our home\n", "utf-8")
    refused = opsbook(tmp_path, "build")
    assert refused.returncode == 1
    assert "docs/index.md: a hand-written file is where the generated home page" in refused.stderr
    assert not (tmp_path / "site").exists()


def test_an_empty_handbook_has_no_sample_and_an_import_into_it_takes_none(
    tmp_path: Path,
) -> None:
    """`init --empty`: the policy with one team to name and reach (a warning says so),
    no sample service, alerts, flags or rollout; rules imported into it are owned by the
    placeholder team, and the export holds only what was imported."""
    made = opsbook(tmp_path, "init", "--empty", "handbook")
    assert made.returncode == 0, made.stdout + made.stderr
    root = tmp_path / "handbook"
    assert sorted(p.name for p in (root / "ops").iterdir()) == ["policy.yaml"]
    checked = opsbook(root, "validate", "--format", "json")
    assert checked.returncode == 0
    found = json.loads(checked.stdout)["diagnostics"]
    assert [(d["rule"], d["level"]) for d in found] == [("contact-missing", "warning")]
    generated = [p for p in (root / "runbooks").rglob("*.md") if "/source/" not in str(p)]
    assert generated and not any("shop" in p.read_text("utf-8").lower() for p in generated)
    rules = Path(__file__).parent / "rules"
    imported = opsbook(root, "import", "prometheus", str(rules))
    assert "the rest was imported" in imported.stderr, imported.stdout + imported.stderr
    exported = opsbook(root, "export", "prometheus", "--site-url", "https://ops.example.com/")
    assert exported.returncode == 0, exported.stderr
    out = "".join(p.read_text("utf-8") for p in (root / "prometheus").glob("*.yaml"))
    assert "alert: MailQueueStuck" in out and "Shop" not in out
    services = "".join(p.read_text("utf-8") for p in (root / "ops").glob("*.alerts.yaml"))
    assert "owner: owner-not-known" in services and "owner: team" not in services
