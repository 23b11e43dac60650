"""Keep Python's cyclic garbage collector from rescanning the definitions.

Loaded definitions are large and acyclic (freed by reference counting alone). While they
are being built, every collection of the oldest generation walks all of them again: at
10,000 alerts that was a third of `opsbook validate`. So the collector pauses while
definitions are loaded and checked, and what a run keeps to its end (the loaded files and
the catalog) is moved out of its sight before it resumes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block (the garbage it makes is collected later)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextlib.contextmanager
def settling() -> Iterator[None]:
    """`paused` for the block, whose survivors are then settled before collection resumes.

    Settling after the pause would be too late: the first collection after it walks every
    object made while collection was paused (a quarter of a second at 4,000 alerts).
    """
    with paused():
        yield
        settle()


def settle() -> None:
    """Exempt every object alive now from later collections, for the rest of a run.

    For one-shot commands only: a long-running process (`opsbook serve`) calls `release`
    before it drops what it settled, or cycles in it would never be collected.
    """
    gc.freeze()


def release() -> None:
    """Make settled objects collectable again."""
    gc.unfreeze()
