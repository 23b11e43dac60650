"""The files of other tools: finding and reading them (with positions), and writing what
an export or an import makes, all the files or none of them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from opsbook.core.defaults import MAX_RULE_FILE_BYTES
from opsbook.core.diagnostics import Diagnostic, Level, OpsbookError
from opsbook.core.kinds import KINDS
from opsbook.core.yamltext import dump
from opsbook.load.compose import ComposeProblems, LoadProblem, compose_documents
from opsbook.load.files import decode, discover, display_path, read_file
from opsbook.load.nodes import Mark


def input_files(paths: list[Path]) -> list[Path]:
    """The files given, and under each folder given every `*.yaml`, `*.yml` and `*.json`
    file (hidden folders skipped), sorted."""
    found = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        found.extend(discover([path]))
        found.extend(
            sorted(
                candidate
                for candidate in path.rglob("*.json")
                if candidate.is_file()
                and not any(p.startswith(".") for p in candidate.relative_to(path).parts)
            )
        )
    return sorted(dict.fromkeys(found), key=str)


class Problems:
    """Collects the problems of one file under one rule, each at its position."""

    def __init__(self, shown: str, rule: str) -> None:
        self.shown = shown
        self.rule = rule
        self.found: list[Diagnostic] = []

    def __call__(self, mark: Mark, message: str) -> None:
        self.found.append(Diagnostic(self.shown, *mark, Level.ERROR, self.rule, message))


def read_documents(
    paths: list[Path], rule: str, problems: list[Diagnostic]
) -> list[tuple[str, list[Any]]]:
    """Each readable file as (its path as shown, its YAML or JSON documents with
    positions); what cannot be read is added to `problems` under `rule`, at its position."""
    read = []
    for path in paths:
        shown = display_path(path)
        try:
            documents = compose_documents(decode(read_file(path, MAX_RULE_FILE_BYTES)))
        except LoadProblem as exc:
            problems.append(Diagnostic(shown, *exc.mark, Level.ERROR, rule, exc.message))
            continue
        except ComposeProblems as exc:
            problems.extend(
                Diagnostic(shown, *each.mark, Level.ERROR, rule, each.message)
                for each in exc.problems
            )
            continue
        read.append((shown, documents))
    return read


def write_all(out: Path, files: dict[str, str]) -> list[str]:
    """Write `files` ({name: text}) into `out`: each into a temporary file first, then all
    renamed into place, so a failure part-way leaves nothing new behind. Returns the paths."""
    staged: list[tuple[Path, Path]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            target = out / name
            temporary = out / f".{name}.opsbook-tmp-{os.getpid()}"
            staged.append((temporary, target))
            temporary.write_text(text, "utf-8")
        for temporary, target in staged:
            os.replace(temporary, target)
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise OpsbookError(
            f"{exc.filename or out}: cannot write: {exc.strerror}; nothing was written"
        ) from exc
    return [str(out / name) for name in files]


def free_name(out: Path, stem: str, suffix: str, taken: set[str]) -> str:
    """`stem` + `suffix`, or the first `stem-2` + `suffix`, `stem-3` … that is neither a
    file in `out` nor in `taken`: an import adds files, it never replaces one."""
    name, number = f"{stem}{suffix}", 1
    while name in taken or (out / name).exists() or (out / name).is_symlink():
        number += 1
        name = f"{stem}-{number}{suffix}"
    return name


_SECTIONS = (
    "apiVersion",
    "service",
    *(kind.section for kind in KINDS if kind.page == "policy"),  # teams, severities, …
    *(kind.section for kind in KINDS if kind.page != "policy"),
)
"""The order of an imported file's keys: the policy (teams, severities) before the
services and the definitions that name them."""


def definition_files(
    out: Path,
    documents: dict[str, dict[str, Any]],
    header: str,
    schema: Path | None,
    suffix: str = ".alerts.yaml",
) -> dict[str, str]:
    """The definitions documents as new files for `out`: the one without a service
    (teams, severities) as `imported-policy.yaml`, each service's as
    `<service><suffix>`, numbered where a name is taken. Each starts with `header`
    (comment lines) and, when the handbook has its schema, the editor's schema line."""
    files: dict[str, str] = {}
    schema_line = ""
    if schema is not None:
        relative = Path(os.path.relpath(schema, out.resolve())).as_posix()
        schema_line = f"# yaml-language-server: $schema={relative}\n"
    for service in sorted(documents):
        document = documents[service]
        stem = service.lower() if service else "imported-policy"
        name = free_name(out, stem, suffix if service else ".yaml", set(files))
        ordered = {key: document[key] for key in _SECTIONS if key in document}
        files[name] = f"{schema_line}{header}{dump(ordered)}"
    return files
