"""YAML text that people read and diff: block style, keys in the order given, multi-line
strings as literal blocks (`|`), no line folding; the same data always gives the same
bytes."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper with literal blocks for multi-line strings and indented lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def dump(data: Any) -> str:
    """The data as YAML text (PyYAML falls back to a quoted string where a literal block
    could not hold the text exactly, such as trailing spaces)."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2
    )
