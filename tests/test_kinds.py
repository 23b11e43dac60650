"""Each kind of definition is declared once, in `opsbook.core.kinds`, and every table of kinds is
derived from it: a kind without its schema, model class, template, scaffold or corpus
case fails here, and so does a module that lists kinds by hand."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from conftest import ROOT
from opsbook import model
from opsbook.authoring import editor
from opsbook.check import changes, validate
from opsbook.core import kinds
from opsbook.core.kinds import KINDS, Kind, missing_pieces
from opsbook.load import definitions, schema
from opsbook.load.files import load_paths
from opsbook.model.build import BUILDERS
from opsbook.model.layout import Layout
from opsbook.render import links

PACKAGE = ROOT / "generator" / "opsbook"
CORPUS = ROOT / "tests" / "corpus"


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.section)
def test_every_kind_has_its_schema_template_and_scaffold(kind: Kind) -> None:
    assert missing_pieces(kind) == []
    root = schema.bundled_schema()
    assert root["properties"][kind.section]["items"] == {"$ref": f"#/$defs/{kind.schema}"}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.section)
def test_every_kind_has_its_model_class_and_catalog_field(kind: Kind) -> None:
    fields = {field.name for field in dataclasses.fields(model.Catalog)}
    if kind.model is None:
        assert kind.section not in fields and kind.template is None
        return
    assert isinstance(getattr(model, kind.model), type)
    assert kind.section in fields
    if kind.page is not None:
        assert callable(getattr(Layout(), kind.page))


def test_every_modelled_kind_has_its_builder() -> None:
    """The catalog builds each kind that has a model class, and nothing else."""
    assert set(BUILDERS) == {kind.section for kind in kinds.MODELLED}


def test_every_kind_is_defined_in_the_corpus() -> None:
    """The golden corpus (base, valid cases) holds at least one definition of each kind."""
    loaded = load_paths([CORPUS / "base", CORPUS / "valid"])
    found = {section for f in loaded.files for section in kinds.SECTIONS if f.data.get(section)}
    assert found == set(kinds.SECTIONS)


def test_the_tables_of_kinds_are_the_registry() -> None:
    """What the stages use is what the registry says, kind by kind."""
    assert list(definitions.KINDS) == list(kinds.SECTIONS)
    assert {k: v for k, v in definitions.KINDS.items()} == {k.section: k.one for k in KINDS}
    assert {k.section for k in KINDS if k.shared} == changes.SHARED
    assert set(validate._LOOKED_INTO) == {k.section for k in KINDS if k.looked_into}
    assert tuple(k.scaffold for k in KINDS if k.scaffold) == editor.SCAFFOLD_KINDS
    assert set(links.SECTIONS.values()) == {k.section for k in KINDS if k.model}
    for kind in KINDS:
        for path, target in kind.references:
            assert (path, target) in definitions.REFERENCES[kind.section]
            assert target in kinds.BY_SECTION
    parts = {k.schema_part for k in KINDS}
    assert parts <= set(schema.SCHEMA_PARTS)


def test_a_new_kind_names_the_files_it_still_needs() -> None:
    """Adding a kind is one entry in `KINDS`, plus its schema, template and scaffold: a new
    entry without them is told exactly which files to write."""
    widget = Kind(
        "widgets", "widget", "widget", "widgets", "Widget",
        page="widget", template="widget.md.j2", scaffold="widget",
        listed_on=("home.md.j2", "widgets.md.j2"),
    )  # fmt: skip
    assert missing_pieces(widget) == [
        "schemas/widgets.json",
        "templates/widget.md.j2",
        "scaffolds/widget.yaml",
        "templates/widgets.md.j2",
    ]
    in_a_part = dataclasses.replace(widget, schema_part="services")
    assert missing_pieces(in_a_part)[0] == "schemas/services.json: $defs/widget"


def _listed_by_hand(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """Literal tuples, lists, sets and dict keys that name four or more sections."""
    found = []
    for node in ast.walk(tree):
        items: list[ast.expr | None] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.keys)
        named = sorted(
            {
                item.value
                for item in items
                if isinstance(item, ast.Constant) and item.value in kinds.BY_SECTION
            }
        )
        if len(named) >= 4:
            found.append((node.lineno, named))
    return found


def test_no_module_but_the_registry_lists_the_kinds() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "kinds.py":
            continue
        for line, named in _listed_by_hand(ast.parse(path.read_text("utf-8"))):
            offenders.append(f"{Path(path).relative_to(ROOT)}:{line}: {', '.join(named)}")
    assert offenders == []
