"""Load definition files: find them under the given folders (never through a link out
of the handbook), read them within the size limit as strict UTF-8, and compose each into
YAML 1.2 values with positions (`compose.py`); every problem is a diagnostic."""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.core import collector, defaults
from opsbook.core.diagnostics import Diagnostic, Level, UsageError
from opsbook.load.compose import ComposeProblems, LoadProblem, compose
from opsbook.load.nodes import YMap


@dataclass(frozen=True)
class SourceFile:
    """One loaded definitions file: its display path and its top-level mapping."""

    path: str
    data: YMap


@dataclass
class LoadResult:
    """Every file that loaded, and every problem met while loading."""

    files: list[SourceFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def discover(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Every `*.yaml`/`*.yml` file under `paths`, sorted, skipping hidden folders (files
    that leave the handbook, or links that lead nowhere, are left out: see `discover_all`)."""
    return discover_all(paths)[0]


def discover_all(
    paths: Sequence[str | os.PathLike[str]],
) -> tuple[list[Path], list[Diagnostic]]:
    """Every definitions file under `paths`, sorted, and a problem for each symbolic link
    that leads out of the handbook (the nearest folder above with a `mkdocs.yml`, else the
    folder given), nowhere, or round in a loop: such a file is never read, so nothing of
    what it points at is shown or published."""
    found: set[Path] = set()
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = _handbook_root(path)
            for suffix in defaults.YAML_SUFFIXES:
                for candidate in path.rglob(f"*{suffix}"):
                    relative = candidate.relative_to(path).parts
                    if any(p.startswith(".") for p in relative):
                        continue
                    problem = _outside(candidate, root)
                    if problem is not None:
                        problems.append(_diagnostic(display_path(candidate), problem))
                    elif candidate.is_file():
                        found.add(candidate)
        elif path.is_file() or path.is_symlink():
            problem = _outside(path, _handbook_root(path.parent))
            if problem is not None:
                problems.append(_diagnostic(display_path(path), problem))
            else:
                found.add(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return sorted(found, key=lambda p: p.as_posix()), sorted(set(problems))


def _handbook_root(folder: Path) -> Path:
    start = folder.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    return start


def _outside(path: Path, root: Path) -> LoadProblem | None:
    """Why `path` may not be read as a definitions file of the handbook at `root`."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return LoadProblem("symlink", "symbolic link to a file that does not exist")
    except RuntimeError:  # Python before 3.13 raises it for a loop
        return LoadProblem("symlink", "symbolic link that goes round in a loop")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LoadProblem("symlink", "symbolic link that goes round in a loop")
        return LoadProblem("symlink", f"symbolic link that cannot be followed: {exc.strerror}")
    if not target.is_relative_to(root):
        return LoadProblem(
            "symlink",
            "symbolic link to a file outside the handbook; definitions stay inside it "
            "(its content is not read)",
        )
    return None


def display_path(path: Path) -> str:
    """The path as diagnostics show it: relative to the working directory when inside it."""
    try:  # not resolved: a symbolic link is shown where it is, not where it points
        return Path(os.path.abspath(path)).relative_to(os.getcwd()).as_posix()
    except ValueError:
        return path.as_posix()


def load_paths(paths: Sequence[str | os.PathLike[str]]) -> LoadResult:
    """Load every definitions file under `paths`, collecting problems instead of raising."""
    with collector.paused():
        found, problems = discover_all(paths)
        result = _load_all(found)
        result.diagnostics[:0] = problems
        return result


def _load_all(paths: list[Path]) -> LoadResult:
    result = LoadResult()
    for path in paths:
        source, problems = load_source(path)
        result.diagnostics.extend(problems)
        if source is not None:
            result.files.append(source)
    return result


def load_source(path: Path, raw: bytes | None = None) -> tuple[SourceFile | None, list[Diagnostic]]:
    """One file (its bytes, when already read) as `load_paths` loads it: the file and the
    problems met in it. Duplicate and non-string keys are errors, but the file is still
    read (the first of equal keys kept), so what it defines is known to the other files;
    any other problem stops the file and gives None."""
    shown = display_path(path)
    try:
        data, problems = compose(decode(read_file(path) if raw is None else raw))
    except LoadProblem as problem:
        return None, [_diagnostic(shown, problem)]
    except ComposeProblems as stopped:
        return None, [_diagnostic(shown, p) for p in stopped.problems]
    return SourceFile(shown, data), [_diagnostic(shown, p) for p in problems]


def load_file(path: Path) -> YMap:
    """Read one file into its top-level mapping, or raise the problem that stops it."""
    return load_text(decode(read_file(path)))


def read_file(path: Path, limit: int = defaults.MAX_FILE_BYTES) -> bytes:
    """A file's bytes; files over `limit` and unreadable files are a LoadProblem."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise LoadProblem("file-too-large", f"file is {size:,} bytes; the limit is {limit:,}")
        return path.read_bytes()
    except OSError as exc:
        raise LoadProblem("unreadable-file", f"cannot read file: {exc.strerror}") from exc


def decode(raw: bytes) -> str:
    """The file's text as strict UTF-8 (a leading byte-order mark is dropped)."""
    nul = raw.find(b"\x00")
    if nul >= 0:  # valid UTF-8, but never YAML: most often a UTF-16 file without its BOM
        line = raw.count(b"\n", 0, nul) + 1
        col = len(raw[raw.rfind(b"\n", 0, nul) + 1 : nul].decode("utf-8", "replace")) + 1
        utf16 = raw[1::2].count(0) > len(raw) // 4 or raw[0::2].count(0) > len(raw) // 4
        hint = "; it looks like UTF-16, save it as UTF-8" if utf16 else ""
        raise LoadProblem("invalid-utf8", f"file holds a NUL byte{hint}", (line, col))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        col = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise LoadProblem(
            "invalid-utf8",
            f"file is not valid UTF-8: byte 0x{raw[exc.start]:02x} cannot start a character",
            (line, col),
        ) from exc
    return text.removeprefix("\ufeff")


def load_text(text: str) -> YMap:
    """Compose one YAML document from `text`; it must be a non-empty mapping with no
    duplicate or non-string keys."""
    root, problems = compose(text)
    if problems:
        raise ComposeProblems(problems)
    return root


def _diagnostic(path: str, problem: LoadProblem) -> Diagnostic:
    line, col = problem.mark
    return Diagnostic(path, line, col, Level.ERROR, problem.rule, problem.message)
