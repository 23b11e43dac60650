"""The opsbook/v1 JSON Schema: bundling it, and checking documents with positioned errors."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from opsbook.core import defaults, kinds
from opsbook.core.diagnostics import Diagnostic, Level
from opsbook.load.files import SourceFile
from opsbook.load.nodes import YList, YMap, mark_of

if TYPE_CHECKING:  # jsonschema is imported when a document is invalid, not before
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_PARTS = ("common", *dict.fromkeys(kind.schema_part for kind in kinds.KINDS))
"""Package data files whose definitions go into the bundled schema's `$defs`."""


@cache
def bundled_schema() -> dict[str, Any]:
    """The whole schema as one document: the root plus every part under `$defs`."""
    folder = resources.files("opsbook") / "schemas"
    root: dict[str, Any] = json.loads((folder / "document.json").read_text("utf-8"))
    definitions: dict[str, Any] = {}
    for part in SCHEMA_PARTS:
        for name, subschema in json.loads((folder / f"{part}.json").read_text("utf-8")).items():
            if name in definitions:
                raise RuntimeError(f"schema definition {name!r} appears twice")
            definitions[name] = subschema
    root["$defs"] = definitions
    return root


@cache
def validator() -> Draft202012Validator:
    """The validator, built once: building one costs far more than a validation."""
    from jsonschema import Draft202012Validator

    schema = bundled_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def fast_validator() -> Any:
    """A compiled validator (jsonschema-rs) that only answers valid or not, about 90×
    faster than jsonschema on valid documents; None where it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - an optional speed-up
        return None
    return jsonschema_rs.validator_for(bundled_schema(), validate_formats=False)


def check_document(source: SourceFile) -> tuple[list[Diagnostic], set[tuple[str, int]]]:
    """Every schema problem of one document, each at the position of the offending node.

    Also returns the definitions, as (section, index), that have problems, so that later
    rules can leave them alone instead of piling consequences on the one real mistake.
    """
    data = source.data
    version = data.get("apiVersion")
    if version != defaults.API_VERSION:
        where = data.value_marks.get("apiVersion", data.mark)
        message = (
            f"missing `apiVersion: {defaults.API_VERSION}`"
            if "apiVersion" not in data
            else f"apiVersion {version!r} is not supported; this opsbook reads "
            f"{defaults.API_VERSION!r}"
        )
        everything = {(s, i) for s in kinds.SECTIONS for i in range(len(data.get(s) or ()))}
        return [Diagnostic(source.path, *where, Level.ERROR, "api-version", message)], everything
    found: list[Diagnostic] = []
    invalid: set[tuple[str, int]] = set()
    fast = fast_validator()
    if fast is not None and fast.is_valid(data):
        return found, invalid  # invalid documents get jsonschema's full, positioned errors
    for error in validator().iter_errors(data):
        path = list(error.absolute_path)
        if len(path) >= 2 and isinstance(path[1], int):
            invalid.add((str(path[0]), path[1]))
        for leaf in _leaves(error):
            found.extend(_describe(source, leaf))
        if len(found) >= defaults.MAX_PROBLEMS_PER_FILE:
            found.extend(_count_the_rest(source, invalid))
            break
    return found, invalid


def _count_the_rest(source: SourceFile, invalid: set[tuple[str, int]]) -> list[Diagnostic]:
    """Past the limit, the remaining definitions are only sorted into valid and invalid
    (by the compiled validator, a few microseconds each): `invalid` gets them, and one
    line counts them."""
    data = source.data
    first: tuple[int, int] | None = None
    more = 0
    for section in kinds.SECTIONS:
        items = data.get(section)
        if not isinstance(items, list):
            continue
        check = _item_check(section)
        for index, item in enumerate(items):
            if (section, index) in invalid or check(item):
                continue
            invalid.add((section, index))
            more += 1
            if first is None:
                first = mark_of(data, [section, index])
    where = first or mark_of(data, [])
    return [
        Diagnostic(
            source.path,
            *where,
            Level.ERROR,
            "problem-limit",
            f"{more:,} more definitions have schema problems",  # completed by the limiter
        )
    ]


@cache
def _item_check(section: str) -> Any:
    """Whether one definition of `section` is valid, as fast as the validators allow."""
    schema = bundled_schema()
    item = {"$ref": schema["properties"][section]["items"]["$ref"], "$defs": schema["$defs"]}
    try:
        import jsonschema_rs

        return jsonschema_rs.validator_for(item, validate_formats=False).is_valid
    except ImportError:  # pragma: no cover - an optional speed-up
        from jsonschema import Draft202012Validator

        return Draft202012Validator(item).is_valid


@cache
def release_validator() -> Draft202012Validator:
    """The validator of release state files (`checklists/releases/<rollout>/<v>.yaml`)."""
    folder = resources.files("opsbook") / "schemas"
    from jsonschema import Draft202012Validator

    schema = json.loads((folder / "release.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_release_document(source: SourceFile) -> list[Diagnostic]:
    """Every schema problem of one release state file, each at its position."""
    found: list[Diagnostic] = []
    for error in release_validator().iter_errors(source.data):
        for leaf in _leaves(error):
            found.extend(_describe(source, leaf))
    return found


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors worth showing: for `oneOf`/`anyOf`, those of the branch the value meant."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        yield error
        return
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    plausible = [
        errors
        for errors in branches.values()
        if not any(e.validator == "type" and not e.relative_path for e in errors)
    ]
    if len(plausible) == 1:
        for sub in plausible[0]:
            yield from _leaves(sub)
    elif not plausible:
        yield error  # the value has none of the shapes: described by its expected types
    else:
        from jsonschema.exceptions import best_match

        yield best_match([error])


_TYPE_NAMES = {
    dict: "a mapping",
    YMap: "a mapping",
    list: "a list",
    YList: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null (nothing)",
}
_SCHEMA_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}
_PATTERN_HINTS = {
    "id": "an id has only letters, digits, `_`, `-` and `.`, and does not start with `.`",
    "duration": "a duration is a number and a unit such as `90s`, `15m`, `48h` or `2w`",
    "date": "a date is written `YYYY-MM-DD`",
}


def _describe(source: SourceFile, error: ValidationError) -> Iterator[Diagnostic]:
    path = list(error.absolute_path)
    data = source.data

    def at(rule: str, message: str, at_path: list[Any] = path, key: bool = False) -> Diagnostic:
        line, col = mark_of(data, at_path, key=key)
        return Diagnostic(source.path, line, col, Level.ERROR, rule, message)

    where = _where(path)
    kind = error.validator
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    expected: Any = error.validator_value
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for extra in [k for k in error.instance if k not in allowed]:
            yield at(
                "schema-unknown-key", _unknown_key(extra, allowed, where), [*path, extra], True
            )
    elif kind == "required" and isinstance(error.instance, dict):
        for missing in [name for name in expected if name not in error.instance]:
            yield at("schema-required", f"{where} is missing required property `{missing}`")
    elif kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_SCHEMA_TYPE_NAMES.get(n, n) for n in names)
        got = _TYPE_NAMES.get(type(error.instance), type(error.instance).__name__)
        yield at("schema-type", f"{where} must be {wanted}, not {got}")
    elif kind in ("enum", "const"):
        options = list(expected) if kind == "enum" else [expected]
        yield at("schema-enum", _not_one_of(error.instance, options, where))
    elif kind == "pattern":
        yield at("schema-format", _bad_pattern(error.instance, expected, schema, where))
    elif kind in ("minProperties", "maxProperties") and "slack" in schema.get("properties", {}):
        channels = ", ".join(f"`{n}`" for n in schema["properties"])
        yield at("schema-value", f"{where} must name exactly one channel: one of {channels}")
    elif kind == "minLength" or (kind == "minItems" and not error.instance):
        yield at("schema-value", f"{where} must not be empty")
    elif kind in ("oneOf", "anyOf") and error.context:
        types = [
            _SCHEMA_TYPE_NAMES.get(str(e.validator_value), str(e.validator_value))
            for e in error.context
            if e.validator == "type" and not e.relative_path
        ]
        got = _TYPE_NAMES.get(type(error.instance), type(error.instance).__name__)
        yield at("schema-type", f"{where} must be {' or '.join(types)}, not {got}")
    elif kind == "not":
        yield at(
            "schema-value", f"{where}: `javascript:`, `data:` and `vbscript:` links are refused"
        )
    else:
        yield at("schema-value", f"{where}: {error.message}")


def _where(path: list[Any]) -> str:
    """A JSON path in the style users write it: `alerts[2].runbook.meaning`."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return f"`{text}`" if text else "the document"


def _unknown_key(key: str, allowed: list[str], where: str) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown property `{key}` in {where}; did you mean `{close[0]}`?"
    listed = ", ".join(f"`{a}`" for a in allowed)
    return f"unknown property `{key}` in {where}; expected one of {listed}"


def _not_one_of(value: Any, options: list[Any], where: str) -> str:
    listed = ", ".join(f"`{o}`" for o in options)
    if len(options) == 1:
        return f"{where} must be `{options[0]}`, not `{value}`"
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.6)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"{where} is `{value}`, which is not one of {listed}{hint}"


def _bad_pattern(value: Any, pattern: str, schema: Mapping[str, Any], where: str) -> str:
    for name, hint in _PATTERN_HINTS.items():
        if bundled_schema()["$defs"][name].get("pattern") == pattern:
            return f"{where} is `{value}`, which is not valid: {hint}"
    description = schema.get("description", f"it must match `{pattern}`")
    return f"{where} is `{value}`, which is not valid: {description}"
