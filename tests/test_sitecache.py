"""`opsbook build` with mkdocs renders again only the pages whose Markdown changed since
the last build of the same site, and the site it publishes is byte for byte the one a
clean build writes; whenever that could be wrong (a title in the navigation, a site
changed by hand, a plugin it cannot judge, a broken record) it builds every page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import opsbook, starter, tree

pytestmark = pytest.mark.slow

ALERT = "    summary: More than 2% of shop requests fail."
ALERT_PAGE = "runbooks/shop/shoperrorratehigh/index.html"
DEFINITIONS = "ops/shop.yaml"
ALWAYS = {"404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json"}
"""What every mkdocs build writes again: the files about all pages."""

NOTES = "# Notes\n\nKept by hand.\n\n## Steps\n\nFirst this.\n"
LINKS = "# Links\n\nSee [the steps](notes.md#steps).\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new handbook (`opsbook init`): every kind of page, and a quick build."""
    return starter(tmp_path_factory.mktemp("starter") / "handbook")


@pytest.fixture
def handbook(tmp_path: Path, made: Path) -> Path:
    """The new handbook with two hand-written pages, one linking to a section of the
    other, built once."""
    root = tmp_path / "handbook"
    shutil.copytree(made, root)
    (root / "docs/notes.md").write_text(NOTES, "utf-8")
    (root / "docs/links.md").write_text(LINKS, "utf-8")
    built(root)
    return root


def built(root: Path, *args: str) -> str:
    """Build with mkdocs (saying what it rendered); returns what it said."""
    result = opsbook(root, "build", "-v", *args)
    assert result.returncode == 0, result.stderr
    return result.stderr


def rendered(said: str) -> tuple[int, int] | None:
    """How many pages the build rendered, of how many, when it kept the others."""
    found = re.search(r"opsbook: (\d+) of (\d+) pages rendered, the others kept", said)
    return (int(found[1]), int(found[2])) if found else None


def inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def clean_build(root: Path) -> dict[str, str]:
    """The site a clean build of the same handbook writes, by file digest."""
    built(root, "--site-dir", "site-clean")
    return tree(root / "site-clean")


def html_of(markdown: str) -> str:
    """The file mkdocs writes for a page (directory URLs)."""
    page = markdown.removesuffix(".md")
    if page == "index" or page.endswith("/index"):
        return f"{page.removesuffix('index')}index.html"
    return f"{page}/index.html"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def sources(handbook: Path) -> dict[str, str]:
    """The digest of each file the site is made from, by its path in the site."""
    found = tree(handbook / "docs")
    for folder in ("runbooks", "checklists"):
        found |= {f"{folder}/{path}": digest for path, digest in tree(handbook / folder).items()}
    return found


def test_an_edited_alert_renders_only_the_pages_that_changed(handbook: Path) -> None:
    """After one edited alert, the pages written again are those whose Markdown changed
    (the alert's, its service's, the home page's, the source page's) and the files about
    all pages; every other file is the previous site's own, and the whole site is the
    one a clean build writes."""
    docs = sources(handbook)
    before = inodes(handbook / "site")
    edit(handbook / DEFINITIONS, ALERT, ALERT.replace("summary: ", "summary: Edited. "))
    said = built(handbook)
    count = rendered(said)
    assert count is not None, said
    changed_md = {path for path, digest in sources(handbook).items() if docs[path] != digest}
    assert f"{ALERT_PAGE.removesuffix('/index.html')}.md" in changed_md
    assert count[0] == len(changed_md) and count[1] > len(changed_md) + 10
    after = inodes(handbook / "site")
    assert after.keys() == before.keys()
    written = {path for path in after if after[path] != before[path]}
    assert written == {html_of(path) for path in changed_md} | ALWAYS
    assert "Edited. More than 2%" in (handbook / "site" / ALERT_PAGE).read_text("utf-8")
    assert tree(handbook / "site") == clean_build(handbook)


def test_the_search_index_keeps_every_page_in_order(handbook: Path) -> None:
    """The kept pages' search entries stay, in the order of the pages; the edited page's
    entries are its new ones."""
    edit(handbook / DEFINITIONS, ALERT, ALERT.replace("summary: ", "summary: Edited. "))
    assert rendered(built(handbook))
    index = json.loads((handbook / "site/search/search_index.json").read_text("utf-8"))
    texts = " ".join(entry["text"] for entry in index["docs"])
    assert "Edited. More than 2%" in texts and "Kept by hand." in texts
    clean_build(handbook)
    clean = json.loads((handbook / "site-clean/search/search_index.json").read_text("utf-8"))
    assert [e["location"] for e in index["docs"]] == [e["location"] for e in clean["docs"]]
    assert index == clean


def test_a_new_title_in_the_navigation_builds_every_page(handbook: Path) -> None:
    """Every page shows the navigation: a page in it with a new title is built again
    everywhere, and each page's navigation shows the new title."""
    edit(handbook / "docs/notes.md", "# Notes", "# Field notes")
    said = built(handbook)
    assert rendered(said) is None
    assert "building every page: the title or metadata of notes.md changed" in said
    assert "Field notes" in (handbook / "site" / ALERT_PAGE).read_text("utf-8")
    assert tree(handbook / "site") == clean_build(handbook)


def test_a_kept_page_linking_to_a_section_that_went_fails_as_a_clean_build(
    handbook: Path,
) -> None:
    """links.md is kept, but its link to a section of notes.md is checked against the new
    notes.md: the strict build fails as a clean one would, and the site stays."""
    site = tree(handbook / "site")
    edit(handbook / "docs/notes.md", "## Steps", "## Order")
    result = opsbook(handbook, "build")
    assert result.returncode != 0
    assert "links.md" in result.stderr and "#steps" in result.stderr
    assert "Aborted with 1 warnings in strict mode!" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(handbook / "site") == site
    clean = opsbook(handbook, "build", "--site-dir", "site-clean")
    assert clean.returncode != 0 and "#steps" in clean.stderr
    edit(handbook / "docs/links.md", "notes.md#steps", "notes.md#order")
    assert rendered(built(handbook))
    assert tree(handbook / "site") == clean_build(handbook)


def test_a_site_changed_by_hand_is_built_again_whole(handbook: Path) -> None:
    """A site that is not exactly what the last build left is not reused: what was
    changed in it is gone after the next build."""
    page = handbook / "site/notes/index.html"
    page.write_text(page.read_text("utf-8") + "<!-- changed in the site -->", "utf-8")
    assert rendered(built(handbook)) is None
    assert "changed in the site" not in page.read_text("utf-8")
    assert tree(handbook / "site") == clean_build(handbook)


@pytest.mark.parametrize(
    "broken",
    [
        '{"version": 1, "fingerprint": ',
        "[]",
        '{"version": 1, "fingerprint": "x", "sources": [], "pages": {}, "site": {}}',
        "pages without their titles",
    ],
)
def test_a_broken_record_means_a_clean_build(handbook: Path, broken: str) -> None:
    """A record that cannot be read, or is not the shape of one, is a slower build, not
    an error."""
    (record,) = (handbook / ".cache/opsbook").glob("mkdocs-site-*.json")
    if broken == "pages without their titles":
        data = json.loads(record.read_text("utf-8"))
        data["pages"] = {uri: {} for uri in data["pages"]}
        broken = json.dumps(data)
    record.write_text(broken, "utf-8")
    said = built(handbook)
    assert rendered(said) is None and "Traceback" not in said
    assert json.loads(record.read_text("utf-8"))["version"] == 1
    assert rendered(built(handbook)) == (0, rendered_total(handbook))


def rendered_total(root: Path) -> int:
    record = next((root / ".cache/opsbook").glob("mkdocs-site-*.json"))
    return len(json.loads(record.read_text("utf-8"))["pages"])


def test_a_plugin_it_cannot_judge_means_every_build_is_clean(handbook: Path) -> None:
    """A hook may read anything: with one, no build is reused and no record is kept."""
    (handbook / "hooks.py").write_text(
        "def on_page_markdown(markdown, **kwargs):\n    return markdown\n", "utf-8"
    )
    edit(handbook / "mkdocs.yml", "plugins:\n", "hooks:\n  - hooks.py\nplugins:\n")
    assert rendered(built(handbook)) is None
    assert list((handbook / ".cache/opsbook").glob("mkdocs-site-*.json")) == []
    assert rendered(built(handbook)) is None


def test_a_changed_setting_builds_every_page(handbook: Path) -> None:
    """Every page carries the settings of mkdocs.yml: a new site name is on all of them."""
    edit(handbook / "mkdocs.yml", "site_name: Ops handbook", "site_name: Ops book")
    assert rendered(built(handbook)) is None
    assert "Ops book" in (handbook / "site" / ALERT_PAGE).read_text("utf-8")
    assert tree(handbook / "site") == clean_build(handbook)


def test_a_zensical_build_forgets_the_record(handbook: Path) -> None:
    """After another engine built the site, the mkdocs record says nothing of it."""
    from test_engines import needs_zensical

    needs_zensical()
    assert opsbook(handbook, "build", "--engine", "zensical").returncode == 0
    assert list((handbook / ".cache/opsbook").glob("mkdocs-site-*.json")) == []
    assert rendered(built(handbook)) is None
