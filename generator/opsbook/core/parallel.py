"""Spread page rendering over the machine's cores.

Rendering is CPU-bound Python, so threads would not help. Forked processes share the
catalog and the compiled templates without copying them, and send back only Markdown.
Forking is used only where it is safe: on POSIX, in a process with no other threads
(`mkdocs serve` has some; it renders little per rebuild anyway).
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def cores() -> int:
    """How many cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork: POSIX, and no other thread, Python's or native."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc: trust Python's count
        return True


def split_map(
    items: Sequence[T], work: Callable[[Sequence[T]], dict[str, str]], parts: int
) -> dict[str, str]:
    """`work` over `parts` interleaved slices of `items`: the first slice in this process,
    the others in forked children, at the same time. An exception raised by `work` in a
    child is raised here."""
    if parts < 2 or len(items) < parts or not can_fork():
        return work(items)
    children = [_fork(items[index::parts], work) for index in range(1, parts)]
    try:
        result = work(items[0::parts])
    finally:
        answers = [_collect(pid, read) for pid, read in children]
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
        result.update(answer)
    return result


def _fork(items: Sequence[T], work: Callable[[Sequence[T]], dict[str, str]]) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)  # the child: do the work, send it back, leave without cleaning up
    status = 0
    try:
        try:
            answer: tuple[bool, object] = (True, work(items))
        except BaseException as exc:
            answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception as exc:
            data = pickle.dumps((False, RuntimeError(f"{answer[1]!r} ({exc})")))
        with os.fdopen(write, "wb") as out:
            out.write(data)
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _collect(pid: int, read: int) -> BaseException | dict[str, str]:
    """What a child sent: its pages, or the exception it met."""
    with os.fdopen(read, "rb") as source:
        data = source.read()
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return RuntimeError(f"a rendering process failed (exit status {status})")
    ok, value = pickle.loads(data)  # from our own child
    return value if ok or isinstance(value, BaseException) else RuntimeError(repr(value))
