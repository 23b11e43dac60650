"""The benchmark runs end to end at a tiny size (timings stay out of the test suite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from opsbook.check.validate import validate_paths

sys.path.insert(0, str(ROOT / "bench"))
from synth import write_catalog


def test_synthetic_catalog_is_valid_and_deterministic(tmp_path: Path) -> None:
    first = write_catalog(tmp_path / "a", 45)
    second = write_catalog(tmp_path / "b", 45)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    result = validate_paths([tmp_path / "a" / "ops"])
    assert [d.format() for d in result.diagnostics] == []
    assert result.catalog is not None
    assert len(result.catalog.alerts) == 45
    assert len(result.catalog.services) == 3
    levels = {level.severity.id for a in result.catalog.alerts for level in a.levels}
    assert levels == {"warning", "critical"}


@pytest.mark.slow
@pytest.mark.versionless
def test_benchmark_runs_at_a_tiny_size_and_writes_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "20", "--build-sizes",
         "20", "40", "--rule-sizes", "30", "--repeat", "1", "--build-repeat", "1",
         "--engine-sizes", "20", "--scaling-sizes", "5", "10", "20", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    text = out.read_text("utf-8")
    assert text in result.stdout
    stages = [line.split(" | ")[0].lstrip("| ") for line in text.splitlines() if "| 20 |" in line]
    assert stages[:6] == [
        "parse (libyaml floor)", "load", "validate", "check-jsonschema", "generate",
        "serve re-render",
    ]  # fmt: skip
    assert "mkdocs build" in text
    rules = [line.split(" | ")[0].lstrip("| ") for line in text.splitlines() if "| 30 |" in line]
    assert rules == [
        "import prometheus", "validate imported", "generate imported", "export prometheus",
    ]  # fmt: skip
    assert "≥ 2× faster than check-jsonschema" in text
    assert "per page at" in text
    assert "| CPU time per added page, " in text
    assert "Python 3." in text and "mkdocs-material" in text
    # Each engine: a clean build, a build after one edited alert, byte-identical to a
    # clean build of the same definitions.
    cells = [line.split(" | ") for line in text.splitlines() if line.startswith("| ")]
    engines = [row for row in cells if len(row) > 2 and row[1] in ("mkdocs", "zensical")]
    expected = ["mkdocs"] if os.environ.get("OPSBOOK_WITHOUT_ZENSICAL") else ["mkdocs", "zensical"]
    assert [row[1] for row in engines] == expected
    assert all(row[-1] == "yes |" for row in engines), engines
    assert "| mkdocs: build after one edited alert ≤ 10 s (" in text


@pytest.mark.slow
def test_the_build_cost_per_page_stays_flat_from_500_to_1500_pages() -> None:
    """bench/run.py's scaling check: a page added past 500 pages costs at most 1.4× the CPU
    time of one added up to 500 (a ratio in one run). A quadratic step (a Markdown
    release, a page that lists every alert) fails it; a second run tells noise apart."""
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--scaling-only"]
    for _ in range(2):
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        assert "| CPU time per added page, " in result.stdout, result.stdout + result.stderr
        if result.returncode == 0:
            break
    assert result.returncode == 0, result.stdout + result.stderr
