"""Validation: load, check each document against the schema, then the cross-reference rules."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from opsbook import collector
from opsbook.catalog import build_catalog
from opsbook.diagnostics import Diagnostic, Level, sort_diagnostics
from opsbook.loader import SourceFile, load_paths
from opsbook.model import Catalog
from opsbook.pages import check_page_paths
from opsbook.quality import check_quality
from opsbook.releases import Release, check_release_files
from opsbook.rules import build_index, check_files, without
from opsbook.schema import check_document
from opsbook.settings import Settings


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
    with collector.paused():
        return _validate(paths, settings or Settings(), releases, model)


def _validate(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings,
    releases: Sequence[str | os.PathLike[str]],
    model: bool,
) -> Validation:
    loaded = load_paths(paths)
    found = list(loaded.diagnostics)
    invalid: dict[str, set[tuple[str, int]]] = {}
    for source in loaded.files:
        problems, invalid[source.path] = check_document(source)
        found.extend(problems)
    # The rules also see files with schema errors (they walk documents defensively), so a
    # typo in one definition does not turn every reference to it into an error too.
    index, duplicates = build_index(loaded.files)
    found.extend(duplicates)
    found.extend(check_page_paths(loaded.files))
    checkable = [without(f, invalid.get(f.path, set())) for f in loaded.files]
    found.extend(check_files(checkable, index))
    found.extend(check_quality(checkable, index, settings.today))
    valid = not any(d.level is Level.ERROR for d in _apply(found, settings))
    records_exist = any(Path(p).exists() for p in releases)
    catalog = build_catalog(loaded.files) if valid and (model or records_exist) else None
    release_problems, records = check_release_files(releases, catalog)
    found.extend(release_problems)
    diagnostics = tuple(sort_diagnostics(_apply(found, settings)))
    if any(d.level is Level.ERROR for d in diagnostics):
        catalog = None
    return Validation(tuple(loaded.files), diagnostics, catalog, tuple(records))


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
