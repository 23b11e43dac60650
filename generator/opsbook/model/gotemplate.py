"""Prometheus' Go-template annotations as a reader sees them on a page: `{{ $labels.pod }}`
becomes `‹pod›` and `{{ $value | humanize }}` becomes `‹value›`. The template text itself
is kept verbatim in the model for export; only pages show this form."""

from __future__ import annotations

import re

_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.DOTALL)
_LABEL = re.compile(
    r"(?:\$labels|\.Labels|\$externalLabels|\.ExternalLabels)\.([A-Za-z_][A-Za-z0-9_]*)"
)
_INDEXED = re.compile(r"\bindex\s+(?:\$labels|\.Labels)\s+\"([^\"]+)\"")
_VALUE = re.compile(r"\$value\b|\.Value\b")
_CONTROL = re.compile(r"^\s*(?:if|else|end|range|with|define|template|block|break|continue)\b")
_ASSIGNMENT = re.compile(r"^\s*\$[A-Za-z_][A-Za-z0-9_]*\s*:?=")
_COMMENT = re.compile(r"^\s*/\*.*\*/\s*$", re.DOTALL)


def readable(text: str) -> str:
    """The text with every template action replaced by a placeholder that names what it
    stands for (a label, the value), and control actions (`if`, `range`, `end`) left out."""
    if "{{" not in text:
        return text
    return _ACTION.sub(_placeholder, text)


def _placeholder(action: re.Match[str]) -> str:
    inside = action.group(1)
    if _CONTROL.match(inside) or _ASSIGNMENT.match(inside) or _COMMENT.match(inside):
        return ""
    label = _LABEL.search(inside) or _INDEXED.search(inside)
    if label:
        return f"‹{label.group(1)}›"
    if _VALUE.search(inside):
        return "‹value›"
    if re.search(r"\$labels\b|\.Labels\b", inside):
        return "‹labels›"
    return "‹…›"


_SHOWN = re.compile(r"‹([A-Za-z_][A-Za-z0-9_]*)›")


def labels_in(text: str) -> tuple[str, ...]:
    """The labels that placeholders in `text` (as `readable` writes them) stand for,
    sorted; `‹value›` is the alert's value, not a label."""
    return tuple(sorted({m for m in _SHOWN.findall(text) if m != "value"}))
