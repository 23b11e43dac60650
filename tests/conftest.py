"""Shared fixtures: the repository root and a builder for inline definition trees."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def build_tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write {relative path: content} under a temporary folder and return the folder."""

    def build(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, "utf-8")
        return tmp_path

    return build


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-cases",
        type=int,
        default=300,
        help="How many mutated definition files test_fuzz.py tries (default 300).",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the lowest-versions run of CI (`OPSBOOK_LOWEST_VERSIONS` set, saying why), the
    tests marked `versionless` are skipped with that reason: they give the same answer
    with any versions, and the newest-versions run has run them. So are those marked
    `newest`, which judge how the newest theme draws the pages (the lowest-versions run
    still builds every page, checks its HTML and drives the pages' scripts)."""
    why = os.environ.get("OPSBOOK_LOWEST_VERSIONS")
    if not why:
        return
    same = pytest.mark.skip(reason=f"the same with any versions; run with the newest ({why})")
    drawn = pytest.mark.skip(
        reason=f"how the newest theme draws the pages; run with the newest versions ({why})"
    )
    for item in items:
        if item.get_closest_marker("versionless") is not None:
            item.add_marker(same)
        elif item.get_closest_marker("newest") is not None:
            item.add_marker(drawn)
