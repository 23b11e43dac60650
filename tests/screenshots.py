"""Screenshots of the example handbook as readers see it: the main page kinds at 1280 px
(first screen and whole page), at 390 px, in dark mode, and printed to PDF.

    python tests/screenshots.py [--out DIR]   (default .cache/screenshots)

Builds the example in a temporary folder, serves it on a local port and drives Debian's
Chromium with Playwright (tests/install-chromium installs it). Look at the images before
calling a page change done.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_browser import CHROMIUM_FLAGS  # noqa: E402
from test_handbook import copy_example  # noqa: E402

PAGES = {
    "home": "",
    "alert": "runbooks/onesource/redisdown/",
    "alert-levels": "runbooks/aurora-concierge/conciergeerrorratehigh/",
    "service": "runbooks/aurora-concierge/",
    "flags": "runbooks/flags/",
    "policy": "runbooks/policy/",
    "incident": "runbooks/aurora-concierge/incidents/widget-button-missing/",
    "deployment": "checklists/concierge-canary/",
    "readiness": "checklists/concierge-readiness/",
    "release": "checklists/releases/concierge-canary/2.4.0/",
}
PRINTED = ("alert", "deployment")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def shoot(site: Path, url: str, out: Path) -> list[Path]:
    """Every screenshot and PDF of PAGES, written into `out`."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("Chromium is not installed: run sh tests/install-chromium")
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for width, height, scheme in (
            (1280, 800, "light"),
            (390, 844, "light"),
            (1280, 800, "dark"),
        ):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            tab = context.new_page()
            if scheme == "dark":
                tab.add_init_script(
                    "localStorage.setItem('/.__palette', JSON.stringify({index: 1, "
                    "color: {media: '', scheme: 'slate', primary: 'indigo', accent: 'indigo'}}))"
                )
            for name, path in PAGES.items():
                tab.goto(url + path)
                tab.wait_for_load_state("networkidle")
                stem = f"{name}-{width}-{scheme}"
                first = out / f"{stem}-screen.png"
                tab.screenshot(path=str(first))
                written.append(first)
                if scheme == "light":
                    whole = out / f"{stem}-page.png"
                    tab.screenshot(path=str(whole), full_page=True)
                    written.append(whole)
                if width == 1280 and scheme == "light" and name in PRINTED:
                    pdf = out / f"{name}-print.pdf"
                    tab.emulate_media(media="print")
                    tab.pdf(path=str(pdf), format="A4")
                    tab.emulate_media(media="screen")
                    written.append(pdf)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / ".cache" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        root = copy_example(Path(folder) / "handbook")
        handler = functools.partial(_Quiet, directory=str(root / "site"))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        config = root / "mkdocs.yml"
        config.write_text(f"site_url: {url}\n" + config.read_text("utf-8"), "utf-8")
        subprocess.run([sys.executable, "-m", "opsbook", "build"], cwd=root, check=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            written = shoot(root / "site", url, out)
        finally:
            httpd.shutdown()
    print(f"{len(written)} files in {out}")


if __name__ == "__main__":
    main()
