"""`opsbook init`: a new handbook from the starter shipped with opsbook (`starter/`)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from opsbook.authoring.editor import schema_text
from opsbook.authoring.reference import reference_markdown
from opsbook.core import defaults
from opsbook.core.diagnostics import OpsbookError

RENAMED = {
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github": ".github",
}
"""Starter files kept without their leading dot in the package (package data globs skip
dot files), and the name each gets in the new handbook."""


class ExistingFiles(OpsbookError):
    """`opsbook init` would overwrite files; it writes nothing."""


SAMPLE = "ops/shop.yaml"
"""The starter's sample service; `opsbook init --empty` leaves it out."""


def starter_files(*, empty: bool = False) -> dict[str, str]:
    """Every file of the starter handbook: {path in the new handbook: text}. With
    `empty`, no sample service, and a policy whose one team has no name or contact to
    guess (`starter-empty/`)."""
    files: dict[str, str] = {}
    _collect(resources.files("opsbook") / "starter", "", files)
    if empty:
        del files[SAMPLE]
        _collect(resources.files("opsbook") / "starter-empty", "", files)
    files[defaults.SCHEMA_FILE] = schema_text()
    files[defaults.REFERENCE_FILE] = reference_markdown()
    return dict(sorted(files.items()))


def _collect(folder: Traversable, prefix: str, files: dict[str, str]) -> None:
    for entry in folder.iterdir():
        name = RENAMED.get(entry.name, entry.name) if not prefix else entry.name
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _collect(entry, f"{prefix}{name}/", files)
        else:
            files[f"{prefix}{name}"] = entry.read_text("utf-8")


def init_handbook(directory: Path, *, empty: bool = False) -> list[str]:
    """Write the starter handbook (`empty`: without its sample) into `directory`; returns
    the paths written. Refuses, and writes nothing, when any of them exists or generated
    output is already there."""
    files = starter_files(empty=empty)
    taken = [name for name in files if (directory / name).exists()]
    for folder in (defaults.RUNBOOKS_DIR, defaults.CHECKLISTS_DIR):
        if (directory / folder).exists():
            taken.append(folder)
    if taken:
        listed = "".join(f"\n  {directory / name}" for name in sorted(taken))
        raise ExistingFiles(
            f"{directory} already holds what `opsbook init` would write; nothing was "
            f"written:{listed}"
        )
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return list(files)
