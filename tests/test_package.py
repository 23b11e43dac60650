"""The package's folders are the pipeline's stages, and imports run only downwards: a stage
imports itself and the stages below it, never one above it or an adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "generator" / "opsbook"

STAGES = (
    "core",  # defaults, diagnostics, the registries of kinds and rules
    "load",  # YAML with positions, the definitions in it, schema, settings
    "model",  # the typed model and the catalog built from loaded files
    "releases",  # release records of checklists
    "check",  # cross-reference and quality rules, validation
    "render",  # Markdown pages through Jinja2
    "authoring",  # scaffolds, the kinds' reference, the starter handbook
    "formats",  # other tools' formats, in and out
    "publish",  # the pipeline, the docs tree, engines, the mkdocs plugin, the preview
    "cli",  # the command line
)
"""From the ground up; `opsbook/__main__.py` stands above them all."""


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every opsbook module that `path` imports, anywhere in it (inside functions and
    `TYPE_CHECKING` blocks too), with the line of the import."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imported(path.read_text("utf-8"), package)


def _imported(text: str, package: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.append((node.lineno, base))
            # `from opsbook import model`, `from opsbook.core import kinds`: the module too.
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "opsbook"]


def _stage(module: str) -> int | None:
    """The stage a module belongs to (its index in STAGES), None for the package's face."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_stage() -> None:
    """Only the package's face and `python -m opsbook` stand outside the stages' folders."""
    outside = {_module(p) for p in _sources() if _stage(_module(p)) is None}
    assert outside == {"opsbook", "opsbook.__main__"}


def test_imports_run_downwards() -> None:
    upward = []
    for path in _sources():
        stage = _stage(_module(path))
        if stage is None:
            continue
        for line, name in _imports(path):
            target = _stage(name)
            if target is not None and target > stage:
                upward.append(f"{path.relative_to(ROOT)}:{line}: {STAGES[stage]} imports {name}")
    assert upward == []


def test_the_direction_check_sees_an_upward_import() -> None:
    """The walk above finds imports inside functions, relative ones and `from x import y`."""
    text = "def f():\n    from opsbook.publish import handbook\n    from ..render import pages\n"
    names = {name for _, name in _imported(text, "opsbook.load")}
    assert {"opsbook.publish.handbook", "opsbook.render.pages"} <= names
    assert max(_stage(name) or 0 for name in names) > STAGES.index("load")


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_is(stage: str) -> None:
    """Each stage's folder has a docstring in its `__init__.py`, which only names what its
    modules define."""
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text("utf-8"))
    assert ast.get_docstring(tree)
    if stage != "cli":  # the command group
        assert all(isinstance(node, ast.Expr | ast.ImportFrom | ast.Assign) for node in tree.body)
