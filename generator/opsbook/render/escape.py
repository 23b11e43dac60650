"""Making definition text safe to place in Markdown, and generated HTML safe to publish.

Two kinds of text reach a page. Plain values (ids, names, commands, conditions) are shown
exactly as written: `inline` escapes every character Markdown would act on, so a value
cannot break a table, start a heading or a list, or carry HTML. Prose fields (meanings,
steps, descriptions) keep their Markdown; `prose` only takes out what could run,
restyle something or fail the strict build: raw HTML, attribute lists, and links whose
target is not a plain absolute http(s) or mailto address (shown as text instead).
`clean_html` is the second line of defence, applied by the mkdocs plugin to the HTML of
every generated page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

_SPECIAL = set("\\`*_{}[]()<>#+-.!|~^=&:\"'$%")
_ESCAPED = str.maketrans({ch: "\\" + ch for ch in _SPECIAL})
_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def inline(value: Any) -> str:
    """A plain value as literal, one-line Markdown text (safe in a table cell too)."""
    return " ".join(_text(value).split()).translate(_ESCAPED)


def code(value: Any) -> str:
    """A plain value as an inline code span, whatever backticks it holds."""
    text = " ".join(_text(value).split())
    if not text:
        return ""
    ticks = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(value: Any, lang: str = "") -> str:
    """A fenced code block holding `value` verbatim; the fence outlasts any inside it."""
    text = _text(value).rstrip("\n")
    ticks = "`" * max(3, _longest_run(text, "`") + 1)
    info = _NOT_INFO.sub("", lang)
    return f"{ticks}{info}\n{text}\n{ticks}"


def prose(value: Any) -> str:
    """Markdown written by people, minus raw HTML, attribute lists and unsafe links;
    headings in it are demoted below the page's own."""
    out: list[str] = []
    fenced: str | None = None
    for line in _text(value).split("\n"):
        lead = line.lstrip()[:1]
        opener = _fence_opener(line) if lead and lead in "`~" else None
        if fenced is not None:
            if opener and opener.group(1)[0] == fenced[0] and len(opener.group(1)) >= len(fenced):
                fenced = None
            out.append(line)
        elif opener:
            fenced = opener.group(1)
            out.append(line)
        else:
            out.append(_demote(_prose_line(line)))
    if fenced is not None:
        out.append(fenced)  # close a fence left open, so it cannot swallow the page
    text = "\n".join(out).strip("\n")
    if text[:1] in "`~" and _fence_opener(text.split("\n", 1)[0]):
        # Placed after other text on a line (`**Name**: {{ meaning | prose }}`), a fence
        # would not open there but would at its closing line, swallowing the page: it
        # starts a block of its own instead, wherever it is placed.
        text = "\n\n" + text
    return text


def brief(value: Any) -> str:
    """Prose on one line, for a table cell or a list item: Markdown kept, but no block
    structure, no raw HTML and no cell breaks."""
    text = " ".join(prose(" ".join(_text(value).split())).split())
    text = _outside_code(text, lambda part: part.replace("|", "\\|"))
    return _BLOCK_START.sub(r"\\\1", text)


def mermaid(value: Any) -> str:
    """Text for a quoted Mermaid label: everything but letters, digits and spaces as
    `#code;`, so no value can end the label or start a directive."""
    text = " ".join(_text(value).split())
    return "".join(ch if ch.isalnum() or ch == " " else f"#{ord(ch)};" for ch in text)


def safe_url(url: str) -> bool:
    """Whether a link target is http(s), mailto, or relative (no other scheme)."""
    plain = re.sub(r"[\s\x00-\x1f\\]", "", html.unescape(url)).lower()
    scheme = re.match(r"[a-z][a-z0-9+.-]*:", plain)
    return scheme is None or scheme.group(0) in _SAFE_SCHEMES


def clean_html(markup: str) -> str:
    """Generated page HTML with anything outside a safe list of tags and attributes
    removed: no scripts, event handlers, styles, or unsafe URLs."""
    import nh3

    return nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


_TAGS = set(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "input",
        "ins",
        "kbd",
        "label",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href", "name"},
    "div": {"data-checklist", "data-kind", "data-title", "data-sections", "data-records"},
    "span": {"data-check", "data-label", "data-optional"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def _fence_opener(line: str) -> re.Match[str] | None:
    """The fence a line opens, as CommonMark reads it: a backtick fence's info string
    holds no backtick (``` a ``` b is a code span, not a fence)."""
    opener = _FENCE.match(line)
    if opener and opener.group(1)[0] == "`" and "`" in line[opener.end() :]:
        return None
    return opener


def _demote(line: str) -> str:
    """A heading in prose becomes level 4 or lower, so it nests under the page's own."""
    heading = _HEADING.match(line) if "#" in line else None
    if heading is None:
        return line
    level = min(6, len(heading.group(2)) + 3)
    return heading.group(1) + "#" * level + line[heading.end(2) :]


def _prose_line(line: str) -> str:
    """One line of prose outside fenced code."""
    return _outside_code(line, _defuse)


def _outside_code(line: str, change: Callable[[str], str]) -> str:
    """`line` with `change` applied to everything but its code spans."""
    if "`" not in line:
        return change(line)
    parts = _TICKS.split(line)
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part.startswith("`") and part in parts[i + 2 :: 2]:
            end = parts.index(part, i + 2)
            out.append("".join(parts[i : end + 1]))
            i = end + 1
            continue
        out.append(change(part))
        i += 1
    return "".join(out)


def _defuse(text: str) -> str:
    if "]:" in text:
        text = _REFERENCE.sub(_reference, text)
    if "](" not in text:
        return _no_html(text)
    out: list[str] = []
    end = 0
    for link in _LINK.finditer(text):
        out.append(_no_html(text[end : link.start()]))
        label, target = link.group(1), link.group(2).strip()
        if web_url(target):
            out.append(f"[{_no_html(label)}]({target})")
        else:  # shown, not followed: the strict build would reject it or it could run
            out.append(f"{_no_html(label)} ({code(target) or '-'})")
        end = link.end()
    out.append(_no_html(text[end:]))
    return "".join(out)


def _no_html(text: str) -> str:
    return text.replace("<", "&lt;").replace("{", "\\{")


def web_url(target: str) -> bool:
    """Whether a link target in prose is an absolute http(s) or mailto address made of
    plain URL characters: the only links that prose keeps (others are shown as text)."""
    return _WEB_URL.fullmatch(target) is not None


def _reference(match: re.Match[str]) -> str:
    return match.group(0) if web_url(match.group(2)) else match.group(1) + "#"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _longest_run(text: str, char: str) -> int:
    if char not in text:
        return 0
    return max(len(m) for m in re.findall(f"{re.escape(char)}+", text))


_NOT_INFO = re.compile(r"[^A-Za-z0-9_+-]")
_FENCE = re.compile(r"\s{0,3}(`{3,}|~{3,})")
_BLOCK_START = re.compile(r"^([#>+*=-]|\d+[.)])")
_HEADING = re.compile(r"( {0,3})(#{1,6})(\s)")
_TICKS = re.compile(r"(`+)")
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^)]*)\)?")
_WEB_URL = re.compile(
    r"(?:https?://[^\s<>\"'`\\\x00-\x1f\x7f]+|mailto:[^\s<>\"'`\\():\x00-\x1f\x7f]+)"
)
_REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)")
