"""Which labels an alert's expression keeps, so that its runbook_url hands the page only
values a firing alert can carry: dropped only where PromQL certainly drops them."""

from __future__ import annotations

import pytest

from opsbook.model.labels import kept


@pytest.mark.parametrize(
    ("expr", "keeps", "drops"),
    [
        ('rate(http_requests_total{job="shop"}[5m]) > 0', ["namespace", "pod"], []),
        ("sum by (namespace) (rate(x[5m])) > 1", ["namespace"], ["pod"]),
        ("sum(rate(x[5m])) by (namespace, pod) / 2", ["namespace", "pod"], ["job"]),
        ("sum(rate(x[5m])) without (pod)", ["namespace"], ["pod"]),
        ("sum(rate(a[5m])) / sum(rate(b[5m])) > 0.02", [], ["namespace"]),
        ("histogram_quantile(0.9, sum by (le, job) (rate(x[5m])))", ["job"], ["le", "pod"]),
        ("histogram_quantile(0.9, rate(x_bucket[5m]))", ["pod"], ["le"]),
        ("a / on (job) b", ["job"], ["pod"]),
        ("a / ignoring (pod) b", ["job"], ["pod"]),
        ("a / on (job) group_left b", ["job", "pod"], []),
        ("topk(3, x)", ["pod"], []),
        ("max(x) or min(y)", [], ["pod"]),
        ("absent(up{job='x'})", ["job"], []),  # labels it makes: not guessed away
        ("vector(1)", [], ["job"]),
        ("1 > bool 0", [], ["job"]),
        ("((sum by (namespace) (x)))", ["namespace"], ["pod"]),
        ("this is not promql ((", ["anything"], []),  # validate reports it; nothing dropped
    ],
)
def test_a_label_is_dropped_only_where_the_expression_certainly_drops_it(
    expr: str, keeps: list[str], drops: list[str]
) -> None:
    result = kept(expr)
    assert [label for label in keeps if not result.keeps(label)] == []
    assert [label for label in drops if result.keeps(label)] == []
