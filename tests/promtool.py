"""Debian's promtool for the tests, without installing the Prometheus server: the
package is downloaded with apt and only its promtool is unpacked into `.cache/`."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

CACHE = ROOT / ".cache" / "promtool"


def promtool() -> str:
    """The path of a working promtool: on PATH, in the cache, or unpacked now."""
    found = shutil.which("promtool")
    if found:
        return found
    binary = CACHE / "usr" / "bin" / "promtool"
    if not binary.is_file():
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        with open(CACHE.parent / "promtool.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one test process unpacks, the others wait
            if not binary.is_file():
                _unpack()
    return str(binary)


def _unpack() -> None:
    with tempfile.TemporaryDirectory() as work:
        download = ["apt-get", "-o", "DPkg::Lock::Timeout=300", "download", "prometheus"]
        done = subprocess.run(download, cwd=work, capture_output=True, text=True)
        if done.returncode != 0:  # no package lists yet on a new machine
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
            done = subprocess.run(download, cwd=work, capture_output=True, text=True)
        packages = list(Path(work).glob("prometheus_*.deb"))
        if done.returncode != 0 or not packages:
            pytest.fail(f"cannot download Debian's prometheus package: {done.stderr.strip()}")
        # Unpacked beside the cache, then moved into place whole: no process ever runs a
        # promtool that is still being written ("Text file busy").
        unpacked = Path(tempfile.mkdtemp(dir=CACHE.parent, prefix="promtool-"))
        subprocess.run(["dpkg-deb", "-x", str(packages[0]), str(unpacked)], check=True)
        shutil.rmtree(CACHE, ignore_errors=True)  # what an interrupted unpack left
        unpacked.rename(CACHE)


def check_rules(*files: Path) -> subprocess.CompletedProcess[str]:
    """`promtool check rules` on the files, as Prometheus would load them."""
    return subprocess.run(
        [promtool(), "check", "rules", *map(str, files)], capture_output=True, text=True
    )
