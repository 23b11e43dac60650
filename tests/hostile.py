"""Hostile handbooks made from the bundled schema: every plain string field of every kind,
in the starter handbook of `opsbook init`, given a payload that tries to become markup.

`hostile_handbook(root)` writes one; the values that `opsbook validate` refuses (at their
YAML position) are taken back one by one, so what is left is a handbook that validates and
carries a payload in every field that accepts one.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from opsbook.check.validate import validate_paths
from opsbook.core import kinds
from opsbook.load.files import load_text
from opsbook.load.nodes import YList, YMap
from opsbook.load.schema import bundled_schema

LINE = (
    "</title><script>alert('title')</script><img src=x onerror=alert('img')>"
    "<svg onload=alert('svg')></svg><iframe src=\"javascript:alert('frame')\"></iframe>"
    " [a](javascript:alert('a')) [b](JaVaScRiPt:alert('b')) [c](java&#x09;script:alert('c'))"
    " [d](<javascript:alert('d')>) [e](java\tscript:alert('e'))"
    " <a href=\"&#106;avascript:alert('f')\">f</a> \" onmouseover=\"alert('g')\" x='"
    ' %%{init: {"securityLevel": "loose"}}%% click A call alert(\'h\') --> B["x"] ;'
)
"""One line that tries every way out: closing the <title>, tags with handlers, javascript:
links in every case, with entities and whitespace, attribute breakouts, Mermaid
directives and `click` callbacks."""

PROSE = (
    "```\nfence first\n```\n\n"
    + LINE
    + "\n\n<div onmouseover=\"alert('div')\">block</div>\n\n# Injected {: onclick=\"alert('h1')\" }"
    + "\n\n```\nfence\n```\n"
)
"""Prose (Markdown) gets blocks too: a fence first (which, after `**Name**: `, would not
open but would close), raw HTML blocks, attribute lists."""

_VALUE_DEFS = frozenset({"id", "duration", "date", "url", "operator"})


def hostile_handbook(root: Path, plain: bool = False) -> int:
    """Write the starter handbook into `root` with payloads in every plain string field;
    returns how many fields carry one. With `plain`, the same fields hold plain text: the
    handbook to compare the hostile one with."""
    from opsbook.authoring.starter import starter_files

    root = root.resolve()  # diagnostics are matched to the files by resolved path
    for name, text in starter_files().items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    schema = bundled_schema()
    texts = ("Plain text.", "Plain text.") if plain else (LINE, PROSE)
    documents: dict[Path, Any] = {}
    originals: dict[Path, Any] = {}
    injected: dict[Path, list[tuple[Any, ...]]] = {}
    for path in sorted((root / "ops").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        if path.name == "shop.yaml":
            _free_form(data, texts[0])
        originals[path] = copy.deepcopy(data)
        found: list[tuple[Any, ...]] = []
        for section in kinds.SECTIONS:
            ref = schema["properties"][section]["items"]["$ref"].rsplit("/", 1)[-1]
            for index, item in enumerate(data.get(section, [])):
                _inject(item, schema["$defs"][ref], (section, index), found, texts)
        documents[path], injected[path] = data, found
    if not plain:  # file names come from the repository too
        hostile = root / "ops" / "sh op\"><img src=x onerror=alert('file')>(x).yaml"
        (root / "ops" / "shop.yaml").rename(hostile)
        documents[hostile] = documents.pop(root / "ops" / "shop.yaml")
        originals[hostile] = originals.pop(root / "ops" / "shop.yaml")
        injected[hostile] = injected.pop(root / "ops" / "shop.yaml")
    for _ in range(50):  # take back what validate refuses, until it passes
        _write(documents)
        refused = [d for d in validate_paths([root / "ops"]).diagnostics if d.level == "error"]
        if not refused:
            return sum(len(v) for v in injected.values())
        for diagnostic in refused:
            path = Path(diagnostic.path).resolve()
            where = _path_at(load_text(path.read_text("utf-8")), diagnostic.line, diagnostic.col)
            taken = [
                p
                for p in injected[path]
                if where is not None and _strip(p) == where[: len(_strip(p))]
            ]
            if not taken:
                raise AssertionError(f"validate refused what was not injected: {diagnostic}")
            for p in taken:
                _take_back(documents[path], originals[path], p)
                injected[path].remove(p)
    raise AssertionError("the hostile handbook did not settle")


def _free_form(data: dict[str, Any], text: str) -> None:
    """Give the starter the shapes whose strings the schema does not name one by one (flag
    variants, targeting and metadata, SLO indicators and the `slos` section, Argo steps
    and analyses), holding `text` where they are free-form."""
    flag = data["flags"][0]
    flag["variants"] = [{"name": "on", "value": True}, {"name": "off", "value": False}]
    flag["metadata"] = {"note": text}
    flag["targeting"] = {"if": [{"==": [{"var": "email"}, text]}, "on", None]}
    slo = data["services"][0]["slos"][0]
    slo["target"] = 99.9
    slo["indicator"] = {"name": "availability", "description": "x", "good": text, "total": text}
    data["slos"] = [
        {
            "id": "latency",
            "name": "Latency",
            "description": "x",
            "objective": {"metric": "p95", "operator": "<", "threshold": 1},
            "target": 99,
            "budgeting": "timeslices",
            "time_slice": {"window": "1m", "target": 90},
            "indicator": {"description": "x", "threshold": text, "source": "x"},
        }
    ]
    phase = data["rollouts"][0]["phases"][0]
    phase["argo_steps"] = [{"at": "start", "step": {"setCanaryScale": {"note": text}}}]
    phase["gates"].append(
        {"check": "x", "analysis": {"template": "x", "args": [{"name": "x", "value": text}]}}
    )


def _inject(
    node: Any,
    schema: dict[str, Any],
    at: tuple[Any, ...],
    found: list[Any],
    texts: tuple[str, str],
) -> None:
    defs = bundled_schema()["$defs"]
    line, prose = texts
    schema = _resolve(schema, defs)
    if isinstance(node, dict):
        objects = [schema, *[_resolve(s, defs) for s in schema.get("oneOf", ())]]
        shape = next((s for s in objects if "properties" in s), None)
        if shape is None:
            return
        for name, prop in shape["properties"].items():
            kind = _kind(prop, defs)
            if name in node:
                if kind in ("line", "prose") and isinstance(node[name], str):
                    node[name] = line if kind == "line" else prose
                    found.append((*at, name))
                else:
                    _inject(node[name], prop, (*at, name), found, texts)
            elif kind in ("line", "prose") and "maxProperties" not in shape:
                node[name] = line if kind == "line" else prose
                found.append((*at, name, "added"))
    elif isinstance(node, list):
        items = schema.get("items", {})
        for index, item in enumerate(node):
            if isinstance(item, str) and _kind(items, defs) in ("line", "prose", "step"):
                node[index] = prose if _kind(items, defs) != "line" else line
                found.append((*at, index))
            else:
                _inject(item, items, (*at, index), found, texts)


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """`line` (plain text), `prose` (Markdown), `step` (Markdown or an object), or other."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        if name == "markdown":
            return "prose"
        if name in ("step", "checkItem"):
            return "step"
        if name in _VALUE_DEFS:
            return "value"
        return _kind(defs[name], defs) if "type" in defs[name] else "other"
    if prop.get("type") == "string" and not ({"pattern", "enum", "format", "const"} & set(prop)):
        return "line"
    return "other"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema and schema["$ref"].rsplit("/", 1)[-1] not in _VALUE_DEFS:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _write(documents: dict[Path, Any]) -> None:
    for path, data in documents.items():
        header = "# yaml-language-server: $schema=../schemas/opsbook.schema.json\n"
        text = json.dumps(data, indent=1, ensure_ascii=False)  # JSON is YAML 1.2
        path.write_text(header + text + "\n", "utf-8")


def _path_at(node: Any, line: int, col: int, at: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The deepest path whose key or value starts at (line, col), or None."""
    best: tuple[Any, ...] | None = None
    if isinstance(node, YMap):
        children = [(k, v, (node.key_marks[k], node.value_marks[k])) for k, v in node.items()]
    elif isinstance(node, YList):
        children = [
            (i, v, (m,)) for i, (v, m) in enumerate(zip(node, node.item_marks, strict=True))
        ]
    else:
        return None
    for step, value, marks in children:
        here = (*at, step)
        if (line, col) in marks:
            best = here
        deeper = _path_at(value, line, col, here)
        if deeper is not None and (best is None or len(deeper) > len(best)):
            best = deeper
    return best


def _strip(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return path[:-1] if path[-1] == "added" else path


def _take_back(data: Any, original: Any, path: tuple[Any, ...]) -> None:
    """Remove an added field, or put back the value the starter had."""
    added = path[-1] == "added"
    steps = path[:-1] if added else path
    node, before = data, original
    for step in steps[:-1]:
        node, before = node[step], before[step]
    if added:
        del node[steps[-1]]
    else:
        node[steps[-1]] = before[steps[-1]]
