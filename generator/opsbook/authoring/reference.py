"""The reference of every kind and field, written from the bundled schema so it never
drifts from what `opsbook validate` accepts (`opsbook schema --format markdown`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import yaml

from opsbook.core import kinds
from opsbook.load.files import load_text
from opsbook.load.schema import bundled_schema

TITLE = "Definitions reference"
NOTE = (
    "<!-- written by `opsbook schema --format markdown` from the bundled schema; "
    "change the schema, not this page -->"
)
_VALUE_TYPES = ("id", "markdown", "duration", "date", "url", "operator")
"""Definitions of the schema that are plain values: listed once, by name, in one table."""

Row = tuple[str, str, bool, str, str]  # field, type, required, values, description


def reference_markdown() -> str:
    """The whole reference as one Markdown page."""
    schema = bundled_schema()
    defs: dict[str, Any] = schema["$defs"]
    shapes: list[str] = []
    out = [f"# {TITLE}", "", NOTE, ""]
    out += [
        "Every `*.yaml` file of the definitions folder holds one document with "
        "`apiVersion: opsbook/v1`, an optional default `service`, and any of the sections "
        "below, each a list of definitions. Definitions refer to each other by id. "
        "Prose values are Markdown.",
        "",
        "## The document",
        "",
        *_table(list(_rows(schema, "", defs, shapes, top=True)), "Key"),
    ]
    examples = _examples()
    for section in kinds.SECTIONS:
        name = schema["properties"][section]["items"]["$ref"].rsplit("/", 1)[-1]
        definition = defs[name]
        out += ["", f"## `{section}`", "", definition.get("description", ""), ""]
        out += _table(list(_rows(definition, "", defs, shapes)), "Field")
        if section in examples:
            out += ["", "Example:", "", "```yaml", examples[section].rstrip("\n"), "```"]
    out += ["", "## Shared shapes", "", "Parts that several kinds use."]
    done: set[str] = set()
    while shapes:
        name = shapes.pop(0)
        if name in done:
            continue
        done.add(name)
        definition = defs[name]
        out += ["", f"### {name}", "", definition.get("description", ""), ""]
        out += [f"Type: {_type(definition, defs, shapes)}.", ""]
        for alternative in [definition, *definition.get("oneOf", ())]:
            if "properties" in alternative:
                out += _table(list(_rows(alternative, "", defs, shapes)), "Field")
    out += ["", "## Value types", "", "| Type | Meaning |", "|---|---|"]
    for name in _VALUE_TYPES:
        definition = defs[name]
        meaning = _cell(definition.get("description", ""))
        if "enum" in definition:
            meaning += " One of " + ", ".join(f"`{v}`" for v in definition["enum"]) + "."
        out.append(f'| <a id="{name}"></a>{name} | {meaning} |')
    return "\n".join(out) + "\n"


def _table(rows: list[Row], first: str) -> list[str]:
    lines = [f"| {first} | Type | Values | Description |", "|---|---|---|---|"]
    for field, kind, required, values, description in rows:
        values = "; ".join(part for part in ("**required**" if required else "", values) if part)
        lines.append(f"| `{field}` | {kind} | {_cell(values)} | {_cell(description)} |")
    return lines


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rows(
    schema: dict[str, Any], prefix: str, defs: dict[str, Any], shapes: list[str], top: bool = False
) -> Iterator[Row]:
    """One row per property, nested mappings and lists of mappings flattened (`a.b`,
    `a[].b`); properties of named shapes are listed under the shape."""
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        if top and name in kinds.SECTIONS:
            kind = prop["items"]["$ref"].rsplit("/", 1)[-1]
            yield name, f"list of [{kind}](#{name})", False, "", prop.get("description", "")
            continue
        field = f"{prefix}{name}"
        resolved = _resolve(prop, defs)
        yield (
            field,
            _type(prop, defs, shapes),
            name in required,
            _values(resolved),
            _description(prop, defs),
        )
        if "$ref" in prop:
            continue
        if prop.get("type") == "object" and "properties" in prop:
            yield from _rows(prop, f"{field}.", defs, shapes)
        items = prop.get("items", {})
        if prop.get("type") == "array" and "properties" in items and "$ref" not in items:
            yield from _rows(items, f"{field}[].", defs, shapes)


def _description(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """The nearest description along a chain of `$ref`s."""
    while "description" not in schema and "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return str(schema.get("description", ""))


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _type(schema: dict[str, Any], defs: dict[str, Any], shapes: list[str]) -> str:
    """How a reader should picture a value: `id`, `list of [step](#step)`, `integer`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = defs[name]
        if name in _VALUE_TYPES:
            return f"[{name}](#{name})"
        if target.get("type") == "object" or "oneOf" in target or "anyOf" in target:
            shapes.append(name)
            return f"[{name}](#{name.lower()})"
        if name in ("steps", "checkItems", "reviewed", "reviewBy", "suppress"):
            return _type(target, defs, shapes)
        return _type(target, defs, shapes)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(_type(s, defs, shapes) for s in schema[key]))
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), defs, shapes)}"
    if kind == "object":
        return "mapping" if "properties" in schema else "mapping of text"
    if isinstance(kind, list):
        return " or ".join(kind)
    if "enum" in schema:
        return "text" if all(isinstance(v, str) for v in schema["enum"]) else "value"
    if "const" in schema:
        return "value"
    return {"string": "text", None: "any"}.get(kind, str(kind))


def _values(schema: dict[str, Any]) -> str:
    parts = []
    if "enum" in schema:
        parts.append(", ".join(f"`{_show(v)}`" for v in schema["enum"]))
    if "const" in schema:
        parts.append(f"`{_show(schema['const'])}`")
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '…')}–{schema.get('maximum', '…')}")
    if "default" in schema:
        parts.append(f"default `{_show(schema['default'])}`")
    return "; ".join(parts)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _examples() -> dict[str, str]:
    """The first definition of each section in the starter handbook (`opsbook init`),
    which the tests validate: examples that are known to be right."""
    from opsbook.model.build.values import plain

    found: dict[str, str] = {}
    for name in ("policy.yaml", "shop.yaml"):
        text = (resources.files("opsbook") / "starter" / "ops" / name).read_text("utf-8")
        document = load_text(text)
        for section in kinds.SECTIONS:
            if section in document and section not in found:
                first = {section: [plain(document[section][0])]}
                found[section] = yaml.safe_dump(
                    first, sort_keys=False, allow_unicode=True, width=10_000
                )
    return found
