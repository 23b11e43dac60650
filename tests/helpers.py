"""What many tests share, in one place: running the CLI (in the process with click's
runner, or as a user would in a new process), running mkdocs, copying the example,
starting a handbook with `opsbook init`, and reading a served page."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conftest import ROOT
from opsbook.cli import cli

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
"""The environment of the commands the tests run (mkdocs' notice about 2.0 kept quiet)."""

EXAMPLE = (
    *("mkdocs.yml", "mkdocs.opsbook.yml", "overrides", "ops", "templates"),
    *("docs", "runbooks", "checklists"),
)
"""What the example handbook is made of."""


def run(args: list[str], cwd: Path) -> Any:
    """Invoke the real click command in `cwd`, letting unexpected exceptions surface."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(before)


def opsbook(root: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would, in `root`, in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "opsbook", *args],
        cwd=root,
        env={**ENV, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
    )


def mkdocs(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run mkdocs itself (the plugin path) in `root`."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args], cwd=root, env=ENV, capture_output=True, text=True
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` by relative path, with a digest of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def errors(output: str) -> list[str]:
    """The error lines of `opsbook validate`'s text output. The example handbook also
    warns about what its seeds never say (dashboards, logs, some contacts): tests of one
    error look past those warnings."""
    return [line for line in output.splitlines() if ": error [" in line]


def copy_example(target: Path) -> Path:
    """The example handbook (definitions, settings, pages) copied into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def starter(root: Path, *extra: tuple[str, str]) -> Path:
    """A new handbook made by `opsbook init` at `root`, with `extra` (name, text) files:
    a copy of one that `opsbook init` made once per test process."""
    shutil.copytree(_initialised(), root)
    for name, text in extra:
        (root / name).write_text(text, "utf-8")
    return root


@functools.cache
def _initialised() -> Path:
    """A handbook `opsbook init` made, kept for this test process (removed at its end)."""
    folder = Path(tempfile.mkdtemp(prefix="opsbook-starter-"))
    atexit.register(shutil.rmtree, folder, True)
    made = opsbook(folder, "init", "handbook")
    assert made.returncode == 0, made.stderr
    return folder / "handbook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def wait_for(url: str, needle: str, seconds: float = 60) -> str:
    """The page at `url` once it contains `needle`."""
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        try:
            text = fetch(url)
            if needle in text:
                return text
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never showed {needle!r}; last:\n{text[-500:]}")


SMALL_HANDBOOK = """\
apiVersion: opsbook/v1
service: shop
teams:
  - {id: web, name: Web, channels: [{team: db}, {slack: "#web"}]}
  - {id: db, name: Databases, channels: [{pagerduty: db-oncall}]}
severities:
  - {id: critical, rank: 1, pages: true, meaning: Broken now.}
services:
  - id: shop
    name: Shop
    owner: web
    dependencies: [{name: Stock, service: stock}]
    procedures:
      - id: drain
        title: Drain the shop
        steps: [{set_flag: {flag: SHOP_OPEN, value: false}}]
  - {id: stock, name: Stock, owner: db}
slos:
  - {id: uptime, name: Uptime, objective: {metric: availability, operator: ">=", threshold: 99}}
flags:
  - {id: SHOP_OPEN, type: boolean, purpose: kill-switch, description: Opens the shop.,
     default: true}
alerts:
  - id: ShopDown
    summary: The shop is down.
    severity: critical
    condition: {expr: up == 0}
    notify: [{team: web}]
    incidents: [shop-outage]
    runbook: {meaning: Nobody can buy.}
incidents:
  - {id: shop-outage, title: Shop outage, severity: critical, symptoms: [No orders.],
     detected_by: [ShopDown]}
"""
"""A handbook of one file with a definition of every modelled kind but rollouts and
checklists, whose references close every cycle the catalog builder knows."""
