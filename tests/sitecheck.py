"""Reading a built site as a browser would: its pages, links, anchors and what they load."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class Page:
    """What one HTML file holds: element ids, links, scripts, stylesheets, attributes."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # the text of each inline <script>
    tags: set[str] = field(default_factory=set)  # every element's name


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._skip = 0
        self._in = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.page.tags.add(tag)
        for name, value in values.items():
            self.page.attributes.append((tag, name, value))
        for key in ("id", "name"):
            if key in values and tag != "meta" and tag != "input":
                self.page.ids.add(values[key])
        if tag == "a" and "href" in values:
            self.page.links.append(values["href"])
        if tag == "script" and "src" in values:
            self.page.loads.append(values["src"])
        if tag == "link" and values.get("rel") in ("stylesheet", "preload", "preconnect"):
            self.page.loads.append(values.get("href", ""))
        if tag in ("img", "iframe", "source") and "src" in values:
            self.page.loads.append(values["src"])
        if tag in ("title", "textarea"):
            # What browsers do (RCDATA): no element starts inside, up to the closing tag.
            self.set_cdata_mode(tag)
        if tag == "script":
            self.page.scripts.append("")
        if tag in ("script", "style"):
            self._skip += 1
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
            self._in = ""

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.page.text.append(data)
        elif self._in == "script":
            self.page.scripts[-1] += data


def read(path: Path) -> Page:
    reader = _Reader()
    reader.feed(path.read_text("utf-8"))
    return reader.page


def text_of(path: Path) -> str:
    return " ".join("".join(read(path).text).split())


def site_pages(site: Path) -> dict[str, Page]:
    """Every HTML page of the site by its path relative to the site."""
    return {p.relative_to(site).as_posix(): read(p) for p in sorted(site.rglob("*.html"))}


def broken_links(site: Path) -> list[str]:
    """Every internal link or anchor that does not resolve, as `page: href`."""
    pages = site_pages(site)
    broken = []
    for name, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("/"):
                continue
            if parts.path:
                target = posixpath.normpath(
                    posixpath.join(posixpath.dirname(name), unquote(parts.path))
                )
                if href.split("#")[0].endswith("/") or (site / target).is_dir():
                    target = posixpath.join(target, "index.html")
            else:
                target = name
            if not (site / target).is_file() or (
                parts.fragment
                and target.endswith(".html")
                and unquote(parts.fragment) not in pages[target].ids
            ):
                broken.append(f"{name}: {href}")
    return broken
