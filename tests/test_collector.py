"""How opsbook keeps Python's cyclic collector off the loaded definitions."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from opsbook.core import collector

pytestmark = pytest.mark.versionless  # the garbage collector and opsbook's own use of it


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    yield
    collector.release()
    gc.enable()


def test_paused_stops_collection_and_nests() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner pause must not resume collection"
    assert gc.isenabled()


def test_settling_freezes_what_the_block_made_before_collection_resumes() -> None:
    """No collection walks the objects made in the block: they are frozen before the
    collector resumes, and stay out of its sight until released."""
    frozen = gc.get_freeze_count()
    walked: list[int] = []  # the freeze count at the start of each collection

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            walked.append(gc.get_freeze_count())

    gc.callbacks.append(watch)
    try:
        with collector.settling():
            kept = [{"id": str(n)} for n in range(10_000)]
            assert not gc.isenabled()
        assert gc.isenabled()
        garbage = [[n] for n in range(5_000)]  # enough to start collections
    finally:
        gc.callbacks.remove(watch)
    assert walked, "the collector ran again after the block"
    assert all(count >= frozen + len(kept) for count in walked)
    assert len(garbage) == 5_000
    collector.release()
    assert gc.get_freeze_count() == 0


def test_settling_settles_nothing_when_the_block_fails() -> None:
    frozen = gc.get_freeze_count()
    with pytest.raises(ValueError), collector.settling():
        raise ValueError("bad input")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
