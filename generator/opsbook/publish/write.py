"""Writing the docs tree (pages, assets, engine config) into the handbook.

Paths are relative to the handbook root. Only files that start with the generated marker
are ever replaced or removed, so hand-written pages next to generated ones are safe.
Unchanged files are not rewritten (their modification time stays, and `mkdocs serve` sees
no change).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.core import defaults
from opsbook.core.diagnostics import OpsbookError


@dataclass(frozen=True)
class Areas:
    """What of the handbook opsbook owns: whole folders (each file in them that carries
    the marker) and single files, as paths from the root; `retired`, folders where an
    earlier version wrote, whose generated files are removed."""

    folders: tuple[str, ...]
    files: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()

    def owns(self, path: str) -> bool:
        return path in self.files or any(path.startswith(f"{f}/") for f in self.folders)


@dataclass
class Plan:
    """What writing the pages would change, as paths relative to the root."""

    write: dict[str, str] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def stale(self) -> list[str]:
        return sorted([*self.write, *self.remove])


def plan_pages(pages: dict[str, str], root: Path, areas: Areas) -> Plan:
    """Compare `pages` with what is on disk in the `areas` opsbook owns."""
    wanted = _ours(pages, areas)
    plan = _plan_writes(wanted, root, areas)
    for folder in (*areas.folders, *areas.retired):
        for path in sorted((root / folder).rglob("*")):
            page = path.relative_to(root).as_posix()
            if path.name.startswith("."):
                continue  # a page being written, or one a killed run left (cleaned below)
            if page not in wanted and path.is_file() and is_generated(path):
                plan.remove.append(page)
    for page in areas.files:
        if page not in wanted and is_generated(root / page):
            plan.remove.append(page)
    return plan


def plan_changes(previous: dict[str, str], pages: dict[str, str], root: Path, areas: Areas) -> Plan:
    """As `plan_pages`, for a process that wrote `previous` itself (`opsbook serve`): pages
    whose text is as before are taken to be on disk as written, so only new, changed and
    gone pages are read."""
    base = str(root)
    wanted = _ours(pages, areas)
    changed = {
        p: text
        for p, text in wanted.items()
        if previous.get(p) != text or not os.path.isfile(os.path.join(base, p))
    }
    plan = _plan_writes(changed, root, areas)
    plan.unchanged += len(wanted) - len(changed)
    gone = (p for p in _ours(previous, areas) if p not in pages)
    plan.remove = sorted(p for p in gone if is_generated(root / p))
    return plan


def _ours(pages: dict[str, str], areas: Areas) -> dict[str, str]:
    """The pages that go where opsbook writes."""
    return {p: text for p, text in pages.items() if areas.owns(p)}


def _plan_writes(wanted: dict[str, str], root: Path, areas: Areas) -> Plan:
    plan = Plan()
    folders: dict[str, bool] = {}  # whether a page's folder exists (none do on a first run)
    for page, text in sorted(wanted.items()):
        folder = page.rpartition("/")[0]
        if folder not in folders:
            folders[folder] = (root / folder).is_dir()
        current = _read(root / page) if folders[folder] else None
        if current is None:
            plan.write[page] = text
        elif not _marked(current):
            raise OpsbookError(f"{page}: a hand-written file is where {_what(page, areas)}")
        elif current != text:
            plan.write[page] = text
        else:
            plan.unchanged += 1
    return plan


def _what(path: str, areas: Areas) -> str:
    """What a generated file at `path` is, and how to make room for it."""
    if path.endswith(".md") and path in areas.files:
        return (
            "the generated home page (services, paging alerts, kill switches) belongs; "
            "move it to another name, such as about.md: the navigation lists it"
        )
    if path.endswith(".md"):
        return "a generated page belongs; move it, or change the definition's id"
    return "a file opsbook generates belongs; move it, or name your own in mkdocs.yml"


def apply_plan(plan: Plan, root: Path) -> None:
    """Write and remove what `plan` says, all or nothing: every page is first written
    under a temporary name next to its place (a full disk or a read-only folder stops
    here, and the temporary files are removed), then the pages are renamed into place,
    then the stale ones removed. An OS error is an OpsbookError naming the path."""
    clean_stale_files({(root / page).parent for page in plan.write})
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    ready: set[Path] = set()  # folders known to exist: one look per folder, not per page
    try:
        for page, text in plan.write.items():
            target = root / page
            if target.parent not in ready:
                if not target.parent.is_dir():
                    made.extend(_make_folders(target.parent, root))
                ready.add(target.parent)
            # A temporary name of our own (not mkstemp's random one, three times slower on
            # a 500-page handbook), with the process id, so a later run can clean it up.
            temporary = target.parent / f".{target.name}{_TEMPORARY}{os.getpid()}"
            staged.append((temporary, target))
            _write(temporary, text.encode("utf-8"))
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        where = exc.filename or root
        raise OpsbookError(f"{where}: cannot write: {exc.strerror}; no page was changed") from exc
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    try:
        for temporary, target in staged:
            os.replace(temporary, target)
        for page in plan.remove:
            path = root / page
            path.unlink()
            _prune_empty(path.parent, root)
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise OpsbookError(f"{exc.filename or root}: {exc.strerror}") from exc


def snapshot(plan: Plan, root: Path) -> dict[str, bytes | None]:
    """What applying `plan` will replace or remove (None: a file it creates), so that
    `restore` can put the tree back as it was when what came after it failed."""
    before: dict[str, bytes | None] = {}
    for page in [*plan.write, *plan.remove]:
        try:
            before[page] = (root / page).read_bytes()
        except FileNotFoundError:
            before[page] = None
        except OSError as exc:
            raise OpsbookError(f"{root / page}: cannot read: {exc.strerror}") from exc
    return before


def restore(before: dict[str, bytes | None], root: Path) -> None:
    """Put back the files `snapshot` saw; remove those that were not there."""
    back = Plan()
    for page, data in before.items():
        if data is None:
            if (root / page).exists():
                back.remove.append(page)
        else:
            back.write[page] = data.decode("utf-8")
    apply_plan(back, root)


_TEMPORARY = ".opsbook-tmp-"
"""Marks a page being written: `.<name>.opsbook-tmp-<pid>` beside it."""


def clean_stale_files(folders: set[Path]) -> None:
    """Remove the temporary pages that a killed run left in these folders."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith(".") and _TEMPORARY in name:
                pid = name.rpartition(_TEMPORARY)[2]
                if pid.isdigit() and not process_alive(int(pid)):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _make_folders(folder: Path, root: Path) -> list[Path]:
    """Create `folder` and its missing parents; returns those created, outermost first."""
    missing = []
    while not folder.is_dir() and folder != root:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return list(reversed(missing))


def _write(path: Path, data: bytes) -> None:
    """A new file holding `data` (no text layer: thousands of pages are written at once)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsbookError(f"{path}: cannot read: {exc}") from exc


def _marked(text: str) -> bool:
    """Whether a page carries the generated marker: on its first line, or under its title
    (after the page's front matter, when it has one)."""
    lines = text.split("\n", _FRONT_LINES + 3)[: _FRONT_LINES + 3]
    if lines[0] == "---" and "---" in lines[1:]:
        lines = lines[lines.index("---", 1) + 1 :]
    return any(line.startswith(defaults.GENERATED_MARKERS) for line in lines[:3])


_FRONT_LINES = 12
"""The most lines of front matter a generated page has (search settings, a few lines)."""


def is_generated(path: Path) -> bool:
    """Whether the file at `path` carries the generated marker."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            return _marked("".join(handle.readline() for _ in range(_FRONT_LINES + 3)))
    except (OSError, UnicodeDecodeError):
        return False


def _prune_empty(folder: Path, root: Path) -> None:
    """Remove folders left empty by removed pages, up to the output folder itself."""
    while folder != root and folder.parent != root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
