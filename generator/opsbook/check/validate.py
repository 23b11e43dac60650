"""Validation: load, check each document against the schema, then the cross-reference rules."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from opsbook.check.changes import SHARED, FingerprintCache, Key, changed, dependents
from opsbook.check.quality import Context, check_file_quality, flags_used, unused_flags
from opsbook.check.references import build_index, check_files, without
from opsbook.check.urls import check_page_paths
from opsbook.core import collector, defaults
from opsbook.core.diagnostics import (
    Diagnostic,
    Level,
    UsageError,
    limit_per_file,
    sort_diagnostics,
)
from opsbook.core.kinds import KINDS, SECTIONS
from opsbook.core.ruleset import RULES
from opsbook.load.compose import LoadProblem
from opsbook.load.definitions import MaybeDefined, definitions
from opsbook.load.files import SourceFile, discover_all, load_source, read_file
from opsbook.load.schema import check_document
from opsbook.load.settings import Settings
from opsbook.model import Catalog
from opsbook.model.build import build_catalog
from opsbook.model.build.values import plain
from opsbook.releases.records import Release, check_release_files


@dataclass(frozen=True)
class Validation:
    """What validation found: the loaded files, every diagnostic, and the catalog if valid."""

    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog | None
    releases: tuple[Release, ...] = ()

    @property
    def errors(self) -> int:
        return sum(d.level is Level.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level is Level.WARNING for d in self.diagnostics)


def validate_paths(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings | None = None,
    releases: Sequence[str | os.PathLike[str]] = (),
    *,
    model: bool = True,
) -> Validation:
    """Validate every definitions file under `paths`, and every release state file under
    `releases` against those definitions, reporting all problems at once.

    With `model` false the catalog is only built when release records need it: a plain
    check (`opsbook validate`) has no use for it.
    """
    return Validator(keep=False).validate(paths, settings, releases, model=model)


def validate_selection(
    paths: Sequence[str],
    definitions: str,
    releases: str,
    settings: Settings | None = None,
) -> tuple[Validation, int]:
    """Validate what `paths` name, as `opsbook validate PATH...` does, and say how many
    errors were found in files not named (which are not reported).

    With no paths: the handbook's `definitions` folder and its `releases` records. A path
    inside either folder is checked against the whole handbook (a file that refers to
    another is no false alarm), and only what lies under the given paths is reported, as
    a pre-commit hook that passes the staged files wants. Paths outside them are checked
    as definitions of their own, as before.
    """
    if not paths:
        return validate_paths([definitions], settings, [releases], model=False), 0
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
    records = [p for p in paths if _is_within(p, releases)]
    given = [p for p in paths if p not in records]
    outside = [p for p in given if not _is_within(p, definitions)]
    loaded = outside if len(outside) == len(given) and given else [*outside, definitions]
    result = validate_paths(loaded, settings, records, model=False)
    chosen = [Path(os.path.abspath(p)) for p in paths]
    shown = tuple(d for d in result.diagnostics if _is_under(Path(os.path.abspath(d.path)), chosen))
    hidden = result.errors - sum(d.level is Level.ERROR for d in shown)
    return replace(result, diagnostics=shown), hidden


def _is_within(path: str, folder: str) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


def _is_under(path: Path, chosen: list[Path]) -> bool:
    return any(path == c or path.is_relative_to(c) for c in chosen)


_LOOKED_INTO = tuple(kind.section for kind in KINDS if kind.looked_into)
"""Sections whose content a rule reads while checking another file (an SLO a gate names,
whether a severity pages, a team's channels, a flag's type). A rule that starts reading
another section's content must say so in its `Kind` (`looked_into`), or `Validator` would
reuse stale findings."""


@dataclass
class _Checked:
    """One file's own results, good for as long as its bytes stay the same."""

    digest: bytes
    source: SourceFile | None
    own: list[Diagnostic]  # loading and schema problems
    checkable: SourceFile | None = None  # without the definitions that have schema errors
    facts: object = None  # what the rules of other files may read of this one
    flags_used: set[str] = field(default_factory=set)
    across_key: object = None
    across: list[Diagnostic] = field(default_factory=list)  # rules' findings for across_key
    words: MaybeDefined = frozenset()  # of a file that could not be loaded: ids it may define


class Validator:
    """Validates definitions. Kept between runs, as `opsbook serve` keeps it, it re-reads
    only files whose bytes changed and re-runs the rules only where their answer can
    differ: an edit to one alert re-checks one file, not ten thousand alerts.

    With `keep` false nothing is kept, and nothing is spent on what keeping needs.
    `fingerprints` may be shared with the `Renderer` of the same handbook.
    """

    def __init__(self, *, keep: bool = True, fingerprints: FingerprintCache | None = None) -> None:
        self.keep = keep
        self._files: dict[Path, _Checked] = {}
        self._fingerprints = fingerprints or FingerprintCache()
        self._built: tuple[Catalog, dict[Key, object]] | None = None

    def validate(
        self,
        paths: Sequence[str | os.PathLike[str]],
        settings: Settings | None = None,
        releases: Sequence[str | os.PathLike[str]] = (),
        *,
        model: bool = True,
    ) -> Validation:
        """As `validate_paths`."""
        with collector.paused():
            return self._validate(paths, settings or Settings(), releases, model)

    def _validate(
        self,
        paths: Sequence[str | os.PathLike[str]],
        settings: Settings,
        releases: Sequence[str | os.PathLike[str]],
        model: bool,
    ) -> Validation:
        found, escapes = discover_all(paths)
        checked = [self._check(path) for path in found]
        self._files = {path: c for path, c in zip(found, checked, strict=True) if c.digest}
        files = [c.source for c in checked if c.source is not None]
        problems = [*escapes, *(d for c in checked for d in c.own)]
        # The rules also see definitions with schema errors (they walk documents
        # defensively), so a typo in one does not turn every reference to it into an error.
        index, duplicates = build_index(files)
        problems.extend(duplicates)
        problems.extend(check_page_paths(files))
        # A file that could not be loaded may define what the others refer to: one cause,
        # one error, not an unknown reference for every id it held.
        unloaded = [c for c in checked if c.source is None]
        maybe = _maybe_defined(unloaded) if not escapes else None  # refused: may define anything
        if escapes:
            unloaded.append(_Checked(b"", None, [], words=None))
        across_key = (
            (settings.today, maybe, len(unloaded), tuple(c.facts for c in checked if c.source))
            if self.keep
            else None
        )
        context = Context(index, settings.today)
        views = [(c, c.checkable) for c in checked if c.checkable is not None]
        for c, view in views:
            if c.across_key != across_key or across_key is None:
                c.across = check_files([view], index, maybe)
                # The quality rules judge a whole handbook: they wait until every file loads.
                if not unloaded:
                    c.across += check_file_quality(view, context)
                c.across_key = across_key
            problems.extend(c.across)
        if not unloaded:
            used = set().union(*(c.flags_used for c, _ in views))
            problems.extend(unused_flags([view for _, view in views], used))
        valid = not any(d.level is Level.ERROR for d in _apply(problems, settings))
        records_exist = any(Path(p).exists() for p in releases)
        catalog = self._catalog(files) if valid and (model or records_exist) else None
        release_problems, records = check_release_files(releases, catalog)
        problems.extend(release_problems)
        ordered = sort_diagnostics(_once(_apply(problems, settings)), _LOAD_RULES)
        diagnostics = tuple(limit_per_file(ordered, defaults.MAX_PROBLEMS_PER_FILE))
        if any(d.level is Level.ERROR for d in diagnostics):
            catalog = None
        return Validation(tuple(files), diagnostics, catalog, tuple(records))

    def _catalog(self, files: list[SourceFile]) -> Catalog:
        """The catalog, reusing from the last one built every model object whose
        definition, and whatever it points at, is unchanged."""
        if not self.keep:
            return build_catalog(files)
        prints, refs = self._fingerprints.of(files)
        reuse: dict[Key, Any] = {}
        if self._built is not None:
            last, last_prints = self._built
            rebuild = dependents(changed(last_prints, prints), refs)
            if not any(section in SHARED for section, _ in rebuild):
                reuse = {key: d for key, d in _definitions(last) if key not in rebuild}
        catalog = build_catalog(files, reuse)
        self._built = (catalog, prints)
        return catalog

    def _check(self, path: Path) -> _Checked:
        """One file's own results: from the last run when its bytes are the same."""
        try:
            raw = read_file(path)
        except LoadProblem:  # reports the problem; not kept
            return _Checked(b"", *load_source(path), words=None)
        if not self.keep:
            return self._first_check(path, raw, b"")
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        kept = self._files.get(path)
        if kept is not None and kept.digest == digest:
            return kept
        return self._first_check(path, raw, digest)

    def _first_check(self, path: Path, raw: bytes, digest: bytes) -> _Checked:
        source, problems = load_source(path, raw)
        if source is None:
            words = frozenset(w.lower() for w in _WORD.findall(raw.decode("utf-8", "replace")))
            return _Checked(digest, None, problems, words=words)
        schema_problems, invalid = check_document(source)
        checkable = without(source, invalid)
        return _Checked(
            digest,
            source,
            problems + schema_problems,
            checkable,
            _facts(source) if self.keep else None,
            flags_used(checkable),
        )


_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
"""What an id may look like, found anywhere in the text of a file that did not load."""

_LOAD_RULES = frozenset(rule.id for rule in RULES.values() if rule.stage == "load")


def _maybe_defined(unloaded: list[_Checked]) -> MaybeDefined:
    """The words (lower-cased) of the files that could not be loaded, any of which may be
    an id defined there; None when a file could not be read at all, so any id may be."""
    if any(c.words is None for c in unloaded):
        return None
    return frozenset().union(*(c.words for c in unloaded if c.words is not None))


def _definitions(catalog: Catalog) -> Iterator[tuple[Key, Any]]:
    for section in SECTIONS:
        if section == "slos":  # held by their services; a change rebuilds them (SHARED)
            continue
        for definition in getattr(catalog, section):
            yield (section, definition.id.lower()), definition


def _facts(source: SourceFile) -> object:
    """The ids of every definition in a file, and the content of those that rules of other
    files read: when no file's facts change, no file's cross-file findings change."""
    ids = tuple((s, node["id"]) for s in SECTIONS for node, _ in definitions(source, s))
    content = repr([plain(node) for s in _LOOKED_INTO for node, _ in definitions(source, s)])
    return ids, content


def _once(found: list[Diagnostic]) -> list[Diagnostic]:
    """A placeholder where an id belongs (`owner: TODO-team`) is reported as a placeholder,
    not also as an unknown reference at the same place."""
    placeholders = {
        (d.path, d.line, d.col)
        for d in found
        if d.rule in ("placeholder-text", "imported-placeholder")
    }
    if not placeholders:
        return found
    return [
        d
        for d in found
        if d.rule not in _AFTER_PLACEHOLDERS or (d.path, d.line, d.col) not in placeholders
    ]


_AFTER_PLACEHOLDERS = frozenset({"unknown-reference", "promql-syntax"})
"""Rules whose finding at a placeholder's position is the placeholder itself."""


def _apply(found: list[Diagnostic], settings: Settings) -> list[Diagnostic]:
    """Project rule levels (or `off`), then `--strict`, which makes warnings errors."""
    result = []
    for diagnostic in found:
        level: Level | None = settings.levels.get(diagnostic.rule, diagnostic.level)
        if level is None:
            continue
        if settings.strict:
            level = Level.ERROR
        result.append(diagnostic if level is diagnostic.level else replace(diagnostic, level=level))
    return result
