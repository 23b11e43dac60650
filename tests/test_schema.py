"""The bundled opsbook/v1 schema: valid, strict and documented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from opsbook.load.schema import bundled_schema, validator


def walk_properties(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema with `properties`, and its path."""
    if isinstance(node, dict):
        if "properties" in node:
            yield path, node
        for key, value in node.items():
            if key != "if":  # a condition, not a shape that instances have
                yield from walk_properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_properties(value, f"{path}/{index}")


def test_schema_is_valid_draft_2020_12() -> None:
    schema = bundled_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_property_has_a_description() -> None:
    """Editors show the description on hover; a property without one is a gap."""
    missing = []
    for path, node in walk_properties(bundled_schema()):
        for name, prop in node["properties"].items():
            if "description" not in prop and "$ref" not in prop:
                missing.append(f"{path}/{name}")
            if "$ref" in prop and "description" not in prop:
                target = bundled_schema()["$defs"][prop["$ref"].split("/")[-1]]
                if "description" not in target:
                    missing.append(f"{path}/{name}")
    assert missing == []


def test_objects_refuse_unknown_keys() -> None:
    loose = [
        path
        for path, node in walk_properties(bundled_schema())
        if node.get("additionalProperties") is not False
    ]
    assert loose == []


def test_every_section_is_in_the_document() -> None:
    from opsbook.core.kinds import SECTIONS

    assert set(SECTIONS) <= set(bundled_schema()["properties"])


def test_validator_is_built_once() -> None:
    assert validator() is validator()
