"""Validation: load, check each document against the schema, then the cross-reference rules."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from opsbook.catalog import build_catalog
from opsbook.diagnostics import Diagnostic, Level, sort_diagnostics
from opsbook.loader import SourceFile, load_paths
from opsbook.model import Catalog
from opsbook.rules import check_files
from opsbook.schema import check_document


@dataclass(frozen=True)
class Validation:
    """What validation found: the loaded files, every diagnostic, and the catalog if valid."""

    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog | None

    @property
    def errors(self) -> int:
        return sum(d.level is Level.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.level is Level.WARNING for d in self.diagnostics)


def validate_paths(paths: Sequence[str | os.PathLike[str]]) -> Validation:
    """Validate every definitions file under `paths`, reporting all problems at once."""
    loaded = load_paths(paths)
    found = list(loaded.diagnostics)
    invalid: dict[str, set[tuple[str, int]]] = {}
    for source in loaded.files:
        problems, invalid[source.path] = check_document(source)
        found.extend(problems)
    # The rules also see files with schema errors (they walk documents defensively), so a
    # typo in one definition does not turn every reference to it into an error too.
    found.extend(check_files(loaded.files, invalid))
    diagnostics = tuple(sort_diagnostics(found))
    valid = not any(d.level is Level.ERROR for d in diagnostics)
    catalog = build_catalog(loaded.files) if valid else None
    return Validation(tuple(loaded.files), diagnostics, catalog)
