"""A handbook with a hostile payload in every plain string field of every kind (made from
the bundled schema, `hostile.py`), built for real and opened page by page in Debian's
Chromium: no dialog, no script but the site's own, no event handler, no javascript: URL,
no frame, in the page, its <title>, navigation, table of contents, Mermaid diagrams,
search results and the checklist script's output."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import opsbook
from hostile import LINE, hostile_handbook
from test_browser import CHROMIUM_FLAGS, chromium, search

pytestmark = pytest.mark.browser

playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

# Everything a page holds that could run: scripts (with their source or text), event
# handler attributes, javascript: or data: URLs, frames and embedded objects.
_FIND = """() => {
  const found = [];
  const roots = [document];
  for (const host of document.querySelectorAll("*")) {
    if (host.shadowRoot) roots.push(host.shadowRoot);
  }
  for (const root of roots) for (const el of root.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "frame", "object", "embed"].includes(tag)) found.push("element " + tag);
    if (tag === "script") found.push("script " + (el.src || el.textContent));
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\s\\x00-\\x1f]/g, "").toLowerCase();
      if (attr.name.startsWith("on")) found.push("handler " + tag + " " + attr.name);
      const linked = ["href", "src", "action", "formaction", "xlink:href", "data"];
      if (linked.includes(attr.name) && /^(javascript|vbscript|data):/.test(value)) {
        found.push("url " + tag + " " + attr.value);
      }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine: Zensical runs no plugin, so its site shows that the generated tree is
    safe without the plugin's second line of defence."""
    if request.param == "zensical":
        from test_engines import needs_zensical

        needs_zensical()
    return str(request.param)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Iterator[tuple[Path, str, int]]:
    """The hostile handbook, built and served over HTTP: (root, address, fields injected)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        timeout = 2  # an idle kept-alive connection ends, and its thread with it

        def log_message(self, format: str, *args: Any) -> None:
            pass

    root = tmp_path_factory.mktemp(f"hostile-browser-{engine}")
    fields = hostile_handbook(root)
    record_release(root)
    built = opsbook(root, "build", "--engine", engine)
    assert built.returncode == 0, built.stdout + built.stderr
    handler = functools.partial(Quiet, directory=str(root / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/", fields
    httpd.shutdown()
    httpd.server_close()
    # Request threads live while the browser keeps a connection open; later tests render
    # in forked processes, which a live thread forbids.
    for live in threading.enumerate():
        if live is not threading.current_thread() and "process_request" in live.name:
            live.join(timeout=10)


def record_release(root: Path, text: str = LINE) -> None:
    """A release record of the hostile rollout, ticked with payloads in who, why and the
    evidence link: records reach pages too."""
    listed = opsbook(root, "checklist", "items", "shop-release")
    keys = [line.split()[0] for line in listed.stdout.splitlines() if line.startswith("  ")]
    assert opsbook(root, "checklist", "start", "shop-release", "1.0", "--by", text).returncode == 0
    evidence = "https://example.com/?q=</title><script>alert('evidence')</script>"
    ticked = opsbook(
        root, "checklist", "tick", "shop-release", "1.0", keys[0], "--by", text,
        "--evidence", evidence,
    )  # fmt: skip
    assert ticked.returncode == 0, ticked.stderr
    waived = opsbook(
        root, "checklist", "tick", "shop-release", "1.0", keys[1], "--by", text, "--waive", text
    )
    assert waived.returncode == 0, waived.stderr


def _ours(entry: str, server: str) -> bool:
    """Scripts loaded from the site itself, and the theme's inline scripts: every payload
    calls `alert`, which none of the site's own scripts does."""
    if not entry.startswith("script "):
        return False
    body = entry.removeprefix("script ")
    if body.startswith(("http:", "https:", "//")):
        return body.startswith(server)
    return "alert" not in body


def test_every_plain_string_field_carries_a_payload(site: tuple[Path, str, int]) -> None:
    assert site[2] >= 100  # the starter has one of every kind; most fields take a payload


def test_no_page_runs_anything_from_a_definition(site: tuple[Path, str, int]) -> None:
    root, server, _ = site
    pages = sorted(p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*.html"))
    assert len(pages) >= 12
    problems: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context()  # nothing outside the site loads: CHROMIUM_FLAGS
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        dialogs: list[str] = []
        current = [""]
        tab.on("dialog", lambda d: (dialogs.append(f"{current[0]}: {d.message}"), d.dismiss()))
        for name in pages:
            current[0] = name
            tab.goto(server + name.removesuffix("index.html"))
            tab.wait_for_load_state("load")
            tab.wait_for_timeout(150)  # Mermaid renders after load
            for entry in tab.evaluate(_FIND):
                if not _ours(entry, server):
                    problems.append(f"{name}: {entry}")
        current[0] = "search"
        tab.goto(server)
        search(tab, "alert")
        tab.wait_for_timeout(1500)
        for entry in tab.evaluate(_FIND):
            if not _ours(entry, server):
                problems.append(f"search results: {entry}")
        browser.close()
    assert (dialogs, problems) == ([], [])


def test_titles_show_the_text_as_written(site: tuple[Path, str, int]) -> None:
    """Safe does not mean mangled: the tab title reads the definition's name as text."""
    server = site[1]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        tab = browser.new_page()
        tab.goto(server + "checklists/shop-release/")
        assert tab.title().startswith("</title><script>alert('title')</script>")
        browser.close()


def test_payloads_break_no_page_structure(
    site: tuple[Path, str, int], engine: str, tmp_path: Path
) -> None:
    """Every page has the sections it has with plain text: no fence, heading or table in
    a value swallows or adds a section."""
    import re

    clean = tmp_path / "clean"
    hostile_handbook(clean, plain=True)
    record_release(clean, "Plain text.")
    assert opsbook(clean, "build", "--engine", engine).returncode == 0
    hostile = site[0] / "site"
    for page in sorted((clean / "site").rglob("*.html")):
        name = page.relative_to(clean / "site")
        if name.parts[:2] == ("runbooks", "source"):
            continue  # the file pages are named after files, which differ; checked below
        expected = len(re.findall(r"<h2\b", page.read_text("utf-8")))
        found = len(re.findall(r"<h2\b", (hostile / name).read_text("utf-8")))
        assert found == expected, name
    # A definition file's page is its listing alone, whatever the file holds.
    listings = sorted((hostile / "runbooks" / "source").rglob("*.html"))
    assert listings
    for page in listings:
        html = page.read_text("utf-8")
        article = html[html.index("<article") : html.index("</article>")]
        assert re.findall(r"<h[1-6]\b", article)[:1] == ["<h1"], page
        assert len(re.findall(r"<h[2-6]\b", article)) == 0, page
        assert article.count("<pre") == 1 and article.count("<script") == 0, page
