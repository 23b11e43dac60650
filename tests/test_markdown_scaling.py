"""The installed Python-Markdown renders a paragraph of many links in linear time.

Python-Markdown 3.11.4 took 14.8 s for a paragraph of 2,000 links where 3.11.3 took 0.04 s,
and 3.6-3.10 grow quadratically too, more slowly; pyproject.toml keeps those releases
out. This check catches a later release that does it again: a ratio of CPU times within
one process, not a limit in seconds."""

from __future__ import annotations

import time

import markdown

from opsbook.publish.tree import EXTENSIONS

SLOWER_AT_MOST = 30
"""How much longer 2,000 links may take than 200: linear is about 10, quadratic 100."""


def _paragraph(links: int) -> str:
    return "Alerts: " + ", ".join(f"[Alert{n}](svc/alert{n}.md)" for n in range(links)) + ".\n"


def _seconds(text: str) -> float:
    """CPU time of one render with the extensions the handbook's pages use."""
    options = {name: config for name, config in EXTENSIONS.items() if config}
    renderer = markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=options)
    start = time.process_time()
    html = renderer.convert(text)
    seconds = time.process_time() - start
    assert html.count("<a href=") == text.count("](")  # every link was rendered
    return seconds


def test_a_paragraph_of_2000_links_renders_at_most_30_times_slower_than_200() -> None:
    small, large = _paragraph(200), _paragraph(2000)
    _seconds(small)  # warm up: regular expressions compiled, extensions imported
    fastest_small = min(_seconds(small) for _ in range(5))
    # A quadratic release takes many seconds here: measure again only when the first
    # large render was slow by a margin the machine's noise could explain.
    fastest_large = _seconds(large)
    for _ in range(2):
        if not SLOWER_AT_MOST < fastest_large / fastest_small < 3 * SLOWER_AT_MOST:
            break
        fastest_large = min(fastest_large, _seconds(large))
    ratio = fastest_large / fastest_small
    assert ratio <= SLOWER_AT_MOST, (
        f"Markdown {markdown.__version__} renders 2,000 links in one paragraph {ratio:.0f}× "
        f"slower than 200 ({fastest_large:.3f} s against {fastest_small:.4f} s): quadratic; "
        "exclude this release in pyproject.toml"
    )
