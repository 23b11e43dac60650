"""Hostile text in every kind of field ends up inert on the built site: no script, no
event handler, no style, no javascript: link, no broken table, no injected heading."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sitecheck import read, site_pages

EVIL = (
    "a|b <script>alert('s')</script> <img src=x onerror=alert('i')> "
    "[click](javascript:alert('j')) [data](data:text/html;base64,PHNjcmlwdD4=) "
    '<b style="color:red">styled</b> {: onclick="alert(\'a\')" } <iframe src=//evil>'
)
PROSE = (
    EVIL + "\n\n# Injected heading {: onclick=\"alert('h')\" }\n\n<div onmouseover=x>block</div>\n"
)
NAME = "# Heading? - list | pipe <script>alert('n')</script> {: onclick=x }"
# PromQL must parse, so the hostile text sits in a label matcher's string.
EXPR = "up{job=" + json.dumps(EVIL) + "} == 0"
E, P, N, X = (json.dumps(text) for text in (EVIL, PROSE, NAME, EXPR))  # JSON is YAML too

DEFINITIONS = f"""\
apiVersion: opsbook/v1
service: shop
teams:
  - id: web
    name: {N}
    channels: [{{slack: {json.dumps("#" + EVIL)}}}, {{pagerduty: web-oncall}}]
severities:
  - {{id: critical, rank: 1, pages: true, meaning: {P}}}
  - {{id: warning, rank: 2, meaning: Later.}}
escalations:
  - id: web-oncall
    name: {N}
    levels:
      - {{name: {N}, team: web, after: "0", responsibilities: {E}}}
      - {{name: Lead, after: 15m}}
services:
  - id: shop
    name: {N}
    summary: {E}
    description: {P}
    owner: web
    escalation: web-oncall
    links:
      - {{title: {N}, url: "docs/x\\"><script>alert('l')</script>"}}
      - {{title: Docs, url: "https://example.com/a b(c)"}}
flags:
  - id: KILL
    name: {N}
    type: boolean
    purpose: kill-switch
    description: {P}
    default: true
    when_off: {E}
    kill: {{value: false, command: {E}}}
alerts:
  - id: Boom
    summary: {E}
    severity: critical
    condition: {{expr: {X}, for: 5m}}
    notify: [{{pagerduty: web-oncall}}]
    runbook:
      meaning: {P}
      impact: {P}
      first_step: {E}
      diagnosis:
        - {E}
        - run: {E}
          expect: {E}
      mitigation:
        - do: {P}
          set_flag: {{flag: KILL, value: false, why: {E}}}
    incidents: [bad-day]
rollouts:
  - id: launch
    name: {N}
    strategy: canary
    flag: KILL
    summary: {P}
    prerequisites: [{E}]
    phases:
      - id: one
        name: {N}
        traffic: 10
        audience: {E}
        soak: 1h
        gates: [{{check: {E}, condition: {{description: {E}}}}}]
        approvals: [{N}]
    rollback:
      triggers: [{{description: {E}, alert: Boom}}]
      procedure: [{E}]
incidents:
  - id: bad-day
    title: {N}
    severity: critical
    symptoms: [{E}]
    detected_by: [Boom]
    impact: {P}
    resolution: [{E}]
    communication: {{initial: {E}, update: {E}, resolved: {E}}}
checklists:
  - id: ready
    title: {N}
    kind: incident-command
    sections: [{{title: {N}, items: [{E}]}}]
"""

MKDOCS = """\
site_name: Hostile
strict: true
theme: {name: material, font: false}
markdown_extensions: [attr_list, md_in_html, tables, toc]
plugins: [search, opsbook]
validation: {nav: {omitted_files: ignore}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "ops").mkdir()
    (root / "docs").mkdir()
    (root / "ops/all.yaml").write_text(DEFINITIONS, "utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS, "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "opsbook", "build"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


def generated_pages(site: Path) -> dict[str, Any]:
    pages = site_pages(site)
    assert len([n for n in pages if n.startswith("runbooks/")]) >= 6
    return {n: p for n, p in pages.items() if n.startswith(("runbooks/", "checklists/"))}


def test_no_event_handlers_styles_or_unsafe_urls_reach_the_html(site: Path) -> None:
    for name, page in generated_pages(site).items():
        for tag, attribute, value in page.attributes:
            assert not attribute.startswith("on"), (name, tag, attribute)
            if attribute in ("href", "src", "action", "formaction", "xlink:href"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), (name, value)


def test_scripts_are_only_the_sites_own(site: Path) -> None:
    """Script elements as an HTML parser finds them (text inside <title> or inside an
    attribute value is not one, whatever it looks like)."""
    for name, page in generated_pages(site).items():
        for script in page.scripts:
            assert "alert" not in script, name
        assert not page.tags & {"iframe", "img"}, name
        assert ("b", "style", "color:red") not in page.attributes, name


def test_hostile_text_is_shown_as_text(site: Path) -> None:
    html = (site / "runbooks/shop/boom/index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(" in html  # visible, escaped, inert
    assert "&lt;img src=x onerror=alert(" in html


def test_values_cannot_break_tables_or_start_headings(site: Path) -> None:
    html = (site / "runbooks/flags/index.html").read_text("utf-8")
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        widths = {
            len(re.findall(r"<t[dh]\b", row)) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        }
        assert len(widths) == 1, widths
    service = (site / "runbooks/shop/index.html").read_text("utf-8")
    h1 = re.findall(r"<h1\b[^>]*>(.*?)</h1>", service, re.S)
    assert len(h1) == 1 and "# Heading? - list | pipe" in h1[0]
    assert re.search(r"<h4\b[^>]*>Injected heading", service)  # prose headings nest


def test_a_link_that_is_not_a_web_address_is_shown_as_text(site: Path) -> None:
    page = read(site / "runbooks/shop/index.html")
    assert not any("docs/x" in href for href in page.links)  # shown, not linked
    assert 'docs/x"&gt;&lt;script&gt;alert' in (site / "runbooks/shop/index.html").read_text()
    assert "https://example.com/a%20b%28c%29" in page.links


def test_javascript_urls_in_any_spelling_are_refused_by_validate(build_tree: Any) -> None:
    """Case, entities, whitespace and control characters do not get a scheme past."""
    urls = ["JavaScript:alert(1)", "&#106;avascript:alert(1)", " java\tscript:x", "DATA:x,y"]
    links = ", ".join(f"{{title: t, url: {json.dumps(u)}}}" for u in urls)
    root = build_tree(
        {
            "ops/a.yaml": "apiVersion: opsbook/v1\n"
            "teams: [{id: t, name: T, channels: [{slack: '#t'}]}]\n"
            "services:\n"
            f"  - {{id: s, name: S, owner: t, suppress: [service-links], links: [{links}]}}\n"
        }
    )
    from opsbook.check.validate import validate_paths

    found = validate_paths([root / "ops"]).diagnostics
    assert [d.rule for d in found] == ["schema-format"] * len(urls)
