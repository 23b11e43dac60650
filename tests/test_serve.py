"""`opsbook serve`, for real: a live preview that re-renders when definitions or templates
change."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import copy_example, free_port, wait_for

pytestmark = pytest.mark.slow


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
    assert "Edited while serving." in (root / "runbooks/onesource/higherrorrate.md").read_text()
    footer = root / "templates/footer.md.j2"
    footer.write_text("Footer changed while serving.\n")
    wait_for(url, "Footer changed while serving.")
