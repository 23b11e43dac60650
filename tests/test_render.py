"""Rendering (`opsbook.render.pages`) of a small catalog built inline: a page per
definition at its layout's path, links between pages that resolve, values escaped."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from helpers import SMALL_HANDBOOK
from opsbook.core import kinds
from opsbook.load.files import SourceFile, load_text
from opsbook.model import Catalog
from opsbook.model.build import build_catalog
from opsbook.model.layout import Layout
from opsbook.render.links import relative
from opsbook.render.options import RenderOptions
from opsbook.render.pages import page_jobs, render_handbook

LINK = re.compile(r"\]\(([^)\s]+)\)")


def _catalog(text: str = SMALL_HANDBOOK) -> Catalog:
    return build_catalog([SourceFile("ops/shop.yaml", load_text(text))])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("root")
    return render_handbook(_catalog(), RenderOptions(root=root, today="2026-12-01"))


@pytest.mark.parametrize(
    ("page", "start", "link"),
    [
        ("runbooks/shop/a.md", "runbooks/shop/b.md", "a.md"),
        ("runbooks/flags.md", "runbooks/shop/a.md", "../flags.md"),
        ("runbooks/shop/index.md", "index.md", "runbooks/shop/index.md"),
        ("checklists/x.md", "runbooks/shop/incidents/y.md", "../../../checklists/x.md"),
    ],
)
def test_relative_links_go_from_one_page_to_another(page: str, start: str, link: str) -> None:
    assert relative(page, start) == link
    assert posixpath.normpath(posixpath.join(posixpath.dirname(start), link)) == page


def test_one_job_per_definition_with_its_kinds_template_after_the_fixed_pages() -> None:
    catalog, layout = _catalog(), Layout()
    jobs = page_jobs(catalog, layout)
    fixed = [layout.home(), layout.runbooks_index(), layout.flags(), layout.policy()]
    assert [job.page for job in jobs[:4]] == fixed
    templates = {kind.section: kind.template for kind in kinds.KINDS}
    with_pages = [job for job in jobs if job.subject is not None]
    assert {(job.subject, job.template) for job in with_pages} == {
        ((section, definition.id.lower()), templates[section])
        for section in ("services", "alerts", "incidents")
        for definition in getattr(catalog, section)
    }
    assert layout.alert("shop", "ShopDown") in {job.page for job in jobs}


def test_every_link_between_pages_resolves_to_a_rendered_page(pages: dict[str, str]) -> None:
    broken = []
    for page, text in pages.items():
        for target in LINK.findall(text):
            path = target.split("#")[0]
            if not path or re.match(r"[a-z]+:", path):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
            if resolved not in pages:
                broken.append(f"{page}: {target}")
    assert broken == []
    assert sum(len(LINK.findall(text)) for text in pages.values()) > 20


def test_an_alert_page_links_its_service_incident_and_flag(pages: dict[str, str]) -> None:
    layout = Layout()
    alert = layout.alert("shop", "ShopDown")
    text = pages[alert]
    for target in (layout.service("shop"), layout.incident("shop", "shop-outage")):
        assert f"]({relative(target, alert)}" in text, target
    assert "up == 0" in text


def test_markup_in_a_value_is_shown_as_text_not_run(tmp_path: Path) -> None:
    hostile = SMALL_HANDBOOK.replace(
        "summary: The shop is down.",
        "summary: 'Down <script>alert(1)</script> [x](javascript:alert(2))'",
    )
    rendered = render_handbook(_catalog(hostile), RenderOptions(root=tmp_path))
    text = rendered[Layout().alert("shop", "ShopDown")]
    assert "Down" in text
    assert "<script>" not in text and "](javascript:" not in text


def test_an_expression_of_several_lines_is_never_squeezed_onto_one(tmp_path: Path) -> None:
    """A multi-line `expr` with `#` comments would be all comment on one line: the first
    lines point at its rule, which the page shows whole, as written, in a PromQL block."""
    expr = (
        "# requests that failed\\n  sum(rate(errors_total[5m]))\\n  # over all requests\\n  > 1\\n"
    )
    text = SMALL_HANDBOOK.replace(
        "condition: {expr: up == 0}", f'condition: {{expr: "{expr}", for: 5m}}'
    )
    assert text != SMALL_HANDBOOK
    page = render_handbook(_catalog(text), RenderOptions(root=tmp_path))[
        "runbooks/shop/shopdown.md"
    ]
    first = page.split("## Do now")[0]
    assert "when its [rule](#meaning) holds for `5m`." in first
    assert "# requests that failed" not in first
    block = "```promql\n    # requests that failed\n      sum(rate(errors_total[5m]))\n"
    assert block in page
