"""Faults while writing, for real: a failed build, immutable folders, a full disk (a small
tmpfs), a build killed with SIGKILL. Each leaves site/, runbooks/ and checklists/ exactly
as they were, says what failed and where without a traceback, and leaves nothing behind
that the next run does not clean up. Tests that need root's `chattr` or `mount` are
skipped, with the reason, where those are not allowed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import ENV, copy_example, opsbook, tree

# What opsbook does when writing fails or is killed: its own code, whatever the versions.
pytestmark = [pytest.mark.slow, pytest.mark.versionless]

OUTPUT = ("site", "runbooks", "checklists")


def snapshot(root: Path) -> dict[str, dict[str, str]]:
    return {name: tree(root / name) for name in OUTPUT}


def leftovers(root: Path) -> list[str]:
    """Staging folders and temporary pages, which no finished run may leave."""
    found = [p.name for p in root.iterdir() if p.name.startswith(".site-")]
    for folder in ("runbooks", "checklists"):
        found += [p.name for p in (root / folder).rglob(".*opsbook-tmp-*")]
    return found


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "handbook")
    result = opsbook(root, "build")
    assert result.returncode == 0, result.stderr
    return root


def change_every_page(root: Path) -> None:
    """A template change that every page shows, so every page would be written again."""
    footer = root / "templates" / "footer.md.j2"
    footer.write_text(footer.read_text("utf-8") + "\nChanged footer.\n", "utf-8")


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not allowed here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextlib.contextmanager
def small_disk(where: Path, size_kib: int) -> Iterator[Path]:
    where.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def used_kib(folder: Path) -> int:
    """What `folder` takes on a tmpfs, which gives every file whole 4 KiB pages."""
    pages = [(p.stat().st_size + 4095) // 4096 if p.is_file() else 1 for p in folder.rglob("*")]
    return 4 * (sum(pages) + 1)


def test_a_failed_build_changes_neither_the_site_nor_the_markdown(built: Path) -> None:
    """A broken link in a hand-written page fails the strict build after the definitions
    were rendered: the new Markdown must not have been written."""
    before = snapshot(built)
    change_every_page(built)
    (built / "docs" / "broken.md").write_text("# Broken\n\n[x](nowhere.md)\n", "utf-8")
    failed = opsbook(built, "build")
    assert failed.returncode == 1
    assert "nowhere.md" in failed.stderr and "Traceback" not in failed.stderr
    assert snapshot(built) == before
    assert leftovers(built) == []


def test_an_immutable_site_is_a_clear_error_and_changes_nothing(built: Path) -> None:
    before = snapshot(built)
    change_every_page(built)
    with immutable(built / "site"):
        failed = opsbook(built, "build")
    assert failed.returncode == 1
    assert "site" in failed.stderr and "Operation not permitted" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert snapshot(built) == before
    assert leftovers(built) == []


def test_an_unwritable_handbook_root_is_a_clear_error(built: Path) -> None:
    before = snapshot(built)
    change_every_page(built)
    with immutable(built):
        failed = opsbook(built, "build")
    assert failed.returncode == 1
    assert "cannot build next to" in failed.stderr and "Traceback" not in failed.stderr
    assert snapshot(built) == before


def test_an_immutable_runbooks_folder_fails_generate_with_nothing_written(built: Path) -> None:
    before = snapshot(built)
    change_every_page(built)
    with immutable(built / "runbooks" / "onesource"):
        failed = opsbook(built, "generate")
    assert failed.returncode == 1
    assert "cannot write" in failed.stderr and "no page was changed" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert snapshot(built) == before
    assert leftovers(built) == []


def test_a_full_disk_during_generate_writes_no_page(tmp_path: Path) -> None:
    source = copy_example(tmp_path / "source")
    size = used_kib(source) + 96  # room for the copy, not for a second set of pages
    with small_disk(tmp_path / "disk", size) as disk:
        root = Path(shutil.copytree(source, disk / "handbook"))
        before = snapshot(root)
        change_every_page(root)
        failed = opsbook(root, "generate")
        assert failed.returncode == 1, failed.stdout
        assert "No space left on device" in failed.stderr and "no page was changed" in (
            failed.stderr
        )
        assert "Traceback" not in failed.stderr
        assert snapshot(root) == before
        assert leftovers(root) == []


def test_ticking_on_a_full_disk_keeps_the_record(tmp_path: Path) -> None:
    source = copy_example(tmp_path / "source")
    with small_disk(tmp_path / "disk", used_kib(source) + 64) as disk:
        root = Path(shutil.copytree(source, disk / "handbook"))
        record = root / "checklists" / "releases" / "concierge-canary" / "2.4.0.yaml"
        before = record.read_bytes()
        with contextlib.suppress(OSError), (disk / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 65536)
        ticked = opsbook(
            root, "checklist", "tick", "concierge-canary", "2.4.0",
            "launch-day/stakeholder-sign-off", "--by", "dana",
        )  # fmt: skip
        assert ticked.returncode == 1
        assert "cannot write" in ticked.stderr and "Traceback" not in ticked.stderr
        assert record.read_bytes() == before


def test_a_killed_build_leaves_the_output_and_the_next_run_cleans_up(built: Path) -> None:
    before = snapshot(built)
    change_every_page(built)
    started = subprocess.Popen(
        [sys.executable, "-m", "opsbook", "build"],
        cwd=built,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".site-") for p in built.iterdir()):
        assert started.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # well into mkdocs' build
    started.send_signal(signal.SIGKILL)
    started.wait()
    assert snapshot(built) == before
    assert leftovers(built) != []  # what the killed build left
    again = opsbook(built, "build")
    assert again.returncode == 0, again.stderr
    assert leftovers(built) == []


def test_pages_left_half_written_by_a_killed_generate_are_removed(built: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(ended.stdout)
    folder = built / "runbooks" / "onesource"
    stale = folder / f".higherrorrate.md.opsbook-tmp-{dead}"
    stale.write_text("half a page", "utf-8")
    change_every_page(built)
    assert opsbook(built, "generate").returncode == 0
    assert not stale.exists()
    assert leftovers(built) == []


def test_a_generate_killed_while_writing_changes_no_page(tmp_path: Path) -> None:
    """SIGKILL while the pages are being written (a 1,000-alert handbook, so that takes a
    while): every page is still the previous one, and the next run removes the rest."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from synth import write_catalog

    write_catalog(tmp_path, 1000)
    (tmp_path / "mkdocs.yml").write_text("site_name: S\nplugins:\n  - opsbook\n", "utf-8")
    assert opsbook(tmp_path, "generate").returncode == 0
    before = {name: tree(tmp_path / "docs" / name) for name in ("runbooks", "checklists")}
    from importlib import resources

    footer = (resources.files("opsbook") / "templates" / "footer.md.j2").read_text("utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "footer.md.j2").write_text(footer + "\nChanged.\n", "utf-8")
    watched = tmp_path / "runbooks" / "svc0000"
    started = subprocess.Popen(
        [sys.executable, "-m", "opsbook", "generate"],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not any(".opsbook-tmp-" in name for name in os.listdir(watched)):
        if started.poll() is not None:
            pytest.skip("generate finished before a page was caught half-written")
        assert time.monotonic() < deadline
    started.send_signal(signal.SIGKILL)
    started.wait()
    after = {name: tree(tmp_path / "docs" / name) for name in ("runbooks", "checklists")}
    assert leftovers(tmp_path) != []  # the pages it was writing, under temporary names
    pages = {n: {p: d for p, d in t.items() if ".opsbook-tmp-" not in p} for n, t in after.items()}
    assert pages == before
    assert opsbook(tmp_path, "generate").returncode == 0
    assert leftovers(tmp_path) == []
