"""Plain YAML values that remember where they came from.

The loader builds `YMap` and `YList`, ordinary `dict` and `list` subclasses, so that schema
validation and the model see plain data while every key and value keeps its 1-based
`(line, col)` in the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Mark = tuple[int, int]
"""A 1-based (line, column) position in a file."""


class YMap(dict[str, Any]):
    """A mapping with the position of itself, of each key and of each value."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}


class YList(list[Any]):
    """A sequence with the position of itself and of each item."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []


def mark_of(root: Any, path: Iterable[str | int], *, key: bool = False) -> Mark:
    """Position of the value at `path` under `root` (of its key when `key` is true).

    Walks as far as the path exists and returns the deepest position found, so that a
    path into a missing property still points at the mapping that lacks it.
    """
    node = root
    best: Mark = getattr(root, "mark", (1, 1))
    steps = list(path)
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(node, YMap) and isinstance(step, str) and step in node:
            if last and key:
                return node.key_marks[step]
            best = node.value_marks[step]
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            best = node.item_marks[step]
            node = node[step]
        else:
            break
    return best
