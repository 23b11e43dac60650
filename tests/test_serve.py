"""`opsbook serve`, for real: a live preview that re-renders when definitions or templates
change."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_handbook import copy_example

pytestmark = pytest.mark.slow


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


@pytest.fixture(params=["mkdocs", "zensical"])
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str]]:
    """The example previewed by each engine: mkdocs with the plugin, Zensical with the
    watcher of `opsbook serve` writing the tree."""
    if request.param == "zensical":
        from test_engines import needs_zensical

        needs_zensical()
    root = copy_example(tmp_path)
    port = free_port()
    address = f"127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsbook",
            "serve",
            "--dev-addr",
            address,
            "--engine",
            request.param,
        ],
        cwd=root,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield root, f"http://{address}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_editing_a_definition_or_a_template_rerenders_the_page(served: tuple[Path, str]) -> None:
    root, base = served
    url = f"{base}/runbooks/onesource/higherrorrate/"
    page = wait_for(url, "The 5xx rate is above 0.3%.")
    assert "livereload" in page or "zensical" in page.lower()  # the engine's own preview
    definitions = root / "ops/onesource.yaml"
    definitions.write_text(
        definitions.read_text().replace("The 5xx rate is above 0.3%.", "Edited while serving.")
    )
    wait_for(url, "Edited while serving.")
    assert (
        "Edited while serving." in (root / "docs/runbooks/onesource/higherrorrate.md").read_text()
    )
    footer = root / "templates/footer.md.j2"
    footer.write_text("Footer changed while serving.\n")
    wait_for(url, "Footer changed while serving.")
