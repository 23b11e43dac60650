"""Checklist pages in a real browser: Debian's Chromium driven by Playwright, against the
built example site, over HTTP and from file://, with every network request refused."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from helpers import copy_example, opsbook
from opsbook.check.validate import validate_paths
from opsbook.model.checkitems import check_sections, task_list, tick_note

pytestmark = pytest.mark.browser

playwright = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

CANARY = "checklists/concierge-canary/"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # No host name resolves, so nothing a page asks for leaves the machine; the request
    # fails with a console error, as a refused one does. Tests that go through many pages
    # rely on this instead of refusing requests one by one (`context.route`), which sends
    # every request through Python and made each page load 0.27 s slower.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def chromium() -> str:
    """The system Chromium (Playwright's own download does not work here)."""
    path = os.environ.get("OPSBOOK_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed: run tests/install-chromium (Debian's package)")
    return path


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """Serves the site as static hosts do (GitHub Pages, Netlify, nginx with `gzip on`):
    text compressed for a browser that accepts it, so what a page transfers is measured
    as readers get it."""

    timeout = 2  # an idle kept-alive connection ends, and its thread with it
    COMPRESSED = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt")
    compressed: ClassVar[dict[tuple[str, int, int], bytes]] = {}

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?")[0].endswith("/"):
            path = os.path.join(path, "index.html")
        accepted = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepted and path.endswith(self.COMPRESSED) and os.path.isfile(path)):
            return super().send_head()  # a folder's redirect, a 404, an image
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        body = self.compressed.get(key)
        if body is None:  # compressed once per file (Mermaid takes a tenth of a second)
            with open(path, "rb") as handle:
                body = self.compressed[key] = gzip.compress(handle.read(), 6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    """A local HTTP server that stays quiet when the browser drops a connection (a page
    left while its search index was still loading), as a static host does."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def built_and_served(root: Path, engine: str = "mkdocs") -> Iterator[str]:
    """The handbook at `root` built (by `engine`) and served over HTTP on a free local port.

    Material's instant navigation only works when `site_url` is where the site is
    served, so mkdocs.yml gets the server's address before the build.
    """

    handler = functools.partial(StaticHost, directory=str(root / "site"))
    httpd = Server(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    config = root / "mkdocs.yml"
    config.write_text(f"site_url: {url}\n" + config.read_text("utf-8"), "utf-8")
    result = opsbook(root, "build", "--engine", engine)
    assert result.returncode == 0, result.stderr
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield url
    httpd.shutdown()
    httpd.server_close()
    # A request thread lives as long as the browser keeps its connection open; later tests
    # render in forked processes, which a live thread forbids (they would use one core).
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and "process_request" in thread.name:
            thread.join(timeout=10)


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def served(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, str]]:
    """The example handbook built once by each engine and served over HTTP on a free
    local port: every test of ticking checklists runs on both sites."""
    if request.param == "zensical":
        from test_engines import needs_zensical

        needs_zensical()
    root = copy_example(tmp_path_factory.mktemp(f"browser-{request.param}"))
    with built_and_served(root, request.param) as url:
        yield root, url


@pytest.fixture(scope="module")
def root(served: tuple[Path, str]) -> Path:
    return served[0]


@pytest.fixture(scope="module")
def server(served: tuple[Path, str]) -> str:
    return served[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
    # Playwright's closed event loop lets its executor's threads end without waiting for
    # them; later tests render in forked processes, which a live thread forbids.
    for live in threading.enumerate():
        if live.name.startswith("asyncio_"):
            live.join(timeout=10)


def search(tab: Any, text: str) -> None:
    """Type `text` into the site's search: mkdocs-material's search field, or Zensical's
    search dialog behind its button."""
    opener = tab.locator("button.md-search__button")
    if opener.count():
        opener.first.click()
        tab.locator("input[role=combobox]").fill(text)
    else:
        tab.locator("input.md-search__input").fill(text)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser profile (empty storage) that refuses every non-local request."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    outside: list[str] = []

    def refuse(route: Any) -> None:
        url = route.request.url
        if url.startswith((server, "file://", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", refuse)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert outside == [], "the site tried to reach the network"
    assert errors == [], "script errors on the page"


class item:
    """The checkbox of the item with id `key`, clicked where a reader clicks it: Material
    draws it as a pseudo-element of `.task-list-indicator`, so the mouse goes to its
    drawn box (a real hit test, not a synthetic event)."""

    def __init__(self, page: Any, key: str) -> None:
        self.page = page
        self.key = key

    def click(self) -> None:
        box = self.page.evaluate(
            """key => {
                const li = [...document.querySelectorAll('span.opsbook-check')]
                    .find(m => m.dataset.check === key).closest('li');
                const indicator = li.querySelector('.task-list-indicator');
                indicator.scrollIntoView({block: 'center'});
                const drawn = getComputedStyle(indicator, '::before');
                const at = indicator.getBoundingClientRect();
                return {x: at.left + parseFloat(drawn.left) + parseFloat(drawn.width) / 2,
                        y: at.top + parseFloat(drawn.top) + parseFloat(drawn.height) / 2};
            }""",
            self.key,
        )
        self.page.mouse.click(box["x"], box["y"])


def ticked(page: Any) -> list[str]:
    """Ids of the ticked items, in page order."""
    return list(
        page.eval_on_selector_all(
            "span.opsbook-check",
            "marks => marks.filter(m => m.closest('li').querySelector('input').checked)"
            ".map(m => m.dataset.check)",
        )
    )


def canary() -> Any:
    catalog = validate_paths(["ops"]).catalog if Path("ops").is_dir() else None
    if catalog is None:
        from conftest import ROOT

        catalog = validate_paths([ROOT / "ops"]).catalog
    assert catalog is not None
    return next(r for r in catalog.rollouts if r.id == "concierge-canary")


def choose(page: Any, release: str) -> None:
    """Type `release` into the release box, as a reader does."""
    box = page.locator("input.opsbook-release")
    box.fill(release)
    box.dispatch_event("change")


PICK = [
    "prerequisites/staging-environment-provisioned",
    "prerequisites/stakeholder-approval",
    "phase-0/gate-error-rate-below-2",
]


def test_items_are_clickable_and_ticks_survive_a_reload(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")  # a release with no record: every item is open
    assert page.locator("span.opsbook-check").count() == len(
        [c for s in check_sections(canary()) for c in s.checks]
    )
    assert page.locator("li.task-list-item input[disabled]").count() == 0
    for key in PICK:
        item(page, key).click()
    assert ticked(page) == PICK
    page.reload()
    assert ticked(page) == PICK


def test_ticks_survive_instant_navigation(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")
    item(page, PICK[0]).click()
    page.evaluate("window.stillTheSameDocument = true")
    page.locator("nav.md-nav a", has_text="Flags").first.click()
    page.wait_for_url("**/runbooks/flags/")
    page.locator("nav.md-nav a", has_text="Aurora Concierge canary rollout").first.click()
    page.wait_for_url("**/" + CANARY)
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached")
    # Material swapped the page in place: the script ran again without a full load.
    assert page.evaluate("window.stillTheSameDocument === true")
    assert ticked(page) == [PICK[0]]


def test_progress_counts_each_section_and_the_whole_checklist(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")
    sections = check_sections(canary())
    total = sum(len(s.checks) for s in sections)
    required = sum(c.required for s in sections for c in s.checks)
    for key in PICK:
        item(page, key).click()
    bar = page.locator(".opsbook-total").inner_text()
    assert bar == f"3 of {total} done, {required - 3} required open"
    badges = dict(
        page.eval_on_selector_all(
            ".opsbook-progress", "bs => bs.map(b => [b.dataset.section, b.textContent])"
        )
    )
    prerequisites = len(sections[0].checks)
    phase0 = next(s for s in sections if s.id == "phase-0")
    assert badges["prerequisites"] == f"2/{prerequisites}"
    assert badges["phase-0"] == f"1/{len(phase0.checks)}"
    assert badges["launch-day"] == f"0/{len(sections[1].checks)}"
    assert len(badges) == len(sections)


def test_ticks_are_kept_per_release(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")
    item(page, PICK[0]).click()
    choose(page, "2.6.0")
    assert ticked(page) == []
    item(page, PICK[1]).click()
    page.reload()
    assert page.locator("input.opsbook-release").input_value() == "2.6.0"
    assert ticked(page) == [PICK[1]]
    choose(page, "2.5.0")
    assert ticked(page) == [PICK[0]]
    known = page.eval_on_selector_all("datalist option", "os => os.map(o => o.value)")
    assert known == ["2.4.0"]  # the release recorded in checklists/releases/


def recorded() -> Any:
    """The example's record of release 2.4.0 of the canary."""
    from conftest import ROOT
    from opsbook.releases.ticking import read_release

    return read_release(ROOT / "checklists" / "releases", canary(), "2.4.0")


def test_the_recorded_release_opens_with_its_ticks_and_who_made_them(
    page: Any, server: str
) -> None:
    """The build embeds the records: the page opens the newest open release, its ticks as
    recorded (fixed here: `opsbook checklist untick` removes them), each with who and when."""
    page.goto(server + CANARY)
    record = recorded()
    sections = check_sections(canary())
    total = sum(len(s.checks) for s in sections)
    assert page.locator("input.opsbook-release").input_value() == "2.4.0"
    assert ticked(page) == [c.key for s in sections for c in s.checks if c.key in record.ticks]
    assert page.locator(".opsbook-total").inner_text().startswith(f"9 of {total} done")
    assert page.locator("li.opsbook-recorded").count() == 9
    first = page.locator("li.opsbook-recorded").first
    assert first.locator(".opsbook-tick-note").inner_text() == (
        " — dana, 2026-11-16 09:40 UTC, evidence <https://github.com/aurora/concierge/pull/412>"
    )
    waived = page.locator("li.opsbook-recorded", has_text="Communication plan ready")
    assert "waived by dana, 2026-11-17 08:30 UTC: Internal-only phase first" in waived.inner_text()
    assert "Release 2.4.0 is recorded" in page.locator(".opsbook-kept").inner_text()
    assert page.locator(".opsbook-record").is_hidden()


def test_a_local_tick_on_a_record_gives_the_command_that_records_it(
    page: Any, server: str, browser: Any
) -> None:
    page.goto(server + CANARY)
    keys = ["launch-day/stakeholder-sign-off", "phase-0/gate-error-rate-below-2"]
    assert all(k not in recorded().ticks for k in keys)
    for key in keys:
        item(page, key).click()
    local = page.locator("li.opsbook-local .opsbook-tick-note")
    assert local.all_inner_texts() == [" — ticked in this browser only"] * len(keys)
    ordered = [k for k in ticked(page) if k in keys]
    command = page.locator(".opsbook-record code").inner_text()
    assert command == (
        f'opsbook checklist tick concierge-canary 2.4.0 {" ".join(ordered)} --by "$USER"'
    )
    page.locator("button.opsbook-copy-command").click()
    page.wait_for_function("document.querySelector('.opsbook-note').textContent !== ''")
    assert page.evaluate("navigator.clipboard.readText()") == command
    # Another browser sees what is recorded, not what was ticked here.
    other = browser.new_context()
    tab = other.new_page()
    tab.goto(server + CANARY)
    assert tab.locator(".opsbook-total").inner_text().startswith("9 of ")
    assert [k for k in ticked(tab) if k in keys] == []
    other.close()


def test_an_unrecorded_release_is_started_by_the_same_command(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0 rc")
    item(page, PICK[0]).click()
    assert page.locator(".opsbook-record code").inner_text() == (
        "opsbook checklist start concierge-canary '2.5.0 rc' --by \"$USER\" && "
        f"opsbook checklist tick concierge-canary '2.5.0 rc' {PICK[0]} --by \"$USER\""
    )
    choose(page, "")
    item(page, PICK[1]).click()
    assert "Name the release" in page.locator(".opsbook-record").inner_text()
    assert page.locator(".opsbook-record pre").is_hidden()


def test_clicking_an_items_text_ticks_it(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")
    li = page.locator("li.opsbook-item", has_text="Staging environment provisioned")
    li.locator(".opsbook-tick-note").evaluate("n => n.scrollIntoView({block: 'center'})")
    box = li.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 40, box["y"] + box["height"] / 2)
    assert ticked(page) == [PICK[0]]
    assert li.locator("input").get_attribute("aria-label") == "Staging environment provisioned"


def test_copy_as_markdown_puts_the_exact_task_list_on_the_clipboard(page: Any, server: str) -> None:
    """Who ticked what and when, evidence, waivers, what is local, and a link back: what
    `opsbook checklist status --format markdown` prints, plus the page's address."""
    page.goto(server + CANARY)
    local = "phase-0/gate-error-rate-below-2"
    item(page, local).click()
    page.locator("button.opsbook-copy").click()
    page.wait_for_function("document.querySelector('.opsbook-note').textContent !== ''")
    assert page.locator(".opsbook-note").inner_text() == "Copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    rollout = canary()
    notes = {k: tick_note(t.by, t.when, t.evidence, t.waived) for k, t in recorded().ticks.items()}
    notes[local] = "ticked in a browser, not recorded"
    expected = task_list(rollout.name, check_sections(rollout), notes, "2.4.0", server + CANARY)
    assert copied == expected
    assert f"From <{server}{CANARY}>\n" in copied
    assert (
        "- [x] Staging environment provisioned — dana, 2026-11-16 09:40 UTC, evidence "
        "<https://github.com/aurora/concierge/pull/412>\n" in copied
    )
    assert "### Phase 1: Internal team only\n\n- [ ] Set NEXT_PUBLIC_CONCIERGE" in copied


def test_reset_clears_the_ticks_of_the_release(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    choose(page, "2.5.0")
    for key in PICK:
        item(page, key).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button.opsbook-reset").click()
    assert ticked(page) == []
    page.reload()
    assert ticked(page) == []


def test_ticks_work_from_a_file_url(browser: Any, root: Path) -> None:
    context = browser.new_context()
    outside: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file://")
            else (outside.append(route.request.url), route.abort())
        ),
    )
    tab = context.new_page()
    url = (root / "site" / CANARY / "index.html").as_uri()
    tab.goto(url)
    choose(tab, "2.5.0")
    for key in PICK:
        item(tab, key).click()
    tab.reload()
    assert ticked(tab) == PICK
    assert tab.locator(".opsbook-total").inner_text().startswith("3 of ")
    context.close()
    assert outside == []


def test_from_disk_links_open_pages_and_the_page_says_how_to_search(
    browser: Any, root: Path
) -> None:
    """Opened as a file, a link to a folder would show the folder: the page links its
    index.html instead, and says that search needs `opsbook serve` or a static server."""
    context = browser.new_context()
    tab = context.new_page()
    tab.goto((root / "site" / "index.html").as_uri())
    note = tab.locator(".opsbook-from-disk")
    assert "search needs a web server. Run `opsbook serve`" in note.inner_text()
    tab.locator("article a", has_text="Feature flags").first.click()
    tab.wait_for_load_state("load")
    assert tab.url.endswith("/runbooks/flags/index.html")
    assert tab.locator("article h1").inner_text().startswith("Feature flags")
    tab.locator("article a", has_text="ONESource AI").first.click()
    tab.wait_for_load_state("load")
    assert tab.url.endswith("/runbooks/onesource/index.html")
    context.close()


def test_readiness_checklists_tick_too(page: Any, server: str) -> None:
    page.goto(server + "checklists/concierge-readiness/")
    assert page.locator("input.opsbook-release").count() == 0  # no releases: no release box
    assert page.locator(".opsbook-kept").inner_text() == "Ticks are kept in this browser only."
    done = ticked(page)  # items the definitions mark as done start ticked
    assert done
    first = next(
        key
        for key in page.eval_on_selector_all(
            "span.opsbook-check", "ms => ms.map(m => m.dataset.check)"
        )
        if key not in done
    )
    item(page, first).click()
    item(page, done[0]).click()
    page.reload()
    assert set(ticked(page)) == set(done) - {done[0]} | {first}


def test_release_record_page_shows_who_ticked_what(page: Any, server: str) -> None:
    page.goto(server + CANARY)
    link = page.locator("article a", has_text="2.4.0")
    # Where the link leads, as the browser resolves it (engines write relative links differently).
    assert link.evaluate("a => a.href") == server + "checklists/releases/concierge-canary/2.4.0/"
    page.goto(server + "checklists/releases/concierge-canary/2.4.0/")
    text = page.locator("article").inner_text()
    assert "Started\t2026-11-16 09:00 UTC by Dana (release manager)" in text
    assert "Waived: Internal-only phase first" in text
    evidence = page.locator("a", has_text="evidence").first.get_attribute("href")
    assert evidence == "https://github.com/aurora/concierge/pull/412"


def test_search_finds_a_runbook_by_its_alert_name(page: Any, server: str) -> None:
    """Search works on both sites, offline: the alert's name finds its runbook."""
    page.goto(server)
    search(page, "RedisDown")
    found = page.locator("a[href*='runbooks/onesource/redisdown/']")
    found.first.wait_for(state="attached")
    assert found.count() >= 1
