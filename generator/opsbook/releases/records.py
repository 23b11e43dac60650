"""Release records: who ticked which checklist item of a release, when, with what evidence.

Each release of a rollout (or of a readiness checklist) has one YAML state file,
`<checklists>/releases/<rollout>/<release>.yaml`, kept by `opsbook checklist` and
committed like the definitions. This module reads and checks those files, works out a
release's progress, and changes them safely: under a lock, re-read, change, then an
atomic replace, so concurrent ticks are never lost.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from opsbook.core.diagnostics import Diagnostic, OpsbookError, UsageError
from opsbook.core.ruleset import RULES
from opsbook.load.files import SourceFile, load_paths
from opsbook.load.nodes import Mark, YMap
from opsbook.load.schema import check_release_document
from opsbook.model import Catalog, Checklist, Link, Rollout, Source
from opsbook.model.checkitems import CheckSection, check_sections, checks_by_key

VERSION = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
"""What a release version may be: it names a file, so no `/` and no leading `.`."""


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


def _readable(moment: str) -> str:
    return moment[:16].replace("T", " ") + " UTC"
