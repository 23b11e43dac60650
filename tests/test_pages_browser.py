"""Every page of the example site as readers see it, in Chromium: at 1280 and 390 px,
commands are copyable blocks, nothing sticks out of the content column outside a box
that scrolls, every checkbox has a name, no script fails; each alert page acts on its
first screen; a printed alert and checklist hold no controls and no empty pages."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from helpers import opsbook, starter
from opsbook.check.validate import validate_paths
from test_argo import ROLLOUTS
from test_browser import browser, built_and_served, playwright, root, served, server  # noqa: F401
from test_flagd import FLAGS
from test_openslo import INPUTS as OPENSLO

pytestmark = [pytest.mark.browser, pytest.mark.newest]

pypdf = pytest.importorskip("pypdf", reason="pip install -e '.[test]'")

# What a page shows that readers would call broken, found by script in the page itself.
AUDIT = (Path(__file__).parent / "page_audit.js").read_text("utf-8")


def pages(site: Path) -> list[str]:
    """The URL path of every page of the built site, home first."""
    found = []
    for html in sorted(site.rglob("index.html")):
        path = html.parent.relative_to(site).as_posix()
        if path.startswith(("assets", "search")):
            continue
        found.append("" if path == "." else path + "/")
    return sorted(found, key=lambda p: (p != "", p))


@pytest.fixture(scope="module")
def tab(server: str, browser: Any) -> Iterator[Any]:  # noqa: F811
    """A page at the width of a phone, which records script errors (a request for
    anything outside the site fails, with a console error: CHROMIUM_FLAGS)."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def test_every_page_reads_well_at_laptop_and_phone_width(
    request: pytest.FixtureRequest,
    tab: Any,
    root: Path,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """Commands are copyable blocks, nothing is cut off, checkboxes are named, no errors.
    Each page is loaded at a phone's width (390 px), then widened to a laptop's (1280 px,
    where the page's scripts react to the resize as on a real window) and read again.
    The definition files' pages share one template: the two longest stand for the rest.
    Zensical's pages are read at a phone's width only, where pages first run out of room;
    its wide layout is still seen by the first-screen, search and weight tests below."""
    widths = [390] if request.node.callspec.params.get("served") == "zensical" else [390, 1280]
    urls = pages(root / "site")
    assert len(urls) > 60
    listings = [u for u in urls if u.startswith("runbooks/source/")]
    listings.sort(key=lambda u: -(root / "site" / u / "index.html").stat().st_size)
    urls = [u for u in urls if u not in listings[2:]]
    problems: list[str] = []
    for url in urls:
        tab.set_viewport_size({"width": widths[0], "height": 800})
        tab.errors.clear()
        tab.goto(server + url)
        tab.wait_for_load_state("load")
        for width in widths:
            if width != widths[0]:
                tab.set_viewport_size({"width": width, "height": 800})
                tab.wait_for_timeout(150)  # the scripts' resize handling waits 100 ms
                # The theme lays the page out again after a resize, later on a busy machine:
                # what is judged is the settled page (one that still overflows is reported).
                with contextlib.suppress(Exception):
                    tab.wait_for_function(
                        "document.documentElement.scrollWidth <= window.innerWidth", timeout=2000
                    )
            else:
                tab.wait_for_timeout(50)
            said = f"{url or 'home'} at {width} px"
            problems += [f"{said}: {p}" for p in tab.evaluate(AUDIT)]
        problems += [f"{url or 'home'}: script error: {e}" for e in tab.errors]
    assert problems == [], "\n".join(problems)


def test_a_request_outside_the_site_fails_and_counts_as_an_error(
    tab: Any,
    server: str,  # noqa: F811
) -> None:
    """What the audit relies on: a page that asked for anything outside the site would
    show a console error there (no host name resolves in the tests' browser)."""
    tab.errors.clear()
    tab.goto(server)
    tab.evaluate(
        "() => { const i = document.createElement('img');"
        " i.src = 'https://fonts.example.com/x.png'; document.body.append(i); }"
    )
    tab.wait_for_timeout(300)
    assert any("ERR_NAME_NOT_RESOLVED" in e for e in tab.errors), tab.errors
    tab.errors.clear()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The starter handbook (`opsbook init`) with Argo Rollouts, flagd flags and OpenSLO
    objects, built by mkdocs and served: what the example has none of."""
    shop = starter(tmp_path_factory.mktemp("shop") / "shop")
    (shop / "ops" / "shop.rollouts.yaml").write_text(ROLLOUTS, "utf-8")
    (shop / "ops" / "shop.flags.yaml").write_text(FLAGS, "utf-8")
    slos = opsbook(shop, "import", "openslo", *map(str, OPENSLO))
    assert "the rest was imported" in slos.stderr, slos.stdout + slos.stderr  # an AlertPolicy
    with built_and_served(shop) as url:
        yield url


def test_argo_and_flag_system_pages_read_well(browser: Any, shop: str) -> None:  # noqa: F811
    """Pages the example has none of: Rollouts executed by Argo Rollouts (commands per
    phase, steps as configured), flags a flag system serves (targeting, weights) and
    SLOs imported from OpenSLO (queries, budgets)."""
    url = shop
    paths = ("checklists/search-canary/", "checklists/shop-release/", "runbooks/flags/",
             "runbooks/checkout/")  # fmt: skip
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        errors: list[str] = []  # script errors, and requests outside the site (failed)
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on(
            "console",
            lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None,
        )
        for path in paths:
            page.goto(url + path)
            page.wait_for_load_state("load")
            problems = page.evaluate(AUDIT)
            assert problems == [] and errors == [], (width, path, problems, errors)
        page.goto(url + "checklists/search-canary/")
        shown = page.locator("pre", has_text="kubectl argo rollouts promote search-web -n shop")
        assert shown.count() == 2 and shown.first.is_visible()
        kept = page.get_by_text("As configured in Argo Rollouts, before this phase's")
        assert kept.is_visible()
        page.goto(url + "runbooks/flags/")
        assert page.locator("pre", has_text='"starts_with"').is_visible()
        page.goto(url + "runbooks/checkout/")
        assert page.get_by_text("about 40m 19s of full outage").is_visible()
        context.close()


def alert_pages(site: Path) -> list[str]:
    return [
        u
        for u in pages(site)
        if re.fullmatch(r"runbooks/[^/]+/[^/]+/", u)
        and not u.startswith(("runbooks/source/", "runbooks/flags/", "runbooks/policy/"))
        and (site / u / "index.html").read_text("utf-8").find('id="do-now"') > 0
    ]


def test_a_level_that_does_not_page_never_says_paged_and_its_anchor_leads_to_it(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """As the reader sees it: the Slack-only warning's page says nobody is paged; a link to
    `#level-warning` on an alert with two levels leads to the warning's facts."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "runbooks/aurora-concierge/conciergeratelimitthreshold/")
    text = page.locator("article").inner_text()
    assert "Paged" not in text and "nobody is paged" in text
    page.goto(server + "runbooks/aurora-concierge/conciergeapilatencyhigh/#level-warning")
    facts = page.locator("p", has=page.locator("#level-warning"))
    assert "How bad at warning" in facts.inner_text() and "Paged" not in facts.inner_text()
    target = page.evaluate("() => document.querySelector(':target')?.parentElement.innerText")
    assert target == facts.inner_text()  # the link leads to the warning's facts
    critical = page.locator("p", has=page.locator("#level-critical")).inner_text()
    assert "Paged: On-call engineer" in critical
    context.close()


FIRST_LEVEL = """() => {
  const facts = [...document.querySelectorAll("article span[id^='level-']")];
  return facts.map(s => [s.id, s.parentElement.className,
                         s.parentElement.getBoundingClientRect().bottom]);
}"""


def test_the_level_a_runbook_url_names_comes_first(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """`#level-warning` on an alert with a critical and a warning level puts the warning's
    facts first, marked, within a phone's first screen; without it the critical comes
    first; a fragment made to inject opens no dialog and adds nothing."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    alert = server + "runbooks/aurora-concierge/conciergeapilatencyhigh/"
    page.goto(alert)
    assert [f[:2] for f in page.evaluate(FIRST_LEVEL)] == [
        ["level-critical", ""],
        ["level-warning", ""],
    ]
    page.goto(alert + "#level-warning")
    levels = page.evaluate(FIRST_LEVEL)
    assert [f[:2] for f in levels] == [
        ["level-warning", "opsbook-fired"],
        ["level-critical", ""],
    ]
    assert 0 < levels[0][2] <= 844, levels  # on the first screen
    shown = page.locator("p.opsbook-fired").inner_text()
    assert shown.startswith(
        "This level fired. How bad at warning, when API latency p95 is above 1 s"
    )
    assert "Paged" not in shown and "nobody is paged" in shown
    count = page.evaluate("document.querySelectorAll('*').length")
    for hostile in (
        "#level-%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
        "#level-critical%3Cscript%3Ealert(2)%3C/script%3E",
        "#level-%E0%A4%A",  # a malformed escape
        "#javascript:alert(3)",
    ):
        page.goto(alert + hostile)  # from the warning's: the page stays, its hash changes
        page.wait_for_timeout(100)
        assert page.locator("p.opsbook-fired").count() == 0, hostile
        assert page.evaluate("document.querySelectorAll('*').length") <= count, hostile
    assert dialogs == []
    page.goto(alert + "#level-critical")
    assert [f[:2] for f in page.evaluate(FIRST_LEVEL)] == [
        ["level-critical", "opsbook-fired"],
        ["level-warning", ""],
    ]
    assert page.locator(".opsbook-fired-note").count() == 1
    context.close()


def test_each_alert_page_acts_on_its_first_screen(
    browser: Any,  # noqa: F811
    root: Path,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """At 1280x800 the "Do now" block and the first mitigation's command are visible
    without scrolling, and the "Generated from" line comes after them; at 390x844 (a
    phone) the first level's "Paged" or "Notifies" and its "Next" are on the first screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    urls = alert_pages(root / "site")
    catalog = validate_paths([root / "ops"]).catalog
    assert catalog is not None and len(urls) == len(catalog.alerts)
    late: list[str] = []
    for url in urls:
        page.goto(server + url)
        where = page.evaluate(
            """() => {
              const h = document.getElementById('do-now');
              const list = h.nextElementSibling;
              const pre = list.querySelector('pre');
              const source = [...document.querySelectorAll('article p')]
                .find(p => p.textContent.includes('Generated from'));
              return {heading: h.getBoundingClientRect().top,
                      command: pre ? pre.getBoundingClientRect().bottom : null,
                      look: list.lastElementChild.getBoundingClientRect().bottom,
                      source: source.getBoundingClientRect().top,
                      list: list.getBoundingClientRect().bottom};
            }"""
        )
        if where["heading"] > 800 or (where["command"] or 0) > 800 or where["look"] > 800:
            late.append(f"{url}: {where}")
        assert where["source"] > where["list"], url
        page.set_viewport_size({"width": 390, "height": 844})
        phone = page.evaluate(
            """() => {
              const first = document.querySelector('article [id^="level-"]').parentElement;
              const facts = [...first.querySelectorAll('strong')]
                .filter(s => /^(Paged|Notifies|Next):$/.test(s.textContent.trim()));
              return {facts: facts.map(s => s.textContent.trim()),
                      bottom: Math.max(...facts.map(s => s.getBoundingClientRect().bottom))};
            }"""
        )
        said = set(phone["facts"])
        if not (said & {"Paged:", "Notifies:"}) or phone["bottom"] > 844:
            late.append(f"{url} at 390 px: {phone}")
        page.set_viewport_size({"width": 1280, "height": 800})
    context.close()
    assert late == [], "\n".join(late)


def printed(browser: Any, url: str, path: Path) -> Any:  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached", timeout=3000) if (
        "checklists/" in url
    ) else None
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4")
    context.close()
    return pypdf.PdfReader(str(path))


@pytest.mark.parametrize(
    "url",
    ["runbooks/onesource/redisdown/", "checklists/concierge-canary/"],
    ids=["alert", "checklist"],
)
def test_printed_pages_hold_no_controls_and_no_empty_pages(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    url: str,
    tmp_path: Path,
) -> None:
    pdf = printed(browser, server + url, tmp_path / "page.pdf")
    texts = [page.extract_text() for page in pdf.pages]
    whole = "\n".join(texts)
    for control in ("Copy as Markdown", "Reset", "Copy command", "done, ", "in this browser"):
        assert control not in whole, control
    footer = ("Questions about the handbook", "See how to contribute", "generated by opsbook")
    for n, text in enumerate(texts, 1):
        body = [line for line in text.splitlines() if line.strip()]
        # A page with nothing but the footer line (or nothing at all) is wasted paper; a
        # page may end the runbook with a short last section and the footer.
        content = [line for line in body if not any(f in line for f in footer)]
        assert len(content) >= 2, f"page {n} of {len(texts)}: {body}"
    if url.startswith("runbooks/"):
        assert len(texts) <= 3
    else:  # the boxes show a release's ticks: the paper names it
        assert "Release 2.4.0, as recorded (started 2026-11-16 09:00 UTC): 9 of 47" in whole


CONTRAST = """() => {
  const rgb = text => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ground = el => {
    for (let at = el; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
  };
  // A colour with alpha as it shows over what is under it.
  const over = (c, g) => c.length === 4 ? g.map((v, i) => c[i] * c[3] + v * (1 - c[3])) : c;
  const ratio = (c, g) => {
    const [x, y] = [lum(over(c, g)), lum(g)].sort((p, q) => q - p);
    return Math.round(((x + 0.05) / (y + 0.05)) * 100) / 100;
  };
  const out = {};
  for (const button of document.querySelectorAll('.opsbook-checklist button')) {
    out[button.textContent] = ratio(rgb(getComputedStyle(button).color), ground(button));
  }
  const release = document.querySelector('input.opsbook-release');
  out.release = ratio(rgb(getComputedStyle(release).color), ground(release));
  const open = [...document.querySelectorAll('li.opsbook-item')]
    .find(li => !li.querySelector('input').checked).querySelector('.task-list-indicator');
  const drawn = rgb(getComputedStyle(open, '::before').backgroundColor);
  out['open box'] = ratio(drawn, ground(open));
  const done = [...document.querySelectorAll('li.opsbook-item')]
    .find(li => li.querySelector('input').checked).querySelector('.task-list-indicator');
  out['ticked box'] = ratio(rgb(getComputedStyle(done, '::before').backgroundColor), ground(done));
  return out;
}"""


@pytest.mark.parametrize("scheme", ["default", "slate"], ids=["light", "dark"])
def test_checklist_controls_meet_wcag_aa_contrast_and_show_focus(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    scheme: str,
) -> None:
    """Text of buttons and the release box at 4.5:1, the drawn boxes at 3:1 (WCAG AA for
    text and for controls), in both palettes; the keyboard focus on a box is visible."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    palette = json.dumps({"index": 0 if scheme == "default" else 1, "color": {"scheme": scheme}})
    page.add_init_script(f"localStorage.setItem('/.__palette', {json.dumps(palette)})")
    page.goto(server + "checklists/concierge-canary/")
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme
    ratios = page.evaluate(CONTRAST)
    assert set(ratios) == {"Copy as Markdown", "Reset", "release", "open box", "ticked box"}
    low = {k: v for k, v in ratios.items() if v < (3 if k.endswith("box") else 4.5)}
    assert low == {}, ratios
    box = page.locator("li.opsbook-item:not(.opsbook-recorded) input").first
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus that came from the keyboard
    ring = page.evaluate(
        """() => {
          const box = document.activeElement;
          const drawn = getComputedStyle(box.nextElementSibling, '::before');
          return [box.type, drawn.outlineStyle, parseFloat(drawn.outlineWidth)];
        }"""
    )
    assert ring[0] == "checkbox" and ring[1] != "none" and ring[2] >= 2, ring
    context.close()


def test_the_timeline_reads_at_the_size_of_small_text_and_says_each_fact_once(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """Mermaid scales a wide diagram down to the column; the timeline's labels must stay
    at least as large as the page's small print (0.8 of its body text)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    # The theme draws diagrams in a closed shadow root; opened here so the test can measure.
    page.add_init_script(
        "const attach = Element.prototype.attachShadow;"
        "Element.prototype.attachShadow = function (o) {"
        "  return attach.call(this, {...o, mode: 'open'});"
        "};"
    )
    page.goto(server + "checklists/concierge-canary/")
    page.wait_for_function("document.querySelector('.mermaid')?.shadowRoot?.querySelector('svg')")
    sizes = page.evaluate(
        """() => {
          const body = parseFloat(getComputedStyle(document.querySelector('article p')).fontSize);
          const svg = document.querySelector('.mermaid').shadowRoot.querySelector('svg');
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          const labels = [...svg.querySelectorAll('.nodeLabel')];
          return {body, labels: labels.map(l => [l.textContent,
                  parseFloat(getComputedStyle(l).fontSize) * scale])};
        }"""
    )
    assert len(sizes["labels"]) >= 5
    small = [(text, size) for text, size in sizes["labels"] if size < 0.8 * sizes["body"]]
    assert small == [], sizes["body"]
    second = next(text for text, _ in sizes["labels"] if text.startswith("10% of production"))
    assert second.count("10%") == 1, second
    context.close()


def transferred(browser: Any, url: str) -> tuple[int, list[str]]:  # noqa: F811
    """The bytes a first visit to `url` transfers (headers and bodies, as served), with
    every URL it asked for, once its network is idle (the search index loaded)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    sizes = [r.sizes() for r in finished]
    urls = [r.url for r in finished]
    context.close()
    return sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes), urls


def test_an_alert_page_loads_at_most_300_kb_and_mermaid_only_where_a_diagram_is(
    browser: Any,  # noqa: F811
    root: Path,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """Served as static hosts serve it (compressed), the first visit of an alert page
    transfers at most 300 KB, search index included, and never asks for Mermaid (3.5 MB);
    the canary checklist, which draws its timeline, loads it and draws. Alert pages load
    the same assets, so the three largest stand for all."""
    site = root / "site"
    largest = sorted(alert_pages(site), key=lambda u: -(site / u / "index.html").stat().st_size)
    heavy = []
    for url in largest[:3]:
        size, urls = transferred(browser, server + url)
        if size > 300_000 or any(u.endswith("mermaid.min.js") for u in urls):
            heavy.append((url, size, [u for u in urls if "mermaid" in u]))
    assert heavy == []
    size, urls = transferred(browser, server + "checklists/concierge-canary/")
    assert [u for u in urls if u.endswith("/assets/opsbook/mermaid.min.js")], urls
    assert size > 600_000  # Mermaid, compressed
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "runbooks/policy/")
    page.wait_for_selector("div.mermaid", state="attached", timeout=10_000)
    assert page.locator("pre.mermaid").count() == 0  # each diagram drawn, none left as code
    context.close()


RESULTS = ".md-search-result__item > a{0}, ol[aria-label='Search results'] a[role=option]{0}"
"""Links among the search's results: mkdocs-material's list, Zensical's dialog."""


def found(page: Any, site: str, phrase: str, expected: str) -> list[str]:
    """The pages that the site's search lists for `phrase`, best first, once a page whose
    address holds `expected` is among them (or after ten seconds)."""
    from test_browser import search

    page.goto(site)
    page.wait_for_load_state("networkidle")  # the search index is in, the field listens
    for _ in range(3):  # a query typed while the index is still being built finds nothing
        search(page, phrase)
        with contextlib.suppress(playwright.Error):
            page.locator(RESULTS.format(f"[href*='{expected}']")).first.wait_for(
                state="attached", timeout=5_000
            )
            break
        page.keyboard.press("Escape")
    pages: list[str] = []
    for href in page.locator(RESULTS.format("")).evaluate_all("all => all.map(a => a.href)"):
        path = href.removeprefix(site).split("?")[0].split("#")[0]
        if path not in pages:
            pages.append(path)
    return pages


@pytest.mark.parametrize(
    ("phrase", "runbook"),
    [
        ("Fail over conversation storage", "runbooks/onesource/redisdown/"),
        (
            "release leaked connections",
            "runbooks/aurora-concierge/conciergedatabaseconnectionfailures/",
        ),
    ],
)
def test_a_phrase_from_a_runbook_step_finds_that_runbook_among_the_first_three(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
    phrase: str,
    runbook: str,
) -> None:
    """Search ranks runbooks before pages whose title merely shares a word (a release
    record, a checklist)."""
    context = browser.new_context()
    page = context.new_page()
    listed = found(page, server, phrase, runbook)
    assert listed[0] == runbook, listed  # first, so certainly among the first three
    context.close()


def test_the_definition_files_pages_are_not_searched(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """`apiVersion` is on every definition file's page and in the reference: search finds
    the reference, never a definition file's page (a third of the index they were)."""
    context = browser.new_context()
    page = context.new_page()
    listed = found(page, server, "apiVersion", "reference/")
    assert "reference/" in listed, listed
    assert [p for p in listed if p.startswith("runbooks/source/")] == []
    context.close()


def test_the_home_page_opens_on_finding_your_alert(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """The paged engineer's first screen: how to find the alert (the `/` key it names opens
    the search, and typing the alert's name finds its page), then the paging alerts and
    the kill switches; services and statistics come after them."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server)
    tops = page.evaluate(
        """() => Object.fromEntries(['paging-alerts-by-severity', 'kill-switches', 'services']
             .map(id => [id, document.getElementById(id).getBoundingClientRect().top]))"""
    )
    hint = page.locator("article p", has_text="Paged? Find your alert")
    assert hint.bounding_box()["y"] < tops["paging-alerts-by-severity"] < 800, tops
    assert tops["kill-switches"] < tops["services"], tops
    statistics = page.locator("article p", has_text="Generated from the definitions:")
    assert statistics.bounding_box()["y"] > tops["services"]
    page.keyboard.press("/")
    page.keyboard.type("RedisDown")
    redisdown = "[href*='runbooks/onesource/redisdown/']"
    page.locator(RESULTS.format(redisdown)).first.wait_for(state="attached", timeout=10_000)
    context.close()


def test_the_runbook_url_fills_the_pages_label_placeholders(browser: Any, shop: str) -> None:  # noqa: F811
    """A runbook_url as the export writes it, filled by Prometheus (`?namespace=shop-prod`),
    puts the firing alert's value into the page's commands, where the copy button copies
    it, and says which values it used; without values, ‹namespace› stays; hostile values
    open no dialog and add no element."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shop.rstrip("/"))
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    alert = shop + "runbooks/shop/shoperrorratehigh/"
    page.goto(alert)
    undo = page.locator("pre", has_text="rollout undo deployment/shop")
    assert undo.inner_text().strip() == "kubectl -n ‹namespace› rollout undo deployment/shop"
    assert page.locator(".opsbook-labels-note").count() == 0
    elements = page.evaluate("document.querySelectorAll('article *').length")
    page.goto(alert + "?namespace=shop-prod&pod=web-1#level-critical")
    assert undo.inner_text().strip() == "kubectl -n shop-prod rollout undo deployment/shop"
    logs = page.locator("pre", has_text="logs deployment/shop")
    assert logs.inner_text().startswith("kubectl -n shop-prod logs deployment/shop --since=10m")
    note = page.locator(".opsbook-labels-note").inner_text()
    assert note == "Filled in from the labels of the alert that fired: namespace = shop-prod."
    undo.hover()
    undo.locator("button[data-md-type='copy'], button.md-clipboard").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == "kubectl -n shop-prod rollout undo deployment/shop"
    for hostile in (
        '"><img src=x onerror=alert(1)>',
        "<script>alert(2)</script>",
        "javascript:alert(3)",
        "a\nb",  # a line break would split the command: not used
    ):
        page.goto(alert + "?" + urlencode({"namespace": hostile}))
        shown = undo.inner_text().strip()
        if "\n" in hostile:
            assert shown == "kubectl -n ‹namespace› rollout undo deployment/shop"
        else:
            assert shown == f"kubectl -n {hostile} rollout undo deployment/shop"
        added = page.evaluate("document.querySelectorAll('article *').length")
        assert added <= elements + 1, hostile  # the note, nothing else
        assert page.locator("article img, article script").count() == 0
    assert dialogs == []
    context.close()


def test_the_escalation_contact_is_on_a_phones_screen(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """At 390 px an incident's escalation names whom to reach and how, inside the screen's
    width (a table's Contact column was off-screen)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(server + "runbooks/aurora-concierge/incidents/widget-button-missing/")
    first = page.locator("li", has_text="L1, at once: On-call engineer")
    contact = first.locator("code", has_text="on-call-engineering")
    contact.scroll_into_view_if_needed()
    box = contact.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert contact.is_visible()
    context.close()


def test_a_checklist_on_a_phone_keeps_its_bar_to_one_line_and_its_headings_clear(
    browser: Any,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    """At 390 px: the release bar is one line, above the timeline; a deep link to a phase
    puts its heading below the bar, not under it; the second Tab stop skips to the first
    open item, whose box then has the focus and a visible ring."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    canary = server + "checklists/concierge-canary/"
    page.goto(canary)
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached")
    bar = page.locator("div.opsbook-checklist").bounding_box()
    assert bar is not None and bar["height"] < 50, bar  # one line
    timeline = page.locator("#timeline").bounding_box()
    assert timeline is not None and bar["y"] < timeline["y"]
    phase = page.locator("article h2", has_text="Phase 3").get_attribute("id")
    page.goto(canary + "#" + phase)
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached")
    page.wait_for_timeout(300)
    heading = page.locator(f"[id='{phase}']").bounding_box()
    stuck = page.locator("div.opsbook-checklist").bounding_box()
    assert heading is not None and stuck is not None
    assert stuck["y"] + stuck["height"] <= heading["y"] < 844, (stuck, heading)
    page.goto(canary)
    page.wait_for_selector("div.opsbook-checklist[data-ready]", state="attached")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the first open item"
    page.keyboard.press("Enter")
    focused = page.evaluate(
        """() => { const box = document.activeElement;
                   return [box.type || box.tagName, box.checked, box.outerHTML.slice(0, 80),
                           box.getBoundingClientRect().top]; }"""
    )
    assert focused[:2] == ["checkbox", False], focused
    assert 0 < focused[3] < 844, focused
    page.focus("input.opsbook-release")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid", ring
    context.close()
