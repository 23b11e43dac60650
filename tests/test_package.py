"""The package's folders are the pipeline's stages, and imports run only downwards: a stage
imports itself and the stages below it, never one above it or an adapter."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.versionless  # the package's own source and imports

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


MODULE_LINES, FUNCTION_LINES, CLASS_LINES = 400, 60, 150
"""Lines of logic (no blank lines, comments or docstrings) a module, a function or a class
may hold: past them, a module does more than one thing."""

OVER = {
    "load/compose.py:_Composer._compose_document": 67,
}
"""What is past the limits, and how large it is now: it may shrink, never grow, and leaves
this list once it is within them. The composer's event loop is the hot loop of loading
(a call per YAML event): it stays one function."""


def _logic_lines(text: str) -> set[int]:
    """The lines of `text` that hold code: no blank lines, comments or docstrings."""
    tree = ast.parse(text)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        holders = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        if isinstance(node, holders) and ast.get_docstring(node) is not None:
            first = node.body[0]
            docstrings.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    code: set[int] = set()
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in skipped and token.type != tokenize.ENDMARKER:
            code.update(range(token.start[0], token.end[0] + 1))
    return code - docstrings


def _sizes() -> dict[str, tuple[int, int]]:
    """Every module, function and class of the package: its lines of logic and its limit."""
    sizes: dict[str, tuple[int, int]] = {}
    for path in _sources():
        text = path.read_text("utf-8")
        lines = _logic_lines(text)
        name = path.relative_to(PACKAGE).as_posix()
        sizes[name] = (len(lines), MODULE_LINES)
        sizes.update(_parts(ast.parse(text), lines, name))
    return sizes


def _parts(tree: ast.AST, lines: set[int], prefix: str) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            size = len([n for n in lines if node.lineno <= n <= (node.end_lineno or 0)])
            limit = CLASS_LINES if isinstance(node, ast.ClassDef) else FUNCTION_LINES
            name = f"{prefix}{'.' if ':' in prefix else ':'}{node.name}"
            found[name] = (size, limit)
            found.update(_parts(node, lines, name))
    return found


def test_no_module_function_or_class_grows_past_the_limits() -> None:
    sizes = _sizes()
    largest = sorted(sizes.items(), key=lambda item: item[1][0] / item[1][1], reverse=True)
    shown = ", ".join(f"{name} {size}/{limit}" for name, (size, limit) in largest[:8])
    over = {name: size for name, (size, limit) in sizes.items() if size > limit}
    assert {name: size for name, size in over.items() if name not in OVER} == {}, shown
    assert {name: size for name, size in over.items() if size > OVER[name]} == {}, shown
    assert [name for name in OVER if name not in over] == [], "within the limits now: unlist"


def test_the_size_count_leaves_out_docstrings_comments_and_blank_lines() -> None:
    text = (
        'def f():\n    """Doc\n    string."""\n\n    # a comment\n    return (\n        1\n    )\n'
    )
    assert sorted(_logic_lines(text)) == [1, 6, 7, 8]


def test_every_module_imports_first_without_a_cycle() -> None:
    """Each module imported first, in a fresh interpreter state, imports: no runtime
    import cycle. (The model's classes name each other in annotations, as an alert names
    its incidents and an incident its alerts; those imports are for type checkers only.)"""
    modules = [_module(path) for path in _sources() if path.name != "__main__.py"]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'opsbook']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
