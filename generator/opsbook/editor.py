"""Editor support: the bundled schema as a file, and scaffolds for new definitions."""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path

from opsbook import defaults
from opsbook.diagnostics import OpsbookError, UsageError
from opsbook.schema import bundled_schema

SCAFFOLD_KINDS = (
    "service", "team", "severity", "escalation", "flag", "alert", "rollout", "incident",
    "checklist",
)  # fmt: skip
_SERVICE_KINDS = frozenset({"flag", "alert", "rollout", "incident", "checklist"})


def schema_text() -> str:
    """The bundled schema as it is written to disk: stable, indented JSON."""
    return json.dumps(bundled_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> bool:
    """Write the schema to `path`; True when the file changed."""
    text = schema_text()
    if path.is_file() and path.read_text("utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return True


def modeline(target: Path, schema: Path) -> str:
    """The yaml-language-server comment that points `target` at `schema`."""
    relative = os.path.relpath(schema.resolve(), target.parent.resolve())
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def scaffold(
    kind: str, definition_id: str, *, directory: Path, schema: Path, service: str | None
) -> Path:
    """Write a new definitions file for one `kind` named `definition_id`; returns its path."""
    if kind not in SCAFFOLD_KINDS:
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(SCAFFOLD_KINDS)}")
    if not re.fullmatch(bundled_schema()["$defs"]["id"]["pattern"], definition_id):
        raise UsageError(
            f"{definition_id!r} is not a valid id: letters, digits, `_`, `-` and `.`, "
            "not starting with `.`"
        )
    target = directory / f"{definition_id}.yaml"
    if target.exists():
        raise OpsbookError(f"{target} already exists; nothing was written")
    body = (resources.files("opsbook") / "scaffolds" / f"{kind}.yaml").read_text("utf-8")
    header = modeline(target, schema) + f"apiVersion: {defaults.API_VERSION}\n"
    if kind in _SERVICE_KINDS:
        header += f"service: {service or 'TODO-service'}\n"
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(header + "\n" + body.replace("{id}", definition_id), "utf-8")
    return target
