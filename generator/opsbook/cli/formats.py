"""`opsbook import <format>` and `opsbook export <format>`: one command per format of the
formats' registry (`formats/registry.py`), each with only its own options."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from opsbook.cli.common import (
    CONFIG_OPTION,
    checked,
    only_errors,
    prepare,
    print_problems,
    site_address,
)
from opsbook.core import defaults
from opsbook.core.diagnostics import OpsbookError
from opsbook.formats.registry import READERS, WRITERS, Reader, Writer
from opsbook.formats.registry import Option as FormatOption

if TYPE_CHECKING:
    from opsbook.check.validate import Validation
    from opsbook.publish.handbook import Handbook


@click.group("export")
def export_group() -> None:
    """Write the handbook in another tool's format (one command per format)."""


def _export_command(writer: Writer) -> click.Command:
    """`opsbook export <format>`: the writer's own options, --out, and the handbook's."""

    def run(config: Path, out: Path | None, **options: Any) -> None:
        handbook, result = prepare(config, None)
        assert result.catalog is not None  # prepare exits on errors
        if writer.needs_site_url:
            options["site_url"] = site_address(options.get("site_url"), config)
        target = out or Path(writer.default_out)
        written = writer.write(result.catalog, handbook.layout, target, options)
        for note in written.notes:
            click.echo(note, err=True)
        if written.refused:
            raise OpsbookError(written.refused)
        for path in written.paths:
            click.echo(f"wrote {path}")
        click.echo(written.summary, err=True)

    params: list[click.Parameter] = [
        click.Option(
            ["--out"],
            type=click.Path(path_type=Path),
            help=f"{writer.out_help} [default: {writer.default_out}]",
        ),
        *(_click_option(option) for option in writer.options),
    ]
    if writer.needs_site_url:
        params.append(
            click.Option(
                ["--site-url"],
                metavar="URL",
                help="Where the handbook is published [default: site_url of mkdocs.yml].",
            )
        )
    command = click.Command(writer.name, callback=run, params=params, help=writer.help)
    return CONFIG_OPTION(command)


def _click_option(option: FormatOption) -> click.Option:
    """A format's own option as a click option."""
    if option.flag:
        return click.Option([option.name], is_flag=True, help=option.help)
    return click.Option(
        [option.name],
        type=click.Choice(option.choices) if option.choices else None,
        default=option.default,
        show_default=option.default is not None,
        metavar=option.metavar,
        help=option.help,
    )


@click.group("import")
def import_group() -> None:
    """Make handbook definitions from another tool's files (one command per format).

    Nothing is overwritten: definitions the handbook has are reported with how they
    differ; whatever does not map is listed. What the files cannot say is a TODO
    placeholder, reported as a warning until the definition is reviewed.
    """


def _import_command(reader: Reader) -> click.Command:
    """`opsbook import <format> PATHS…`: --out, --service (as this format reads it),
    --owner, and the handbook's."""

    def run(
        paths: tuple[Path, ...], out: Path | None, config: Path, strict: bool, **options: Any
    ) -> None:
        _import(reader, paths, out, config, options, strict=strict)

    params: list[click.Parameter] = [
        click.Argument(
            ["paths"], nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
        ),
        click.Option(
            ["--out"],
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder to write the definitions into [default: the handbook's definitions "
            "folder].",
        ),
        click.Option(
            ["--service"],
            metavar="SOURCE",
            help=f"The service of what is imported: {reader.service_help}",
        ),
        click.Option(
            ["--owner"],
            metavar="TEAM",
            help="The team that owns the services the import creates (made when the handbook "
            "has no such team) [default: the handbook's only team].",
        ),
        click.Option(
            ["--strict"],
            is_flag=True,
            help="All or nothing: when anything cannot be read or imported, write nothing.",
        ),
    ]
    help_text = (
        f"{reader.help}\n\nNothing is overwritten: definitions the handbook has are reported "
        "with how they differ; whatever does not map is listed. What the files cannot say is "
        "a TODO placeholder, reported as a warning until the definition is reviewed. What "
        "can be imported is written even when some of it cannot (unless --strict); the exit "
        "status is 1 whenever anything was left out."
    )
    command = click.Command(reader.name, callback=run, params=params, help=help_text)
    return CONFIG_OPTION(command)


def _import(
    reader: Reader,
    paths: tuple[Path, ...],
    out: Path | None,
    config: Path,
    options: dict[str, Any],
    *,
    strict: bool = False,
) -> None:
    """Read the files, make definitions, write them as new files, and keep them only when
    the handbook still validates. What cannot be read or imported is listed with where it
    is, the rest is written (with `strict`, nothing is), and the exit status is then 1."""
    from opsbook.formats.files import input_files
    from opsbook.formats.imports import private_sources

    handbook, result = prepare(config, None, count=False)
    assert result.catalog is not None  # prepare exits on errors
    read, problems = reader.read(input_files(list(paths)))
    if problems:
        print_problems(checked(problems))
        if strict:
            raise OpsbookError("--strict: some files cannot be read; nothing was written")
    imported = reader.make(read, result.catalog, options)
    private_sources(imported.documents, handbook.root)
    units = imported.units
    for line in (*imported.not_imported, *imported.not_kept, *imported.differences):
        click.echo(line)
    left_out = len(problems) + len(imported.not_imported) + len(imported.not_kept)
    if strict and left_out:
        raise OpsbookError(
            f"--strict: {left_out} thing(s) listed above cannot be imported; nothing was written"
        )
    after = _write_imported(reader, handbook, imported.documents, paths, out)
    click.echo(
        f"opsbook: imported {imported.counted}; created {_listed(imported.created)}; "
        f"{len(imported.not_imported)} {units[0]} not imported, {len(imported.not_kept)} "
        f"thing(s) not kept, {len(imported.differences)} {units[1]} already defined"
        + (f", {len(problems)} problem(s) reading the files" if problems else ""),
        err=True,
    )
    if after is not None:
        click.echo(
            f"opsbook: the handbook validates; {after.warnings} warning(s), each a TODO "
            "the import wrote (`opsbook validate` lists them)",
            err=True,
        )
    if left_out:
        raise OpsbookError(f"{left_out} thing(s) listed above were left out; the rest was imported")


for _writer in WRITERS.values():
    export_group.add_command(_export_command(_writer))
for _reader in READERS.values():
    import_group.add_command(_import_command(_reader))


def _write_imported(
    reader: Reader,
    handbook: Handbook,
    documents: dict[str, dict[str, Any]],
    paths: tuple[Path, ...],
    out: Path | None,
) -> Validation | None:
    """Write the new definitions as new files and validate the handbook with them; when it
    would not validate, remove them again (all or nothing). The validation, or None when
    nothing was written."""
    from opsbook.formats.files import definition_files, write_all
    from opsbook.formats.imports import private_path

    target = out or Path(handbook.definitions_path)
    schema = handbook.root / defaults.SCHEMA_FILE
    listed = ", ".join(private_path(path, handbook.root) for path in paths)
    header = (
        f"# Made by `opsbook import {reader.name}` from {listed}.\n"
        "# Review each definition, write what its TODOs ask, then remove its `imported` mark.\n"
    )
    files = definition_files(
        target, documents, header, schema if schema.is_file() else None, reader.suffix
    )
    written = write_all(target, files) if files else []
    after = handbook.validate() if written else None
    if after is not None and after.errors:
        for path in written:  # new files only (never a name that was taken): all or nothing
            Path(path).unlink(missing_ok=True)
        print_problems(only_errors(after))
        raise OpsbookError(
            "the imported definitions would not validate in this handbook; nothing was written"
        )
    for path in written:
        click.echo(f"wrote {path}")
    return after


def _listed(created: list[str], most: int = 5) -> str:
    """What an import created, by kind: `2 service(s) (a, b), 1 severity (info)`."""
    kinds: dict[str, list[str]] = {}
    for entry in created:
        kind, name = entry.split(" ", 1)
        kinds.setdefault(kind, []).append(name)
    parts = []
    for kind, names in sorted(kinds.items()):
        shown = ", ".join(sorted(names)[:most]) + (", …" if len(names) > most else "")
        parts.append(f"{len(names)} {kind}(s) ({shown})")
    return ", ".join(parts) or "nothing"
