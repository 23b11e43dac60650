"""Rendering shared out over forked processes gives what one process gives.

Forking needs a process with one thread, and a test process may have others (a browser
driver's, a server's, a test runner's): each test runs its forking in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from conftest import ROOT


def _in_a_fresh_process(body: str) -> Any:
    """What `body` (Python, with `parallel` imported) prints as JSON on its last line."""
    script = (
        "import json, os, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from opsbook.core import defaults, parallel\n"
        "assert parallel.can_fork()\n" + body
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_work_is_done_in_forked_processes_and_merged() -> None:
    parent, result = _in_a_fresh_process(
        "pids = lambda items: {item: str(os.getpid()) for item in items}\n"
        "items = [f'page{i}' for i in range(10)]\n"
        "print(json.dumps([str(os.getpid()), parallel.split_map(items, pids, 3)]))\n"
    )
    assert sorted(result) == sorted(f"page{i}" for i in range(10))
    assert len(set(result.values())) == 3  # this process and two children
    assert result["page0"] == parent


def test_an_error_in_a_child_is_raised_in_the_parent() -> None:
    raised = _in_a_fresh_process(
        "def fail_on_page1(items):\n"
        "    if 'page1' in items:\n"
        "        raise ValueError('template broke on page1')\n"
        "    return {item: str(os.getpid()) for item in items}\n"
        "try:\n"
        "    parallel.split_map(['page0', 'page1', 'page2'], fail_on_page1, 3)\n"
        "except ValueError as exc:\n"
        "    print(json.dumps(str(exc)))\n"
    )
    assert raised == "template broke on page1"


def test_the_example_rendered_on_three_processes_is_the_same() -> None:
    alone, shared, forked = _in_a_fresh_process(
        "from golden import render_example\n"
        "parallel.cores = lambda: 1\n"
        "alone = render_example()[1]\n"
        "parallel.cores = lambda: 3\n"
        "defaults.PARALLEL_PAGES = 1\n"
        "forks = []\n"
        "real_fork = os.fork\n"
        "os.fork = lambda: forks.append(1) or real_fork()\n"
        "shared = render_example()[1]\n"
        "print(json.dumps([list(alone.items()), list(shared.items()), len(forks)]))\n"
    )
    assert forked == 2  # else the comparison would not test forking
    assert shared == alone  # the same pages, in the same order
