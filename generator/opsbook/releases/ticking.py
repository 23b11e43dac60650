"""Changing release records: a release started, items ticked or waived, each record
read back, checked and written whole, atomically, under a lock."""

from __future__ import annotations

import contextlib
import datetime
import difflib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from opsbook.core import defaults, kinds
from opsbook.core.diagnostics import Diagnostic, UsageError
from opsbook.load.files import display_path, load_paths
from opsbook.load.schema import check_release_document
from opsbook.model import Catalog, Checklist, Rollout
from opsbook.model.build.values import plain
from opsbook.model.checkitems import checks_by_key, one_line
from opsbook.releases.records import (
    VERSION,
    Release,
    ReleaseProblem,
    check_release_files,
    release_file,
)


def start_release(
    folder: Path, definition: Rollout | Checklist, version: str, by: str | None
) -> Path:
    """Create the state file of a new release; refuse when it exists already."""
    _check_version(version)
    target = release_file(folder, definition.id, version)
    with _locked(target.parent):
        if target.exists():
            raise ReleaseProblem(f"{display_path(target)}: release `{version}` is started already")
        same = [p for p in target.parent.glob("*.yaml") if p.stem.lower() == version.lower()]
        if same:  # one file on a case-insensitive filesystem, two on others
            raise ReleaseProblem(
                f"{display_path(same[0])}: release `{same[0].stem}` is started already, and "
                f"`{version}` differs from it only in case"
            )
        record = {
            "apiVersion": defaults.API_VERSION,
            "rollout": definition.id,
            "release": version,
            "started": now(),
            **({"started_by": by} if by else {}),
            "ticks": {},
        }
        _write(target, record)
    return target


def tick_items(
    folder: Path,
    definition: Rollout | Checklist,
    version: str,
    keys: Sequence[str],
    by: str,
    *,
    evidence: str | None = None,
    waive: str | None = None,
    untick: bool = False,
) -> list[str]:
    """Tick (or waive, or untick) items of a release; all or nothing.

    Returns the labels of the items changed. Unknown items, an item ticked already, an
    empty waiver reason or a malformed state file raise ReleaseProblem and write nothing.
    """
    if not by.strip():
        raise UsageError("--by needs a name: who ticked the item")
    if waive is not None and not waive.strip():
        raise UsageError("--waive needs a reason: why the item can be skipped")
    if evidence is not None and not re.fullmatch(r"https?://\S+", evidence):
        raise UsageError(f"--evidence {evidence!r} is not a web address (http:// or https://)")
    known = checks_by_key(definition)
    for key in keys:
        if key not in known:
            close = difflib.get_close_matches(key, known, 3)
            hint = f"; did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
            raise ReleaseProblem(
                f"`{definition.id}` has no item `{key}`{hint} "
                f"(`opsbook checklist items {definition.id}` lists them)"
            )
    target = release_file(folder, definition.id, version)
    with _locked(target.parent):
        record = _load_record(target, definition, version)
        ticks: dict[str, Any] = dict(record.get("ticks") or {})
        for key in keys:
            if untick and key not in ticks:
                raise ReleaseProblem(f"`{key}` is not ticked in release `{version}`")
            if not untick and key in ticks:
                entry = ticks[key]
                raise ReleaseProblem(
                    f"`{key}` was ticked already by {entry.get('by')} at {entry.get('at')}; "
                    f"untick it first to record it again"
                )
            if untick:
                del ticks[key]
                continue
            entry = {"by": by.strip(), "at": now()}
            if evidence:
                entry["evidence"] = evidence
            if waive is not None:
                entry["waived"] = one_line(waive)
            ticks[key] = entry
        order = list(known)
        record["ticks"] = {
            k: ticks[k] for k in sorted(ticks, key=lambda k: order.index(k) if k in order else 0)
        }
        _write(target, record)
    return [known[k].label for k in keys]


def read_release(folder: Path, definition: Rollout | Checklist, version: str) -> Release:
    """The checked record of one release, or ReleaseProblem with its file:line:col."""
    target = release_file(folder, definition.id, version)
    _require_started(target, definition, version)
    found, releases = _check_one(target, definition)
    if found:
        raise ReleaseProblem(_fix_first(found, display_path(target)))
    return releases[0]


def now() -> str:
    """The current time in UTC, as state files record it."""
    moment = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_one(
    target: Path, definition: Rollout | Checklist
) -> tuple[list[Diagnostic], list[Release]]:
    catalog = _catalog_of(definition)
    return check_release_files([target], catalog)


def _catalog_of(definition: Rollout | Checklist) -> Catalog:
    """A catalog of `definition` alone."""
    empty: dict[str, Any] = {kind.section: () for kind in kinds.MODELLED}
    section = "rollouts" if isinstance(definition, Rollout) else "checklists"
    return Catalog(**{**empty, section: (definition,)})


def _check_version(version: str) -> None:
    if not VERSION.fullmatch(version):
        raise UsageError(
            f"release {version!r} is not valid: letters, digits, `_`, `-` and `.`, "
            f"not starting with `.` (it becomes a file name and a URL)"
        )


def _require_started(target: Path, definition: Rollout | Checklist, version: str) -> None:
    _check_version(version)
    if not target.is_file():
        raise ReleaseProblem(
            f"{display_path(target)}: release `{version}` of `{definition.id}` is not started; "
            f"run `opsbook checklist start {definition.id} {version}`"
        )


def _fix_first(found: list[Diagnostic], shown: str) -> str:
    return "\n".join(d.format() for d in found) + f"\n{shown}: fix the file, then try again"


def _load_record(target: Path, definition: Rollout | Checklist, version: str) -> dict[str, Any]:
    """The state file's data as plain values, after checking its form."""
    _require_started(target, definition, version)
    loaded = load_paths([target])
    if loaded.diagnostics:
        raise ReleaseProblem("\n".join(d.format() for d in loaded.diagnostics))
    source = loaded.files[0]
    found = check_release_document(source)
    if found:
        raise ReleaseProblem(_fix_first(found, source.path))
    record: dict[str, Any] = plain(source.data)
    return record


def _write(target: Path, record: dict[str, Any]) -> None:
    """Write the state file atomically: a reader sees the old file or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Release {record['release']} of {record['rollout']}: kept by `opsbook checklist`.\n"
        "# Tick items with `opsbook checklist tick`; `opsbook validate` checks this file.\n"
    )
    text = header + yaml.safe_dump(
        record, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".opsbook-", suffix=".yaml")
    except OSError as exc:
        raise ReleaseProblem(f"{display_path(target)}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise ReleaseProblem(
                f"{display_path(target)}: cannot write: {exc.strerror}; the record is as it was"
            ) from exc
        raise


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a rollout's releases folder while a record changes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReleaseProblem(f"{display_path(folder)}: cannot create: {exc.strerror}") from exc
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks on folders
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
