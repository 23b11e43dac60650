"""YAML composed with positions: libyaml's events into mappings and lists that know the
line and column of every key and value.

libyaml's C parser produces the events; the composer here is ours. It is iterative (the
C composer recurses and overflows the C stack on deeply nested input), caps nesting depth
and alias expansion, rejects duplicate and non-string keys, and resolves plain scalars by
the YAML 1.2 core schema, so `on`, `no` and `2025-10-19` stay strings and `010` is 10.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.loader import SafeLoader as _PythonParser

from opsbook.core import defaults
from opsbook.load.nodes import Mark, YList, YMap

_Parser: Any
try:  # libyaml's event parser; the pure-Python one is a slow but correct fallback
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = _PythonParser

_LIBYAML_DEPTH_LIMIT = "maximum nesting depth"
"""Part of libyaml's own message (0.2.6 and later) when flow nesting passes 1,000 levels.
Its scanner reads a flow collection ahead before any event reaches our composer, so our
lower limit would never be met: such a file is composed again by the pure-Python parser,
which has no limit of its own, so `nesting-depth` is reported where our limit is passed."""


class LoadProblem(Exception):
    """A problem that stops reading one file, at a position in it."""

    def __init__(self, rule: str, message: str, mark: Mark = (1, 1)) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.mark = mark


def compose(text: str) -> tuple[YMap, list[LoadProblem]]:
    """The top-level mapping of `text`, and the key problems that did not stop reading it
    (duplicate and non-string keys). Any other problem is raised."""
    problems: list[LoadProblem] = []
    try:
        root = _composed(text, problems, _Composer.compose)
    except yaml.reader.ReaderError as exc:
        where = _position(text, exc.position)
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        problems.append(
            LoadProblem(
                "yaml-syntax",
                f"invalid YAML: character {char} is not allowed in YAML text; write it as an "
                "escape in a double-quoted string",
                where,
            )
        )
        raise ComposeProblems(problems) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _within(text, (mark.line + 1, mark.column + 1)) if mark else (1, 1)
        message = exc.problem or "cannot parse"
        if exc.context and exc.context_mark:
            message += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        problems.append(LoadProblem("yaml-syntax", f"invalid YAML: {message}", where))
        raise ComposeProblems(problems) from None
    except LoadProblem as problem:
        problems.append(problem)
        raise ComposeProblems(problems) from None
    if root is _EMPTY:
        raise LoadProblem("empty-file", "file holds no definitions (it is empty)")
    if not isinstance(root, YMap):
        shown = repr(root) if len(repr(root)) <= 40 else repr(root)[:39] + "…"
        kind = "a list" if isinstance(root, YList) else f"the scalar {shown}"
        raise LoadProblem(
            "not-a-mapping",
            f"a definitions file must be a mapping with `apiVersion`, not {kind}",
            getattr(root, "mark", (1, 1)),
        )
    return root, problems


def _composed(text: str, problems: list[LoadProblem], how: Callable[[_Composer], Any]) -> Any:
    """`how` applied to a composer of `text`; when libyaml stops at its own nesting limit,
    again with the pure-Python parser, so that ours is the one reported."""
    try:
        return how(_Composer(text, problems))
    except yaml.MarkedYAMLError as exc:
        if _LIBYAML_DEPTH_LIMIT not in (exc.problem or "") or _Parser is _PythonParser:
            raise
        problems.clear()
        return how(_Composer(text, problems, _PythonParser))


def compose_documents(text: str) -> list[Any]:
    """Every YAML (or JSON) document of `text`, with positions and the loader's limits,
    for files of other tools (rule files hold several documents). Raises LoadProblem, or
    ComposeProblems with every problem at its position."""
    problems: list[LoadProblem] = []
    try:
        documents = _composed(text, problems, _Composer.compose_all)
    except yaml.reader.ReaderError as exc:
        raise LoadProblem(
            "yaml-syntax", f"invalid YAML: {exc.reason}", _position(text, exc.position)
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _within(text, (mark.line + 1, mark.column + 1)) if mark else (1, 1)
        raise LoadProblem(
            "yaml-syntax", f"invalid YAML: {exc.problem or 'cannot parse'}", where
        ) from None
    if problems:
        raise ComposeProblems(problems)
    return [d for d in documents if d is not _EMPTY]


def _position(text: str, index: int) -> Mark:
    """The 1-based (line, column) of character `index` of `text`."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _within(text: str, mark: Mark) -> Mark:
    """A position at the end of the text (past its last line break, where libyaml puts an
    unexpected end) as the end of its last line, which an editor can go to."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if lines and mark[0] > len(lines):
        return len(lines), len(lines[-1]) + 1
    return mark


class ComposeProblems(Exception):
    """Every problem that stopped composing a text, each at its position."""

    def __init__(self, problems: list[LoadProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


# --- scalar resolution: the YAML 1.2 core schema -------------------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INFINITIES = {
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
    "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}  # fmt: skip
_WORD_START = frozenset("tTfFnN~")  # true, false, null, ~: five characters at most
_NUMBER_START = frozenset("-+.0123456789")
_MAYBE_TYPED = _WORD_START | _NUMBER_START
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


class _NumberRange(ValueError):
    """A plain scalar that is a number no definition holds: beyond 64 bits, inf or NaN."""


_INT_LIMIT = 2**63


def resolve_plain(value: str) -> Any:
    """The value of a plain (unquoted) scalar under the YAML 1.2 core schema.

    Integers beyond 64 bits, infinities and NaN raise `_NumberRange`: no definition means
    them, and they break what reads them (Python refuses to print a 4,301-digit integer)."""
    resolved = _resolve_plain(value)
    if type(resolved) is int and not -_INT_LIMIT <= resolved < _INT_LIMIT:
        raise _NumberRange(f"{len(value):,}-character number is beyond 64-bit integers")
    if type(resolved) is float and (resolved != resolved or resolved in _INFINITE):
        raise _NumberRange(f"`{value[:20]}` is not a finite number")
    return resolved


_INFINITE = (float("inf"), float("-inf"))


def _resolve_plain(value: str) -> Any:
    if not value:
        return None
    first = value[0]
    if first in _WORD_START:
        if len(value) > 5:
            return value
        if value in _NULLS:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        return value
    if first not in _NUMBER_START:
        return value
    if _INT.fullmatch(value):
        if len(value.lstrip("+-").lstrip("0")) > 19:  # beyond 64 bits (int() refuses 4,301)
            return _INT_LIMIT
        return int(value, 10)
    if _OCT.fullmatch(value):
        return int(value[2:], 8) if len(value[2:].lstrip("0")) <= 22 else _INT_LIMIT
    if _HEX.fullmatch(value):
        return int(value[2:], 16) if len(value[2:].lstrip("0")) <= 16 else _INT_LIMIT
    if _FLOAT.fullmatch(value):
        return float(value)
    return _INFINITIES.get(value, value)


# --- the composer ---------------------------------------------------------------------

_EMPTY = object()
_NO_KEY = object()
_BAD_KEY = object()


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("anchor", "key", "key_mark", "size", "value")

    def __init__(self, value: YMap | YList, anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_mark: Mark = (1, 1)
        self.size = 1


class _Composer:
    """Turns libyaml events into YMap/YList/scalars, recording problems as it goes.

    One loop with local names, since it runs once per YAML node of every file: it is most
    of what `opsbook validate` spends beyond libyaml's own parsing.
    """

    def __init__(self, text: str, problems: list[LoadProblem], parser: Any = _Parser) -> None:
        self.parser = parser(text)
        self.problems = problems
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_nodes = 0

    def compose_all(self) -> list[Any]:
        """Every document of the stream (for other tools' files, which may hold many)."""
        get = self.parser.get_event
        get()  # stream start
        documents = []
        while type(get()) is not yaml.StreamEndEvent:
            documents.append(self._compose_document(get))
        return documents

    def compose(self) -> Any:
        get = self.parser.get_event
        get()  # stream start
        if type(get()) is yaml.StreamEndEvent:
            return _EMPTY
        root = self._compose_document(get)
        following = get()
        if type(following) is yaml.DocumentStartEvent:
            raise LoadProblem(
                "multiple-documents",
                "a definitions file holds one YAML document; split the others into files",
                _mark(following),
            )
        return root

    def _compose_document(self, get: Any) -> Any:
        stack: list[_Frame] = []
        anchors = self.anchors
        scalar, alias, document_end = yaml.ScalarEvent, yaml.AliasEvent, yaml.DocumentEndEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        max_depth = defaults.MAX_DEPTH
        root: Any = _EMPTY
        while True:
            event = get()
            kind = type(event)
            if kind is scalar:
                start = event.start_mark
                mark = (start.line + 1, start.column + 1)
                value = event.value
                if event.tag is not None:
                    raise _unsupported_tag(event)
                if event.style == "" and (not value or value[0] in _MAYBE_TYPED):
                    try:
                        value = resolve_plain(value)
                    except _NumberRange as exc:
                        raise LoadProblem("number-range", str(exc), mark) from None
                size = 1
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind is map_start or kind is seq_start:
                is_map = kind is map_start
                if event.tag is not None:
                    raise _unsupported_tag(event)
                if len(stack) >= max_depth:
                    raise LoadProblem(
                        "nesting-depth",
                        f"nesting is deeper than {max_depth} levels",
                        _mark(event),
                    )
                start = event.start_mark
                mark = (start.line + 1, start.column + 1)
                stack.append(_Frame(YMap(mark) if is_map else YList(mark), event.anchor))
                continue
            elif kind is alias:
                value, size = self._alias(event)
                mark = _mark(event)
            elif kind is document_end:
                return root
            else:  # the end of a mapping or sequence
                frame = stack.pop()
                value, size = frame.value, frame.size
                mark = value.mark
                if frame.anchor:
                    anchors[frame.anchor] = (value, size)
            if not stack:
                root = value
                continue
            frame = stack[-1]
            frame.size += size
            container = frame.value
            if isinstance(container, YList):
                container.append(value)
                container.item_marks.append(mark)
            elif frame.key is _NO_KEY:
                frame.key, frame.key_mark = self._check_key(container, value, mark)
            else:
                key = frame.key
                if key is not _BAD_KEY:
                    container[key] = value
                    container.key_marks[key] = frame.key_mark
                    container.value_marks[key] = mark
                frame.key = _NO_KEY

    def _alias(self, event: Any) -> tuple[Any, int]:
        if event.anchor not in self.anchors:
            raise LoadProblem(
                "yaml-syntax", f"alias *{event.anchor} refers to no earlier anchor", _mark(event)
            )
        value, size = self.anchors[event.anchor]
        self.alias_nodes += size
        if self.alias_nodes > defaults.MAX_ALIAS_NODES:
            raise LoadProblem(
                "alias-limit",
                f"aliases expand to more than {defaults.MAX_ALIAS_NODES:,} nodes",
                _mark(event),
            )
        return value, size

    def _check_key(self, container: YMap, key: Any, mark: Mark) -> tuple[Any, Mark]:
        if not isinstance(key, str):
            self.problems.append(
                LoadProblem(
                    "non-string-key",
                    f"key {_show(key)} is not a string; quote it if it is meant as text",
                    mark,
                )
            )
            return _BAD_KEY, mark
        if key in container:
            first = container.key_marks[key][0]
            self.problems.append(
                LoadProblem(
                    "duplicate-key",
                    f"duplicate key {key!r}: first defined at line {first}, again at line "
                    f"{mark[0]}",
                    mark,
                )
            )
            return _BAD_KEY, mark
        return key, mark


def _mark(event: Any) -> Mark:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


def _show(value: Any) -> str:
    if isinstance(value, YMap | YList):
        return "that is a " + ("mapping" if isinstance(value, YMap) else "list")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _unsupported_tag(event: Any) -> LoadProblem:
    tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")
    return LoadProblem(
        "unsupported-tag",
        f"YAML tag {tag} is not supported; definitions use plain values (quote a "
        "value to keep it as text)",
        _mark(event),
    )
