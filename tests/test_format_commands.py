"""`opsbook import <format>` and `opsbook export <format>` are made from the formats'
registry: one command per format, each with its own help and only its own options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import run
from opsbook.formats.registry import READERS, WRITERS


def test_every_registered_format_has_its_command(tmp_path: Path) -> None:
    exported = run(["export", "--help"], tmp_path)
    imported = run(["import", "--help"], tmp_path)
    assert exported.exit_code == imported.exit_code == 0
    for name in WRITERS:
        assert f"\n  {name} " in exported.stdout, name
    for name in READERS:
        assert f"\n  {name} " in imported.stdout, name


PROMETHEUS_EXPORT = ["--kind", "--strict", "--site-url", "--out"]
OWN_AND_OTHERS = [
    (["export", "prometheus"], PROMETHEUS_EXPORT, ["--prometheus-url", "--service"]),
    (["export", "flagd"], ["--out"], ["--kind", "--strict", "--site-url", "--prometheus-url"]),
    (["export", "argo-rollouts"], ["--prometheus-url", "--out"], ["--kind", "--site-url"]),
    (
        ["import", "prometheus"],
        ["--service", "--owner", "`namespace`", "--strict"],
        ["--kind", "--site-url"],
    ),
    (["import", "openslo"], ["--service", "spec.service"], ["--kind", "`namespace`"]),
]


@pytest.mark.parametrize(("command", "own", "others"), OWN_AND_OTHERS)
def test_each_format_command_shows_only_its_own_options(
    tmp_path: Path, command: list[str], own: list[str], others: list[str]
) -> None:
    shown = run([*command, "--help"], tmp_path)
    assert shown.exit_code == 0
    for option in own:
        assert option in shown.stdout, option
    for option in others:
        assert option not in shown.stdout, option


def test_an_option_of_another_format_is_a_usage_error(tmp_path: Path) -> None:
    """Before, `export flagd --kind prometheusrule` was accepted and ignored."""
    refused = run(["export", "flagd", "--kind", "prometheusrule"], tmp_path)
    assert refused.exit_code == 2
    # click 8.2.0 says `No such option: --kind`, later releases `No such option '--kind'`
    assert re.search(r"opsbook: error: No such option:? '?--kind\b", refused.stderr)
    unknown = run(["import", "nagios", "x.cfg"], tmp_path)
    assert unknown.exit_code == 2 and "No such command 'nagios'" in unknown.stderr
