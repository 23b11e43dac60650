"""The `opsbook` command line: a thin adapter over the library functions."""

from __future__ import annotations

import sys

import click

from opsbook import defaults
from opsbook.diagnostics import OpsbookError


class _Group(click.Group):
    """Turns every user-facing opsbook error into a message and its exit code, in one place."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except OpsbookError as exc:
            click.echo(f"opsbook: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsbook")
def cli() -> None:
    """Docs-as-code for operations teams: validate and render ops definitions."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the problems.",
)
def validate(paths: tuple[str, ...], output_format: str) -> None:
    """Check definitions (default: ops/) and print every problem at once.

    Exits 0 when there are no errors, 1 when problems were found, 2 on usage errors.
    """
    from opsbook.reporters import REPORTER_BY_NAME
    from opsbook.validate import validate_paths

    result = validate_paths(paths or (defaults.DEFAULT_DEFINITIONS_DIR,))
    if result.diagnostics or output_format != "text":
        click.echo(REPORTER_BY_NAME[output_format](result), nl=False)
    if result.errors:
        if output_format == "text":
            files = len({d.path for d in result.diagnostics})
            click.echo(
                f"opsbook: {result.errors} error(s), {result.warnings} warning(s) "
                f"in {files} file(s)",
                err=True,
            )
        sys.exit(1)


def main() -> None:
    """Console entry point."""
    cli(prog_name="opsbook")
