"""Where the site's Markdown is kept: the generated folders at the top of the handbook,
the hand-written pages in docs/, and every way of building finding both."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from golden import example_tree
from helpers import copy_example, mkdocs, opsbook, run
from opsbook.publish.handbook import load_handbook
from opsbook.publish.preview import Mirror
from opsbook.publish.sources import Clash, Sources


def test_generated_pages_are_kept_at_the_top_and_the_rest_in_docs() -> None:
    """A page's path in the site is its path from the root for the generated folders, and
    from docs/ for the home page and the assets."""
    files, pages = example_tree()
    for page, text in pages.items():
        top = page.partition("/")[0]
        kept = page if top in ("runbooks", "checklists") else f"docs/{page}"
        assert files[kept] == text
    assert "docs/index.md" in files and "index.md" not in files
    assert "docs/assets/opsbook/checklist.js" in files
    assert not any(p.startswith(("docs/runbooks/", "docs/checklists/")) for p in files)


def test_the_example_repository_keeps_the_generated_folders_at_the_top() -> None:
    """As the design card lays the project out: `git ls-files` shows runbooks/ and
    checklists/ beside docs/, and docs/ holds no generated folder."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tops = {path.partition("/")[0] for path in listed if "/" in path}
    assert {"runbooks", "checklists", "docs", "ops", "templates", "generator"} <= tops
    assert not [p for p in listed if p.startswith(("docs/runbooks/", "docs/checklists/"))]
    assert "checklists/releases/concierge-canary/2.4.0.yaml" in listed


def test_a_page_maps_to_its_file_and_back() -> None:
    sources = Sources("docs", ("runbooks", "checklists"))
    for page, kept in (
        ("index.md", "docs/index.md"),
        ("runbooks/shop/index.md", "runbooks/shop/index.md"),
        ("checklists/releases/x/1.0.yaml", "checklists/releases/x/1.0.yaml"),
        ("assets/opsbook/checklist.js", "docs/assets/opsbook/checklist.js"),
        ("contributing.md", "docs/contributing.md"),
    ):
        assert sources.file_of(page) == kept
        assert sources.page_of(kept) == page
    assert sources.page_of("mkdocs.opsbook.yml") is None
    assert sources.page_of("runbooks") is None  # a folder, not a page
    assert sources.staged("runbooks/a.md") == "docs/runbooks/a.md"
    assert sources.staged("overrides/main.html") == "overrides/main.html"


@pytest.mark.slow
def test_a_hand_written_page_where_a_generated_one_is_published_is_refused(
    tmp_path: Path,
) -> None:
    """`opsbook build` and `mkdocs build` name both files and build nothing."""
    root = copy_example(tmp_path)
    (root / "docs/runbooks").mkdir()
    (root / "docs/runbooks/flags.md").write_text("# Our flags\n", "utf-8")
    with pytest.raises(Clash, match=r"docs/runbooks/flags\.md: a hand-written page where"):
        list(load_handbook(root / "mkdocs.yml").sources.files(root))
    said = "docs/runbooks/flags.md: a hand-written page where the generated runbooks/flags.md"
    built = opsbook(root, "build")
    assert built.returncode == 1 and said in built.stderr, built.stderr
    assert "Traceback" not in built.stderr
    plain = mkdocs(root, "build")
    assert plain.returncode == 1 and said in plain.stderr, plain.stderr
    assert "Traceback" not in plain.stderr
    assert not (root / "site").exists()
    assert not [p.name for p in root.iterdir() if p.name.startswith(".opsbook-build-")]


def test_the_layout_of_earlier_versions_is_cleared_and_release_records_kept(
    tmp_path: Path,
) -> None:
    """A handbook whose generated folders are inside docs/ (as earlier versions wrote them):
    `opsbook generate` removes the pages it generated there, keeps the release records and
    says how to move them; moved, they are read again."""
    root = copy_example(tmp_path)
    shutil.move(root / "runbooks", root / "docs/runbooks")
    shutil.move(root / "checklists", root / "docs/checklists")
    record = "checklists/releases/concierge-canary/2.4.0.yaml"
    generated = run(["generate"], root)
    assert generated.exit_code == 0, generated.output
    assert (root / "docs" / record).is_file()
    assert (root / "runbooks/flags.md").is_file()
    assert not (root / "docs/runbooks").exists()
    assert sorted(p.name for p in (root / "docs/checklists").rglob("*") if p.is_file()) == [
        "2.4.0.yaml"
    ]
    assert "git mv docs/checklists/releases checklists/releases" in generated.output
    assert not (root / "checklists/releases/concierge-canary/2.4.0.md").exists()
    shutil.move(root / "docs/checklists/releases", root / "checklists/releases")
    again = run(["generate"], root)
    assert again.exit_code == 0 and "git mv" not in again.output, again.output
    assert (root / "checklists/releases/concierge-canary/2.4.0.md").is_file()
    assert run(["generate", "--check"], root).exit_code == 0


def test_the_preview_mirror_follows_every_change(tmp_path: Path) -> None:
    """What `opsbook serve` hands an engine without the plugin: docs/ with the generated
    folders inside, and a copy of mkdocs.yml reading it, kept in step by `sync`."""
    from mkdocs.config import load_config

    root = copy_example(tmp_path)
    said: list[str] = []
    mirror = Mirror(load_handbook(root / "mkdocs.yml"), root / "mkdocs.yml", said.append)
    try:
        docs = mirror.folder / "docs"
        assert (docs / "runbooks/flags.md").read_bytes() == (
            root / "runbooks/flags.md"
        ).read_bytes()
        assert (docs / "contributing.md").is_file() and (docs / "index.md").is_file()
        assert (mirror.folder / "overrides/main.html").is_file()
        config = load_config(str(mirror.config))
        assert Path(config.docs_dir) == docs.resolve()
        assert [str(s) for s in config.extra_javascript][-1] == "assets/opsbook/alert.js"

        (root / "runbooks/flags.md").write_text("# Flags, edited\n", "utf-8")
        (root / "checklists/new.md").write_text("# New\n", "utf-8")
        (root / "docs/contributing.md").unlink()
        mirror.sync()
        assert (docs / "runbooks/flags.md").read_text("utf-8") == "# Flags, edited\n"
        assert (docs / "checklists/new.md").read_text("utf-8") == "# New\n"
        assert not (docs / "contributing.md").exists()

        (root / "docs/runbooks").mkdir()
        (root / "docs/runbooks/flags.md").write_text("# Ours\n", "utf-8")
        mirror.sync()
        assert "a hand-written page where the generated runbooks/flags.md" in said[-1]
        assert (docs / "runbooks/flags.md").read_text("utf-8") == "# Flags, edited\n"
    finally:
        mirror.close()
    assert not mirror.folder.exists()


@pytest.mark.parametrize(
    ("runbooks", "said"),
    [
        ("docs", "already the docs folder"),
        ("ops", "already `definitions`"),
        ("templates", "already `templates`"),
        ("overrides", "already the theme folder"),
        ("checklists", "must differ"),
        ("a/b", "must be one folder name"),
        ("..", "must be one folder name"),
    ],
)
def test_the_generated_folders_are_folders_of_their_own(runbooks: str, said: str) -> None:
    """Beside mkdocs.yml, a generated folder cannot be the docs folder, the definitions,
    the templates or the theme (its pages would be published twice, or written there)."""
    from opsbook.core.diagnostics import UsageError
    from opsbook.publish.handbook import handbook_from_options

    with pytest.raises(UsageError, match=said):
        handbook_from_options(ROOT, {"runbooks": runbooks}, "mkdocs.yml")
    assert handbook_from_options(ROOT, {"runbooks": "oncall"}, "mkdocs.yml").layout.runbooks == (
        "oncall"
    )
