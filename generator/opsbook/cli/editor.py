"""The editor's commands: `schema` and `new`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from opsbook.cli.common import CONFIG_OPTION
from opsbook.core import defaults


@click.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="The JSON Schema for editors, or the Markdown reference of every kind and field.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write; `-` for standard output [default: {defaults.SCHEMA_FILE} for "
    f"json, {defaults.REFERENCE_FILE} for markdown].",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the file is stale.")
def schema(output_format: str, output: Path | None, check: bool) -> None:
    """Write the bundled opsbook/v1 JSON Schema for editors (yaml-language-server), or,
    with --format markdown, the reference of every kind and field made from it."""
    from opsbook.authoring.editor import schema_text, write_text

    if output_format == "json":
        text, default = schema_text(), defaults.SCHEMA_FILE
    else:
        from opsbook.authoring.reference import reference_markdown

        text, default = reference_markdown(), defaults.REFERENCE_FILE
    output = output or Path(default)
    if str(output) == "-":
        click.echo(text, nl=False)
    elif check:
        if not output.is_file() or output.read_text("utf-8") != text:
            flag = "" if output_format == "json" else " --format markdown"
            click.echo(f"{output} is stale; run `opsbook schema{flag}`", err=True)
            sys.exit(1)
    elif write_text(output, text):
        click.echo(f"wrote {output}")


@click.command()
@click.argument("kind")
@click.argument("definition_id", metavar="ID")
@click.option("--service", help="Service of the new flag, alert, rollout, incident or checklist.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the file into [default: the handbook's definitions, ops/].",
)
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(defaults.SCHEMA_FILE),
    show_default=True,
    help="The schema file the modeline points at.",
)
@CONFIG_OPTION
def new(
    kind: str,
    definition_id: str,
    service: str | None,
    directory: Path | None,
    schema_path: Path,
    config: Path,
) -> None:
    """Scaffold DIRECTORY/ID.yaml for a new definition of KIND (alert, flag, rollout, …).

    The file starts with a yaml-language-server modeline. Its service, owner, severities,
    escalation policy and channels are taken from the handbook's definitions; every TODO
    left in it is reported by `opsbook validate` until it is filled in.
    """
    from opsbook.authoring.editor import scaffold
    from opsbook.load.files import load_paths
    from opsbook.publish.handbook import load_handbook

    folder = load_handbook(config).definitions_path
    handbook = load_paths([folder]).files if Path(folder).is_dir() else []
    target = scaffold(
        kind,
        definition_id,
        directory=directory or Path(folder),
        schema=schema_path,
        service=service,
        handbook=handbook,
    )
    click.echo(f"wrote {target}")
