"""Cross-reference rules (`opsbook.check.references`, `opsbook.check.values`) on files
written inline: each problem once, at the line and column of the value at fault."""

from __future__ import annotations

from opsbook.check.references import build_index, check_files, without
from opsbook.core.diagnostics import Diagnostic
from opsbook.load.files import SourceFile, load_text

TEAMS = """\
apiVersion: opsbook/v1
teams:
  - {id: web, name: Web}
severities:
  - {id: critical, rank: 1, pages: true, meaning: Broken now.}
services:
  - {id: shop, name: Shop, owner: web}
"""

ALERT = """\
apiVersion: opsbook/v1
service: shop
alerts:
  - id: ShopDown
    summary: The shop is down.
    severity: critical
    condition: {expr: up == 0}
    notify: [{team: wbe}]
    runbook: {meaning: Nobody can buy.}
flags:
  - {id: SHOP_OPEN, type: boolean, purpose: kill-switch, description: Opens it., default: 3}
"""


def _check(*texts: str, maybe: frozenset[str] | None = frozenset()) -> list[Diagnostic]:
    files = [SourceFile(f"ops/{n}.yaml", load_text(text)) for n, text in enumerate(texts)]
    index, found = build_index(files)
    return found + check_files(files, index, maybe)


def _shown(found: list[Diagnostic]) -> list[str]:
    return [f"{d.path}:{d.line}:{d.col}: {d.rule}: {d.message}" for d in found]


def test_an_unknown_reference_is_reported_at_its_value_with_the_closest_id() -> None:
    found = [d for d in _check(TEAMS, ALERT) if d.rule == "unknown-reference"]
    assert _shown(found) == [
        "ops/1.yaml:8:21: unknown-reference: team `wbe` is not defined; did you mean `web`?"
    ]


def test_an_id_that_may_be_in_an_unreadable_file_is_not_reported() -> None:
    assert not [d for d in _check(TEAMS, ALERT, maybe=None) if d.rule == "unknown-reference"]
    partly = _check(TEAMS, ALERT, maybe=frozenset({"wbe"}))
    assert not [d for d in partly if d.rule == "unknown-reference"]


def test_ids_are_unique_regardless_of_case_and_the_later_one_is_reported() -> None:
    again = "apiVersion: opsbook/v1\nteams:\n  - {id: WEB, name: Web again}\n"
    found = [d for d in _check(TEAMS, again) if d.rule == "duplicate-id"]
    assert _shown(found) == [
        "ops/1.yaml:3:10: duplicate-id: team id `WEB` is already defined as `web` at "
        "ops/0.yaml:3:10 (ids are unique regardless of case)"
    ]


def test_a_flag_value_of_the_wrong_type_is_reported_where_it_is_given() -> None:
    found = [d for d in _check(TEAMS, ALERT) if d.rule != "unknown-reference"]
    assert _shown(found) == [
        "ops/1.yaml:11:91: flag-value: flag `SHOP_OPEN` default: `3` is not `true` or `false`"
    ]


def test_without_leaves_out_definitions_and_keeps_every_position() -> None:
    source = SourceFile("ops/1.yaml", load_text(ALERT))
    kept = without(source, {("alerts", 0)})
    assert kept.data["alerts"] == [] and kept.data["flags"] == source.data["flags"]
    assert kept.data.value_marks == source.data.value_marks
    index, _ = build_index([SourceFile("ops/0.yaml", load_text(TEAMS)), kept])
    assert not [d for d in check_files([kept], index) if d.rule == "unknown-reference"]
    assert without(source, set()) is source
