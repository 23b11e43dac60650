"""Golden corpus: invalid definitions and the diagnostics they must produce.

Each folder under `corpus/invalid/` is one case; its `expected.txt` lists every diagnostic
as `file:line:col: rule`. Cases are validated together with the valid `corpus/base/`, so
they can refer to its team, service, severities, flags and alerts.

Regenerate after a deliberate change, then review the diff:

    python tests/golden.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "base"
INVALID = CORPUS / "invalid"


def case_lines(case: Path) -> list[str]:
    """What validating `case` (with the base) reports, as `file:line:col: rule` lines."""
    from opsbook.validate import validate_paths

    before = Path.cwd()
    os.chdir(case)
    try:
        result = validate_paths([".", os.path.relpath(BASE, case)])
    finally:
        os.chdir(before)
    return [f"{d.path}:{d.line}:{d.col}: {d.rule}" for d in result.diagnostics]


def expected_lines(case: Path) -> list[str]:
    """The committed expectation of a case."""
    return (case / "expected.txt").read_text("utf-8").splitlines()


def cases() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if p.is_dir())


if __name__ == "__main__":
    for case in cases():
        text = "".join(line + "\n" for line in case_lines(case))
        (case / "expected.txt").write_text(text, "utf-8")
        sys.stdout.write(f"{case.name}:\n{text}")
