"""Every `opsbook` command in the README's `bash` blocks runs as written, on a copy of the
example repository, with the exit status the README gives it (0 unless it says `exits 1`)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SETUP = ("pip install", "tests/install-chromium", "bench/run.py")
"""Blocks that install things or run the benchmark: `.ci/run` runs the install commands."""


def blocks() -> list[tuple[int, list[str]]]:
    """The README's bash blocks that use opsbook: (line, commands with continuations joined)."""
    text = (ROOT / "README.md").read_text("utf-8")
    found = []
    for match in re.finditer(r"^```bash\n(.*?)^```", text, re.S | re.M):
        body = match[1]
        if any(word in body for word in SETUP) or "opsbook" not in body:
            continue
        commands = body.replace("\\\n", " ").splitlines()
        found.append((text.count("\n", 0, match.start()) + 1, [c for c in commands if c.strip()]))
    return found


def test_the_readme_has_examples_to_run() -> None:
    assert len(blocks()) >= 3


@pytest.mark.parametrize(("line", "commands"), blocks(), ids=[f"line-{n}" for n, _ in blocks()])
def test_readme_block_runs_as_written(tmp_path: Path, line: int, commands: list[str]) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in (
        "mkdocs.yml",
        "mkdocs.opsbook.yml",
        "overrides",
        "ops",
        "docs",
        "templates",
        "schemas",
    ):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "NO_MKDOCS_2_WARNING": "1",
    }
    cwd = root
    for command in commands:
        words = shlex.split(command, comments=True)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        assert words[0] == "opsbook", command
        expected = 1 if re.search(r"#.*\bexits 1\b", command) else 0
        done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == expected, f"README line {line}: {command}\n{done.stderr}"
        assert "Traceback" not in done.stderr, command
