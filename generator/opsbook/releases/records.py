"""Release records: who ticked which checklist item of a release, when, with what evidence.

Each release of a rollout (or of a readiness checklist) has one YAML state file,
`<checklists>/releases/<rollout>/<release>.yaml`, kept by `opsbook checklist` and
committed like the definitions. This module reads and checks those files, works out a
release's progress, and changes them safely: under a lock, re-read, change, then an
atomic replace, so concurrent ticks are never lost.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook.core import defaults, kinds
from opsbook.core.diagnostics import Diagnostic, OpsbookError, UsageError
from opsbook.core.ruleset import RULES
from opsbook.load.files import SourceFile, display_path, load_paths
from opsbook.load.nodes import Mark, YMap
from opsbook.load.schema import check_release_document
from opsbook.model import Catalog, Checklist, Link, Rollout, Source
from opsbook.model.build.values import plain
from opsbook.model.checkitems import CheckSection, check_sections, checks_by_key, one_line

_VERSION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Tick:
    """One ticked (or waived) item of a release."""

    key: str
    by: str
    at: str
    evidence: str | None = None
    waived: str | None = None

    @property
    def evidence_link(self) -> Link | None:
        return Link("evidence", self.evidence) if self.evidence else None

    @property
    def when(self) -> str:
        """The time as people read it: `2026-11-22 10:05 UTC`."""
        return _readable(self.at)


@dataclass(frozen=True)
class Progress:
    """Counts of one release, or one section of it."""

    total: int
    done: int
    waived: int
    open_required: int
    open_optional: int

    @property
    def complete(self) -> bool:
        """True when no required item is open (waived items count as closed)."""
        return self.open_required == 0


@dataclass(frozen=True, eq=False)
class Release:
    """One release's record: its checklist (a rollout or readiness checklist) and ticks."""

    definition: Rollout | Checklist
    version: str
    source: Source
    started: str
    started_by: str | None = None
    ticks: dict[str, Tick] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.version

    @property
    def title(self) -> str:
        """The checklist's title: the rollout's name or the readiness checklist's title."""
        if isinstance(self.definition, Rollout):
            return self.definition.name
        return self.definition.title

    @property
    def started_when(self) -> str:
        return _readable(self.started)

    @property
    def progress(self) -> Progress:
        return progress(check_sections(self.definition), self.ticks)

    def section_progress(self, section: CheckSection) -> Progress:
        return progress((section,), self.ticks)


class ReleaseProblem(OpsbookError):
    """A release record cannot be changed as asked; nothing was written."""


def progress(sections: Sequence[CheckSection], ticks: dict[str, Tick]) -> Progress:
    """How far `ticks` get through `sections`."""
    checks = [c for s in sections for c in s.checks]
    done = [c for c in checks if c.key in ticks]
    return Progress(
        total=len(checks),
        done=len(done),
        waived=sum(ticks[c.key].waived is not None for c in done),
        open_required=sum(c.required and c.key not in ticks for c in checks),
        open_optional=sum(not c.required and c.key not in ticks for c in checks),
    )


def release_file(folder: Path, definition_id: str, version: str) -> Path:
    """Where the state file of `version` of a rollout or checklist lives."""
    return folder / definition_id.lower() / f"{version}.yaml"


def find_definition(catalog: Catalog, definition_id: str) -> Rollout | Checklist:
    """The rollout or readiness checklist with this id, or a usage error naming the ids."""
    known: dict[str, Rollout | Checklist] = {d.id.lower(): d for d in catalog.rollouts}
    known.update({d.id.lower(): d for d in catalog.checklists})
    found = known.get(definition_id.lower())
    if found is None:
        close = difflib.get_close_matches(definition_id.lower(), known, 1)
        hint = f"; did you mean `{known[close[0]].id}`?" if close else ""
        names = ", ".join(sorted(d.id for d in known.values()))
        raise UsageError(f"no rollout or checklist `{definition_id}`{hint} (there are: {names})")
    return found


# --- reading and checking -------------------------------------------------------------


def check_release_files(
    paths: Sequence[str | os.PathLike[str]], catalog: Catalog | None
) -> tuple[list[Diagnostic], list[Release]]:
    """Every problem of the state files under `paths`, and the valid records.

    Without a catalog (the definitions have errors) only each file's own form is checked.
    """
    loaded = load_paths([p for p in paths if Path(p).exists()])
    found = list(loaded.diagnostics)
    releases = []
    for source in loaded.files:
        problems = check_release_document(source)
        if catalog is not None:
            release, more = _read_release(source, catalog)
            problems += more
            if release is not None and not problems:
                releases.append(release)
        found += problems
    found += _case_twins(loaded.files)
    releases.sort(key=lambda r: (r.definition.id.lower(), r.started, r.version))
    return found, releases


def _case_twins(files: Sequence[SourceFile]) -> list[Diagnostic]:
    """Records of one rollout whose versions differ only in case (`RC1`, `rc1`): one file
    on a case-insensitive filesystem, two pages at one URL on others."""
    first: dict[tuple[str, str], SourceFile] = {}
    found = []
    for source in sorted(files, key=lambda f: f.path):
        rollout, version = source.data.get("rollout"), source.data.get("release")
        if not (isinstance(rollout, str) and isinstance(version, str)):
            continue
        key = (rollout.lower(), version.lower())
        if key not in first:
            first[key] = source
            continue
        other = first[key]
        found.append(
            Diagnostic(
                source.path,
                *source.data.value_marks["release"],
                RULES["release-file"].level,
                "release-file",
                f"release `{version}` of `{rollout}` differs only in case from release "
                f"`{other.data['release']}` in {other.path}; versions are unique regardless "
                "of case",
            )
        )
    return found


def _read_release(source: SourceFile, catalog: Catalog) -> tuple[Release | None, list[Diagnostic]]:
    """The record in `source` checked against its checklist. Walks defensively, since a
    file with schema errors is checked too: every problem is reported at once."""
    data = source.data
    found: list[Diagnostic] = []

    def problem(rule: str, mark: Mark, message: str) -> None:
        found.append(Diagnostic(source.path, *mark, RULES[rule].level, rule, message))

    if not isinstance(data.get("rollout"), str):
        return None, found
    try:
        definition = find_definition(catalog, data["rollout"])
    except UsageError as exc:
        problem("release-checklist", data.value_marks["rollout"], str(exc))
        return None, found
    path = Path(source.path)
    version = str(data.get("release"))
    if path.stem != version or path.parent.name != definition.id.lower():
        expected = f"{definition.id.lower()}/{version}.yaml"
        problem(
            "release-file",
            data.mark,
            f"this file records release `{version}` of `{definition.id}`, so it must "
            f"be named `{expected}` in the releases folder",
        )
    known = checks_by_key(definition)
    ticks: dict[str, Tick] = {}
    entries = data.get("ticks")
    if not isinstance(entries, YMap):
        entries = YMap(data.mark)
    for key, entry in entries.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, 1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            problem(
                "release-item",
                entries.key_marks[key],
                f"`{definition.id}` has no item `{key}` (it was renamed or removed){hint}",
            )
            continue
        if not isinstance(entry, YMap):
            continue
        waived = entry.get("waived")
        if "waived" in entry and (not isinstance(waived, str) or not waived.strip()):
            problem(
                "release-waiver",
                entry.value_marks["waived"],
                f"the waiver of `{key}` needs a reason: `waived: <why it can be skipped>`",
            )
            continue
        ticks[key] = Tick(
            key, str(entry.get("by")), str(entry.get("at")), entry.get("evidence"), waived
        )
    release = Release(
        definition,
        version,
        Source(source.path, data.mark[0]),
        str(data.get("started")),
        data.get("started_by"),
        ticks,
    )
    return release, found


# --- changing ---------------------------------------------------------------------------


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


def _readable(moment: str) -> str:
    return moment[:16].replace("T", " ") + " UTC"


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
    if not _VERSION.fullmatch(version):
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
