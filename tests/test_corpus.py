"""The golden corpus: each invalid case gives exactly its expected diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from golden import BASE, case_lines, cases, expected_lines
from opsbook.check.validate import validate_paths
from opsbook.core import defaults


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_invalid_case_reports_exactly_its_expected_diagnostics(case: Path) -> None:
    assert case_lines(case) == expected_lines(case)


def test_every_case_expects_at_least_one_diagnostic() -> None:
    """A case with an empty expectation would pass without testing anything."""
    assert len(cases()) >= 25
    for case in cases():
        assert expected_lines(case), case.name


def test_every_rule_has_a_case() -> None:
    """Each rule of the catalogue (load, schema, references, quality) is pinned by a case."""
    from opsbook.core.ruleset import RULES

    covered = {line.rsplit(": ", 1)[1] for case in cases() for line in expected_lines(case)}
    # Rules about other tools' files are pinned by tests/test_prometheus.py and
    # tests/test_flagd.py.
    elsewhere = {rule for rule, r in RULES.items() if r.stage in ("rules", "imports")}
    missing = set(RULES) - covered - elsewhere - {"file-too-large", "unreadable-file"}
    assert sorted(missing) == []


def test_base_corpus_is_valid() -> None:
    result = validate_paths([BASE])
    assert result.diagnostics == ()
    assert result.catalog is not None


def test_example_handbook_is_valid() -> None:
    """The repository's own ops/ (the five seed systems) validates with no error. Its only
    warnings are what the seeds never say, so the example does not invent it: dashboard
    and log URLs, how to reach the engineering leads (and Concierge's CTO and support
    team), and a mitigation for Cinematic's high fallback usage."""
    result = validate_paths([ROOT / "ops"])
    found = [(d.path.removeprefix(f"{ROOT}/"), d.level.value, d.rule) for d in result.diagnostics]
    assert sorted(set(found)) == [
        ("ops/cinematic.yaml", "warning", "contact-missing"),
        ("ops/cinematic.yaml", "warning", "mitigation-missing"),
        ("ops/cinematic.yaml", "warning", "service-links"),
        ("ops/collab-docs.yaml", "warning", "service-links"),
        ("ops/concierge/service.yaml", "warning", "contact-missing"),
        ("ops/concierge/service.yaml", "warning", "service-links"),
        ("ops/onesource.yaml", "warning", "contact-missing"),
        ("ops/onesource.yaml", "warning", "service-links"),
        ("ops/variant-generation.yaml", "warning", "contact-missing"),
        ("ops/variant-generation.yaml", "warning", "service-links"),
    ]
    assert result.catalog is not None


def test_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"apiVersion: opsbook/v1\n" + b"#" * defaults.MAX_FILE_BYTES)
    result = validate_paths([tmp_path])
    assert [(d.rule, d.line, d.col) for d in result.diagnostics] == [("file-too-large", 1, 1)]


def test_valid_corpus_passes_every_rule() -> None:
    """The passing side of each quality rule gives no diagnostic at all."""
    result = validate_paths([BASE, BASE.parent / "valid"])
    assert [d.format() for d in result.diagnostics] == []


def test_fast_validator_agrees_with_jsonschema_on_every_document() -> None:
    """The compiled validator only decides whether jsonschema's positioned errors are
    needed: on every corpus and example document both must agree on validity."""
    from opsbook.load.files import load_paths
    from opsbook.load.schema import fast_validator, validator

    fast = fast_validator()
    assert fast is not None
    files = load_paths([BASE.parent, ROOT / "ops"]).files
    assert len(files) > 40
    valid = 0
    for source in files:
        expected = next(validator().iter_errors(source.data), None) is None
        assert fast.is_valid(source.data) == expected, source.path
        valid += expected
    assert 0 < valid < len(files)
