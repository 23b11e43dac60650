"""Rendering shared out over forked processes gives what one process gives."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import pytest

from golden import render_example
from opsbook.core import defaults, parallel


@pytest.fixture(autouse=True)
def one_thread() -> None:
    """Forking needs a process with one thread: wait for threads that earlier tests
    started (a browser driver's executors, a server) to end, and say which did not."""
    deadline = time.monotonic() + 10
    while not parallel.can_fork() and time.monotonic() < deadline:
        time.sleep(0.1)
    threads = [thread.name for thread in threading.enumerate()]
    assert parallel.can_fork(), (
        f"other threads: {threads}, {len(os.listdir('/proc/self/task'))} tasks"
    )


def pids(items: Sequence[str]) -> dict[str, str]:
    return {item: str(os.getpid()) for item in items}


def test_work_is_done_in_forked_processes_and_merged() -> None:
    items = [f"page{i}" for i in range(10)]
    result = parallel.split_map(items, pids, 3)
    assert sorted(result) == sorted(items)
    assert len(set(result.values())) == 3  # this process and two children
    assert result["page0"] == str(os.getpid())


def test_an_error_in_a_child_is_raised_in_the_parent() -> None:
    def fail_on_page1(items: Sequence[str]) -> dict[str, str]:
        if "page1" in items:
            raise ValueError("template broke on page1")
        return pids(items)

    with pytest.raises(ValueError, match="template broke on page1"):
        parallel.split_map(["page0", "page1", "page2"], fail_on_page1, 3)


def test_the_example_rendered_on_three_processes_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert parallel.can_fork()  # else the comparison below would not test forking
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    alone = render_example()[1]
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    monkeypatch.setattr(defaults, "PARALLEL_PAGES", 1)
    shared = render_example()[1]
    assert shared == alone
    assert list(shared) == list(alone)  # the same order too
