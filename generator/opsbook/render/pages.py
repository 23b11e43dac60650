"""Rendering: the catalog through Jinja2 templates into Markdown pages.

Built-in templates ship with the package (`opsbook/templates/`); a handbook's own
`templates/` folder may hold files with the same names, which win. Templates see only the
typed model and fail loudly (`StrictUndefined`); a template error names the template file
and line.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import jinja2

from opsbook import model
from opsbook.core import defaults, kinds, parallel, yamltext
from opsbook.core.diagnostics import OpsbookError
from opsbook.model import (
    Catalog,
    Checklist,
    Link,
    Rollout,
    Source,
)
from opsbook.model.checkitems import Check, check_sections, tick_note
from opsbook.model.layout import Layout
from opsbook.releases.records import Release
from opsbook.render import escape

_NOT_IN_SLUG = re.compile(r"[^\w\s-]")


def _default_slugify(text: str, separator: str) -> str:
    """The anchor Python-Markdown's `toc` extension gives a heading by default (accents
    folded to ASCII, punctuation dropped, lower case, runs of spaces and separators made one
    separator), without importing Markdown into a command that never renders HTML."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_IN_SLUG.sub("", folded).strip().lower()
    return re.sub(f"[{re.escape(separator)}\\s]+", separator, words)


@dataclass(frozen=True)
class RenderOptions:
    """How pages are rendered and linked.

    `root` is the handbook root (the folder of mkdocs.yml): source links are relative to
    it, or made absolute with `source_url` (such as `https://git.example/ops/blob/main/`).
    `slugify` must be the one the site's `toc` extension uses, so anchors resolve. `today`
    decides which flags are shown as expired.
    """

    root: Path = field(default_factory=Path.cwd)
    layout: Layout = field(default_factory=Layout)
    templates: Path | None = None
    source_url: str | None = None
    prometheus_url: str | None = None
    slugify: Callable[[str, str], str] = _default_slugify
    today: str = field(default_factory=lambda: datetime.date.today().isoformat())


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
            page = _page(layout, definition)
            jobs.append(Job(page, kind.template, values, subject(definition)))
    jobs += [
        Job(_page(layout, r), "release.md.j2", {"release": r}, subject(r.definition))
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
        *(getattr(catalog, section) for section in _SECTIONS.values()),
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
    return "".join(f"&#{ord(ch)};" if ch in _ACTIVE else ch for ch in line.rstrip("\r"))


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
    links = _Links(options)
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
        tick=_tick,
        checklist_bar=_checklist_bar,
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


class Fragments:
    """Parts of the pages about many definitions (home, indexes, flags, policy) that a
    `Renderer` keeps between renders. In a template,

        {% call memo("row", alert) %}...{% endcall %}

    marks a part that shows only that definition and the ones linked with it (by a
    reference, either way, or of a kind every page shows): it is rendered again only when
    one of them changed. Without a `Renderer`, every part is rendered.
    """

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str, tuple[str, str]], str] = {}
        self.changed: Container[tuple[str, str]] | None = None  # None: nothing kept holds
        self.keep = False
        self._used: dict[tuple[str, str, tuple[str, str]], str] = {}

    @jinja2.pass_context
    def memo(
        self, context: jinja2.runtime.Context, name: str, definition: object, caller: Any
    ) -> str:
        """The part `caller` renders, or the same part from the last render."""
        if not self.keep:
            return str(caller())
        key = (str(context["page"]), name, subject(definition))
        text = None if self.changed is None or key[2] in self.changed else self.kept.get(key)
        if text is None:
            text = str(caller())
        self._used[key] = text
        return text

    def start(self, changed: Container[tuple[str, str]] | None) -> None:
        """Begin a render in which the parts of `changed` definitions (all, for None) are
        rendered again."""
        self.keep, self.changed, self._used = True, changed, {}

    def finish(self) -> None:
        """Keep the parts of the render just done (only those)."""
        self.kept, self._used = self._used, {}


_KIND_OF: dict[type, kinds.Kind] = {
    getattr(model, kind.model or ""): kind for kind in kinds.MODELLED
}
"""Each model class and its kind (`kinds.KINDS`)."""
_SECTIONS: dict[type, str] = {cls: kind.section for cls, kind in _KIND_OF.items()}


def subject(definition: object) -> tuple[str, str]:
    """A definition as (section, lower-cased id)."""
    return _SECTIONS[type(definition)], str(getattr(definition, "id", "")).lower()


def _attribute(value: str) -> str:
    """An HTML attribute value that Markdown leaves alone: HTML's special characters and
    every character an inline Markdown syntax (core or extension) starts with, as numeric
    character references."""
    return "".join(f"&#{ord(ch)};" if ch in _ACTIVE else ch for ch in value)


_ACTIVE = frozenset("&<>\"'`\\[]()*_~^{}!=+:|#@$")


def _tick(check: Check) -> str:
    """The invisible marker in front of a checklist item: its id and label, which the
    site's checklist script reads to keep the item's tick and to copy the list."""
    optional = "" if check.required else " data-optional"
    return (
        f'<span class="opsbook-check" data-check="{_attribute(check.key)}" '
        f'data-label="{_attribute(check.label)}"{optional}></span>'
    )


def _checklist_bar(definition: Rollout | Checklist, title: str, releases: list[Release]) -> str:
    """The place where the site's checklist script puts its tool bar (release, progress,
    reset, copy as Markdown); empty, and so invisible, on the forge. It carries the
    recorded releases, oldest first, so the page shows their ticks as recorded."""
    sections = json.dumps([[s.id, s.title] for s in check_sections(definition)])
    records = [
        {
            "release": r.version,
            "started": r.started_when,
            "open": r.progress.open_required,
            "ticks": {
                key: tick_note(t.by, t.when, t.evidence, t.waived)
                for key, t in sorted(r.ticks.items())
            },
        }
        for r in sorted(releases, key=lambda r: (r.started, r.version))
    ]
    kind = "deployment" if isinstance(definition, Rollout) or releases else "readiness"
    return (
        f'<div class="opsbook-checklist" data-checklist="{_attribute(definition.id)}" '
        f'data-kind="{kind}" data-title="{_attribute(title)}" '
        f'data-sections="{_attribute(sections)}" '
        f'data-records="{_attribute(json.dumps(records, ensure_ascii=False))}"></div>'
    )


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
    # The marker goes under the title: mkdocs takes a page's title from a leading heading.
    title, rest = text.split("\n", 1) if text.startswith("# ") else ("", text)
    return "".join(f"{part}\n\n" for part in (title, _MARKER) if part) + rest.lstrip("\n") + "\n"


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


def _page(layout: Layout, obj: object) -> str:
    """The page that shows `obj`, from its kind's `page` and `scope`."""
    if isinstance(obj, Release):
        return layout.release(obj.definition.id, obj.version)
    kind = _KIND_OF.get(type(obj))
    if kind is None or kind.page is None:
        raise TypeError(f"no page for {type(obj).__name__}")
    where, definition = getattr(layout, kind.page), cast(Any, obj)
    if kind.scope == "service":
        return str(where(definition.service.id, definition.id))
    if kind.scope == "own":
        return str(where(definition.id))
    return str(where())


def relative(page: str, start: str) -> str:
    """The link from page `start` to page `page`, both relative to the root (as
    `posixpath.relpath` from the folder of `start`, without asking for the working
    directory, which relpath does on each of the many thousand links of a large handbook)."""
    target = page.split("/")
    here = start.split("/")[:-1]
    common = 0
    for a, b in zip(target[:-1], here, strict=False):
        if a != b:
            break
        common += 1
    return "../" * (len(here) - common) + "/".join(target[common:])


class _Links:
    """Relative links between pages, and links to the YAML a page came from."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self._root = options.root.resolve()
        self._anchors: dict[str, str] = {}
        self._sources: dict[str, str | None] = {}  # a definition file → its path from root

    def anchor(self, text: str) -> str:
        """The anchor the site gives a heading `text` (each text is slugified once)."""
        found = self._anchors.get(text)
        if found is None:
            found = self._anchors[text] = self.options.slugify(text, "-")
        return found

    @jinja2.pass_context
    def href(self, context: jinja2.runtime.Context, target: object, anchor: str = "") -> str:
        """A relative link from the page being rendered to `target` (a page path or a
        definition), optionally to an anchor on it."""
        page = target if isinstance(target, str) else _page(self.options.layout, target)
        kind = _KIND_OF.get(type(target))
        if kind is not None and kind.scope == "" and not anchor:
            anchor = self.anchor(cast(Any, target).id)  # a heading on a page about many
        path = relative(page, context["page"])
        return f"{path}#{anchor}" if anchor else path

    @jinja2.pass_context
    def link(self, context: jinja2.runtime.Context, target: object, text: str = "") -> str:
        """A Markdown link to a definition's page, titled with its id unless told."""
        label = text or getattr(target, "id", "")
        return f"[{escape.inline(label)}]({self.href(context, target)})"

    @jinja2.pass_context
    def source(self, context: jinja2.runtime.Context, source: Source) -> str:
        """A Markdown link to the definition's file and line."""
        if source.path not in self._sources:
            full = Path(os.path.abspath(source.path))
            inside = full.is_relative_to(self._root)
            self._sources[source.path] = full.relative_to(self._root).as_posix() if inside else None
        path = self._sources[source.path]
        if path is None:
            return f"{escape.code(source.path)}, line {source.line}"
        # File names come from the repository too: quoted, so no character of theirs can
        # end the link's target or carry markup.
        if self.options.source_url:
            url = f"{self.options.source_url}{quote(path)}#L{source.line}"
        else:
            view = self.options.layout.source_file(path)
            url = f"{quote(relative(view, context['page']))}#L{source.line}"
        return f"[{escape.inline(path)}, line {source.line}]({url})"
