"""What `opsbook serve` keeps between rebuilds: after any edit, the kept validator and
renderer give exactly what a fresh run gives, while doing less."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import copy_example
from opsbook.check.validate import Validator
from opsbook.load.definitions import KINDS, definitions
from opsbook.load.files import load_file
from opsbook.load.nodes import YMap
from opsbook.publish.handbook import Handbook, load_handbook
from opsbook.render.incremental import Renderer

_PROSE = ("summary", "name", "title", "description", "purpose", "meaning", "impact")


class Kept:
    """A handbook with the validator and renderer a `serve` process keeps."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.handbook: Handbook = load_handbook(root / "mkdocs.yml", today="2026-01-01")
        self.validator = Validator()
        self.renderer = Renderer()

    def rebuild(self) -> tuple[tuple[str, ...], dict[str, str] | None]:
        validation = self.handbook.validate(self.validator)
        found = tuple(d.format() for d in validation.diagnostics)
        if validation.errors:
            return found, None
        return found, self.handbook.render(validation, renderer=self.renderer)

    def fresh(self) -> tuple[tuple[str, ...], dict[str, str] | None]:
        validation = self.handbook.validate()
        found = tuple(d.format() for d in validation.diagnostics)
        if validation.errors:
            return found, None
        return found, self.handbook.render(validation)


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Kept:
    root = copy_example(tmp_path / "handbook")
    monkeypatch.chdir(root)
    return Kept(root)


def prose_edits(root: Path) -> Iterator[tuple[str, Path, str]]:
    """For every definition of the handbook: its file, edited in one line of its prose."""
    for path in sorted((root / "ops").rglob("*.yaml")):
        text = path.read_text("utf-8")
        data = load_file(path)
        for section in KINDS:
            for node, _ in definitions_of(data, section):
                yield f"{section}/{node['id']}", path, edit_prose(text, node)


def definitions_of(data: YMap, section: str) -> Iterator[tuple[YMap, object]]:
    from opsbook.load.files import SourceFile

    yield from definitions(SourceFile("x", data), section)


def edit_prose(text: str, node: YMap) -> str:
    """`text` with "Edited " put in front of the definition's first one-line prose field
    (its id when it has none)."""
    field = next((f for f in _PROSE if isinstance(node.get(f), str) and "\n" not in node[f]), "id")
    line, col = node.value_marks[field]
    lines = text.split("\n")
    at = col - 1 + (lines[line - 1][col - 1] in "'\"")
    edit = "Edited " if field != "id" else ""
    lines[line - 1] = lines[line - 1][:at] + edit + lines[line - 1][at:]
    if field == "id":  # an id gets a suffix, which breaks what refers to it
        end = lines[line - 1].index(node["id"], at) + len(node["id"])
        lines[line - 1] = lines[line - 1][:end] + "-renamed" + lines[line - 1][end:]
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.versionless  # two of opsbook's own paths through the same libraries
def test_every_prose_edit_renders_what_a_fresh_run_renders(kept: Kept) -> None:
    """For each of the example's definitions in turn: edit it, rebuild with what serve
    keeps, and compare diagnostics and every page with a fresh validation and render."""
    first = kept.rebuild()
    assert first == kept.fresh()
    total = len(first[1] or {})
    partial = 0
    edits = list(prose_edits(kept.root))
    assert len(edits) > 60
    for name, path, edited in edits:  # each rebuild sees this edit and the last one undone
        original = path.read_text("utf-8")
        path.write_text(edited, "utf-8")
        try:
            assert kept.rebuild() == kept.fresh(), name
            partial += kept.renderer.rendered < total
        finally:
            path.write_text(original, "utf-8")
    assert kept.rebuild() == first
    # Leaf definitions (alerts, flags, incidents, rollouts, checklists) re-render a part.
    assert partial >= 50


def test_edits_that_reach_other_files_are_found_by_the_kept_validator(kept: Kept) -> None:
    """A rule reads other files' definitions (a flag's type, whether a severity pages, an
    id): changing those must re-check the files that depend on them."""
    kept.rebuild()
    policy = kept.root / "ops/policy.yaml"
    original = policy.read_text("utf-8")
    cases = {
        "a severity id that alerts use": ("  - id: warning\n", "  - id: warning-renamed\n"),
        "whether a severity pages": (
            "    pages: true\n    meaning: Something is broken",
            "    pages: false\n    meaning: Something is broken",
        ),
    }
    for name, (old, new) in cases.items():
        assert old in original, name
        policy.write_text(original.replace(old, new, 1), "utf-8")
        found, _ = kept.rebuild()
        assert found == kept.fresh()[0], name
        assert any(not d.startswith("ops/policy.yaml") for d in found), name
        policy.write_text(original, "utf-8")
        assert kept.rebuild()[0] == kept.fresh()[0], name


def test_moving_lines_adding_and_removing_definitions_render_as_fresh(kept: Kept) -> None:
    kept.rebuild()
    path = kept.root / "ops/onesource.yaml"
    original = path.read_text("utf-8")
    added = original.rstrip("\n").replace("\nalerts:\n", "\nalerts:\n" + NEW_ALERT, 1) + "\n"
    assert added != original
    for name, text in {
        "a comment line on top moves every line": "# moved\n" + original,
        "a new alert": added,
    }.items():
        path.write_text(text, "utf-8")
        assert kept.rebuild() == kept.fresh(), name
    path.write_text(original, "utf-8")  # the new alert is gone again
    after = kept.rebuild()
    assert after == kept.fresh()
    assert not any("addedforthetest" in page for page in after[1] or {})


def test_a_template_change_renders_every_page_again(kept: Kept) -> None:
    _, pages = kept.rebuild()
    footer = kept.root / "templates/footer.md.j2"
    footer.write_text("Footer changed.\n", "utf-8")
    _, changed = kept.rebuild()
    assert pages and changed and kept.renderer.rendered == len(changed)
    assert changed == kept.fresh()[1]


def test_an_unchanged_rebuild_renders_only_the_pages_about_many(kept: Kept) -> None:
    _, pages = kept.rebuild()
    _, again = kept.rebuild()
    assert again == pages
    assert kept.renderer.rendered == 5  # home, runbooks and checklists indexes, flags, policy


NEW_ALERT = """\
  - id: AddedForTheTest
    summary: An alert added while serving.
    severity: warning
    condition:
      expr: up == 0
      for: 5m
    notify:
      - slack: "#onesource-alerts"
    runbook:
      meaning: Nothing; it exists for a test.
      diagnosis:
        - Look.
      mitigation:
        - Wait.
"""


def test_plan_changes_looks_only_at_new_changed_and_gone_pages(tmp_path: Path) -> None:
    """What serve writes after a rebuild: the pages that differ from what it wrote last,
    those missing on disk, and the removal of pages that are gone (never hand-written)."""
    from opsbook.core.diagnostics import OpsbookError
    from opsbook.publish.write import Areas, apply_plan, plan_changes, plan_pages

    def page(text: str) -> str:
        return f"# {text}\n\n<!-- generated by opsbook from the definitions -->\n"

    layout = Areas(("runbooks",))
    first = {f"runbooks/{name}.md": page(name) for name in ("a", "b", "c", "d")}
    apply_plan(plan_pages(first, tmp_path, layout), tmp_path)
    (tmp_path / "runbooks/d.md").unlink()  # deleted by hand while serving
    second = {**first, "runbooks/b.md": page("b, edited"), "runbooks/e.md": page("e")}
    del second["runbooks/c.md"]
    plan = plan_changes(first, second, tmp_path, layout)
    assert sorted(plan.write) == ["runbooks/b.md", "runbooks/d.md", "runbooks/e.md"]
    assert plan.remove == ["runbooks/c.md"] and plan.unchanged == 1
    apply_plan(plan, tmp_path)
    assert plan_pages(second, tmp_path, layout).stale == []
    (tmp_path / "runbooks/f.md").write_text("# Written by a person\n", "utf-8")
    with pytest.raises(OpsbookError, match="hand-written"):
        plan_changes(second, {**second, "runbooks/f.md": page("f")}, tmp_path, layout)
