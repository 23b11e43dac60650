"""Golden files: diagnostics for invalid definitions, and the example's Markdown.

Each folder under `corpus/invalid/` is one case (definitions, and release state files in
its `releases/`); its `expected.txt` lists every diagnostic
as `file:line:col: rule`. Cases are validated together with the valid `corpus/base/`, so
they can refer to its team, service, severities, flags and alerts.

The example handbook's generated Markdown is committed where it belongs (`runbooks/`,
`checklists/`); its home page, which only the site has, is kept in `golden/index.md`.

Regenerate both after a deliberate change, then review the diff:

    python tests/golden.py
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "base"
INVALID = CORPUS / "invalid"
ROOT = Path(__file__).resolve().parent.parent


def example_pages() -> dict[str, str]:
    """Every page of the example handbook (paths of the site), rendered once per test
    run: a copy, so a test may change it."""
    return dict(_example()[1])


def example_tree() -> tuple[dict[str, str], dict[str, str]]:
    """The example's whole docs tree (paths from the root), and its pages (site paths),
    rendered once per process (`python tests/golden.py` regenerates the files from it)."""
    files, pages = _example()
    return dict(files), dict(pages)


@functools.cache
def _example() -> tuple[dict[str, str], dict[str, str]]:
    """The example rendered once per process (see `render_example`)."""
    return render_example()


def render_example() -> tuple[dict[str, str], dict[str, str]]:
    """The example rendered now through the one pipeline: its docs tree and its pages."""
    from opsbook.publish import pipeline
    from opsbook.publish.handbook import load_handbook

    before = Path.cwd()
    os.chdir(ROOT)
    try:
        output = pipeline.run(load_handbook(Path("mkdocs.yml")))
        assert output.ok
        return output.files, output.pages
    finally:
        os.chdir(before)


def example_areas() -> Any:
    """What opsbook owns in the example handbook."""
    from opsbook.publish.handbook import load_handbook

    return load_handbook(ROOT / "mkdocs.yml").areas


def case_lines(case: Path) -> list[str]:
    """What validating `case` (with the base) reports, as `file:line:col: rule` lines.

    A case's `releases/` folder holds release state files, checked against the rest.
    """
    from opsbook.check.validate import validate_paths

    before = Path.cwd()
    os.chdir(case)
    try:
        definitions = [
            p.name
            for p in sorted(Path(".").iterdir())
            if p.name != "releases" and (p.is_dir() or p.suffix in (".yaml", ".yml"))
        ]
        definitions.append(os.path.relpath(BASE, case))
        releases = ["releases"] if Path("releases").is_dir() else []
        result = validate_paths(definitions, releases=releases)
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
    from opsbook.publish.write import apply_plan, plan_pages

    files, pages = example_tree()
    apply_plan(plan_pages(files, ROOT, example_areas()), ROOT)
    sys.stdout.write(f"example handbook: {len(pages)} pages\n")
