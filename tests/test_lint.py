"""The package stays lint-clean and type-checks strictly (ruff, mypy --strict)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.versionless  # the source alone; mypy reads the libraries' types
def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "generator", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.versionless
def test_code_is_ruff_formatted() -> None:
    result = run("ruff", "format", "--check", "generator", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
