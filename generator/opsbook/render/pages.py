"""Rendering: the catalog through Jinja2 templates into Markdown pages.

Built-in templates ship with the package (`opsbook/templates/`); a handbook's own
`templates/` folder may hold files with the same names, which win. Templates see only the
typed model and fail loudly (`StrictUndefined`); a template error names the template file
and line.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from opsbook.core import defaults, kinds, parallel, yamltext
from opsbook.core.diagnostics import OpsbookError
from opsbook.model import (
    Catalog,
    Checklist,
    Link,
    Rollout,
)
from opsbook.model.checkitems import check_sections
from opsbook.model.layout import Layout
from opsbook.releases.records import Release
from opsbook.render import escape
from opsbook.render.fragments import Fragments
from opsbook.render.links import SECTIONS, Links, page_of, subject
from opsbook.render.markers import ACTIVE, checklist_bar, tick
from opsbook.render.options import RenderOptions


def _graph(prometheus: str | None, expr: str) -> str | None:
    """The address that opens `expr` in Prometheus' graph view, when the handbook names
    its Prometheus (`prometheus_url`)."""
    if not prometheus:
        return None
    return f"{prometheus.rstrip('/')}/graph?g0.expr={quote(expr, safe='')}&g0.tab=0"


class TemplateProblem(OpsbookError):
    """A template could not be read or rendered; the message names the file and line."""


@dataclass(frozen=True)
class Job:
    """One page to render: its path, its template, what the template sees besides the
    catalog, and the definition it presents as (section, lower-cased id), or None for a
    page about many (home, indexes, flags, policy)."""

    page: str
    template: str
    values: dict[str, Any]
    subject: tuple[str, str] | None = None


def render_handbook(
    catalog: Catalog, options: RenderOptions | None = None, releases: Sequence[Release] = ()
) -> dict[str, str]:
    """Every page of the handbook: page path (relative to the root) → Markdown.

    `releases` are the checked release records; each gets a page, and the page of its
    rollout or checklist lists them.
    """
    options = options or RenderOptions()
    jobs = page_jobs(catalog, options.layout, releases, source_root(options))
    env = environment(options)
    for name in dict.fromkeys(job.template for job in jobs):
        _template(env, name)  # compiled once, before the work is shared out
    parts = parallel.cores() if len(jobs) >= defaults.PARALLEL_PAGES else 1
    pages = parallel.split_map(jobs, lambda some: render_jobs(some, catalog, options, env), parts)
    return {job.page: pages[job.page] for job in jobs}


def page_jobs(
    catalog: Catalog,
    layout: Layout,
    releases: Sequence[Release] = (),
    root: Path | None = None,
) -> list[Job]:
    """Every page the catalog makes, not yet rendered; with the handbook's `root`, also a
    page per definition file inside it, which the pages' "Generated from" lines link to."""
    jobs = [
        Job(layout.home(), "home.md.j2", {}),
        Job(layout.runbooks_index(), "runbooks.md.j2", {}),
        Job(layout.flags(), "flags.md.j2", {}),
        Job(layout.policy(), "policy.md.j2", {}),
        Job(layout.checklists_index(), "checklists.md.j2", {}),
    ]

    for kind in kinds.KINDS:
        if kind.template is None:
            continue
        for definition in getattr(catalog, kind.section):
            values = {kind.variable: definition}
            if kind.releases:
                values["releases"] = _of(releases, definition)
            page = page_of(layout, definition)
            jobs.append(Job(page, kind.template, values, subject(definition)))
    jobs += [
        Job(page_of(layout, r), "release.md.j2", {"release": r}, subject(r.definition))
        for r in releases
    ]
    if root is not None:
        jobs += [
            Job(
                layout.source_file(path),
                "source.md.j2",
                {"file": path, "listing": listing},
                (SOURCES, path),
            )
            for path, listing in source_files(catalog, releases, root)
        ]
    return jobs


SOURCES = "sources"
"""The section of a definition file's page, as a job's subject: ("sources", its path)."""


def source_root(options: RenderOptions) -> Path | None:
    """The root whose definition files get pages of their own: None when `source_url`
    sends the "Generated from" links to the forge instead."""
    return None if options.source_url else options.root


def source_files(
    catalog: Catalog, releases: Sequence[Release], root: Path
) -> list[tuple[str, Callable[[], str]]]:
    """The files (path from `root`) that definitions and release records come from, inside
    `root`, each with a function that gives its listing for the source page."""
    base = root.resolve()
    kinds: Sequence[Sequence[Any]] = (
        *(getattr(catalog, section) for section in SECTIONS.values()),
        releases,
    )
    named = {definition.source.path for definitions in kinds for definition in definitions}
    seen: dict[str, Callable[[], str]] = {}
    for name in named:
        full = Path(os.path.abspath(name))
        if full.is_relative_to(base):
            seen[full.relative_to(base).as_posix()] = functools.partial(_listing, full)
    return sorted(seen.items())


def _listing(path: Path) -> str:
    """The file at `path` as an HTML block, one element per line with the id `L<n>`, so a
    page can link to (and the site's style mark) the line that defines it."""
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError as exc:
        return f"The file could not be read: {escape.inline(exc.strerror or str(exc))}."
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    body = "".join(
        f'<span class="opsbook-line" id="L{n}"><a class="opsbook-lineno" href="#L{n}">{n}</a>'
        f"{_code_text(line)}</span>\n"
        for n, line in enumerate(lines, 1)
    )
    return f'<pre class="opsbook-source"><code>{body}</code></pre>'


def _code_text(line: str) -> str:
    """A line of a file as HTML text inside <pre>: every character Markdown or HTML could
    read as markup is a character reference, so nothing in it is markup or script."""
    return "".join(f"&#{ord(ch)};" if ch in ACTIVE else ch for ch in line.rstrip("\r"))


def render_jobs(
    jobs: Sequence[Job], catalog: Catalog, options: RenderOptions, env: jinja2.Environment
) -> dict[str, str]:
    """Render `jobs` with `env` (from `environment(options)`): page path → Markdown."""
    pages: dict[str, str] = {}
    for job in jobs:
        template = _template(env, job.template)
        context = {
            "catalog": catalog,
            "page": job.page,
            "layout": options.layout,
            "today": options.today,
            **job.values,
        }
        pages[job.page] = _render(template, context)
    return pages


def _of(releases: Sequence[Release], definition: Rollout | Checklist) -> list[Release]:
    return [r for r in releases if r.definition is definition]


def environment(options: RenderOptions, fragments: Fragments | None = None) -> jinja2.Environment:
    """The Jinja2 environment for `options`: the handbook's templates over the built-in
    ones; `fragments` keeps parts of pages between renders (see `Fragments`)."""
    loaders: list[jinja2.BaseLoader] = []
    if options.templates is not None and options.templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(options.templates))
    loaders.append(jinja2.PackageLoader("opsbook", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_compiled_templates(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: every value goes through an escape filter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # an environment lives for one render (or one `serve` setup)
    )
    env.filters.update(
        inline=escape.inline,
        code=escape.code,
        fence=escape.fence,
        prose=escape.prose,
        brief=escape.brief,
        mermaid=escape.mermaid,
        fill=_fill,
        yaml=yamltext.dump,
    )
    links = Links(options)
    env.globals.update(
        href=links.href,
        link=links.link,
        source=links.source,
        weblink=_weblink,
        graph=lambda expr: _graph(options.prometheus_url, expr),
        anchor=lambda text: links.anchor(str(text)),
        GENERATED=defaults.GENERATED_MARKER,
        LIST_LIMIT=defaults.LIST_LIMIT,
        checks=check_sections,
        tick=tick,
        checklist_bar=checklist_bar,
        zip=zip,
        memo=(fragments or Fragments()).memo,
    )
    return env


@functools.cache
def _compiled_templates() -> jinja2.BytecodeCache | None:
    """Jinja2's cache of compiled templates (in the system's temporary folder, one per
    user, keyed by each template's text): compiling them is a tenth of generating a
    500-page handbook. None when that folder cannot be used."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def _weblink(link: Link) -> str:
    """A link to a web address; a relative path (a file in the service's own repository,
    not in the handbook) is shown as text, since it would be a dead link here."""
    title = escape.inline(link.title)
    if re.match(r"(?i)(https?|mailto):", link.url) and escape.safe_url(link.url):
        url = link.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{title}]({url})"
    return f"{title} ({escape.code(link.url)})"


def _fill(text: str, values: dict[str, Any]) -> str:
    """`text` with each `{name}` that `values` knows replaced; other placeholders stay."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None or value == "" else str(value)

    return re.sub(r"\{(\w+)\}", replace, text)


def _template(env: jinja2.Environment, name: str) -> jinja2.Template:
    try:
        return env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template not found: {exc.name}") from exc


def _render(template: jinja2.Template, context: dict[str, Any]) -> str:
    try:
        text = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # a template's own error, reported at its file and line
        raise TemplateProblem(f"{_template_line(exc)}: {exc}") from exc
    # One blank line at most and no trailing spaces: stable output whatever the template.
    if " \n" in text or "\t\n" in text:
        text = re.sub(r"[ \t]+\n", "\n", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    text = text.strip("\n")
    # A template may start with front matter (the engines' search settings): it stays first.
    front = ""
    if text.startswith("---\n") and "\n---\n" in text:
        end = text.index("\n---\n") + len("\n---\n")
        front, text = text[:end], text[end:].lstrip("\n")
    # The marker goes under the title: mkdocs takes a page's title from a leading heading.
    title, rest = text.split("\n", 1) if text.startswith("# ") else ("", text)
    parts = "".join(f"{part}\n\n" for part in (title, _MARKER) if part)
    return front + parts + rest.lstrip("\n") + "\n"


_MARKER = f"{defaults.GENERATED_MARKER} from the definitions: edit those, not this file -->"


def _template_line(exc: BaseException) -> str:
    """`file:line` of the innermost template frame in the traceback of `exc`."""
    where = "template"
    tb = exc.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
