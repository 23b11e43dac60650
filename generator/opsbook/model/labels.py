"""Which labels an alert's expression keeps: besides the rule's own labels, the ones a
firing alert carries, which its `runbook_url` can hand to the page (`?namespace=…`).

The reading is cautious: a label counts as kept unless the expression certainly drops it
(an aggregation `by` other labels, a `without` that names it, one-to-one matching `on`
other labels). A label that turns out to be missing only leaves its value empty, which
the page ignores; a kept label left out would cost the reader a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import promql_parser


@dataclass(frozen=True)
class Kept:
    """The labels of an expression's result: `only` these (None: any label of the series
    it selects), never those in `dropped`."""

    only: frozenset[str] | None = None
    dropped: frozenset[str] = frozenset()

    def keeps(self, label: str) -> bool:
        return label not in self.dropped and (self.only is None or label in self.only)

    def but(self, labels: frozenset[str]) -> Kept:
        only = self.only - labels if self.only is not None else None
        return Kept(only, self.dropped | labels)

    def within(self, labels: frozenset[str]) -> Kept:
        return Kept(labels - self.dropped if self.only is None else self.only & labels)


ANY = Kept()
NONE = Kept(frozenset())

# Functions whose result has no labels, or the labels of their vector argument less one.
_NO_LABELS = {"vector", "time", "scalar", "pi", "minute", "hour", "day_of_month", "year"}
_KEEPS_SELECTED = {"topk", "bottomk", "limitk", "limit_ratio"}


def kept(expr: str) -> Kept:
    """The labels that `expr`'s result keeps; any, when it does not parse (validation
    reports that)."""
    try:
        node = promql_parser.parse(expr)
    except Exception:  # the parser raises its own error types for bad PromQL
        return ANY
    return _kept(node)


def _kept(node: Any) -> Kept:
    kind = type(node).__name__
    if kind in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return _kept(node.expr)
    if kind in ("VectorSelector", "MatrixSelector"):
        return ANY
    if kind in ("NumberLiteral", "StringLiteral"):
        return NONE
    if kind == "AggregateExpr":
        return _aggregated(node)
    if kind == "Call":
        return _called(node)
    if kind == "BinaryExpr":
        return _combined(node)
    return ANY


def _aggregated(node: Any) -> Kept:
    inner = _kept(node.expr)
    if str(node.op) in _KEEPS_SELECTED:
        return inner
    modifier = node.modifier
    if modifier is None:
        return NONE
    labels = frozenset(modifier.labels)
    return inner.but(labels) if "Without" in str(modifier.type) else inner.within(labels)


def _called(node: Any) -> Kept:
    name = node.func.name
    if name in _NO_LABELS:
        return NONE
    vectors = [a for a in node.args if type(a).__name__ not in ("NumberLiteral", "StringLiteral")]
    if not vectors or name.startswith(("label_", "absent")):
        return ANY  # labels it adds or makes: do not guess
    inner = _kept(vectors[-1] if name == "histogram_quantile" else vectors[0])
    return inner.but(frozenset({"le"})) if name == "histogram_quantile" else inner


def _combined(node: Any) -> Kept:
    left, right = _kept(node.lhs), _kept(node.rhs)
    if _scalar(node.lhs):
        return right
    if _scalar(node.rhs):
        return left
    operator = str(node.op)
    if operator == "or":
        if left.only is None or right.only is None:
            return ANY
        return Kept(left.only | right.only)
    modifier = node.modifier
    cardinality = str(modifier.card) if modifier is not None else "OneToOne"
    if cardinality.endswith("OneToMany"):
        return right
    if cardinality.endswith("ManyToOne") or operator in ("and", "unless"):
        return left
    matching = modifier.matching if modifier is not None else None
    if matching is None:
        return left
    labels = frozenset(matching.labels)
    return left.within(labels) if "Include" in str(matching.type) else left.but(labels)


def _scalar(node: Any) -> bool:
    kind = type(node).__name__
    if kind in ("ParenExpr", "UnaryExpr"):
        return _scalar(node.expr)
    if kind == "NumberLiteral":
        return True
    return kind == "Call" and node.func.name in ("scalar", "time", "pi")
