"""The `opsbook` command line: a thin adapter over the library functions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from opsbook import defaults
from opsbook.diagnostics import OpsbookError
from opsbook.settings import DEFAULT_CONFIG


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
    type=click.Choice(["text", "json", "github", "sarif", "gitlab", "junit"]),
    default=None,
    help="How to print the problems [default: github under GitHub Actions, else text].",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The date that expiry and review rules compare with, for reproducible CI runs.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="mkdocs.yml whose `opsbook` plugin entry sets rule levels.",
)
def validate(
    paths: tuple[str, ...],
    output_format: str | None,
    strict: bool,
    today: str | None,
    config: Path,
) -> None:
    """Check definitions (default: ops/) and print every problem at once.

    Exits 0 when there are no errors, 1 when problems were found, 2 on usage errors.
    """
    from opsbook.reporters import REPORTER_BY_NAME
    from opsbook.settings import load_settings
    from opsbook.validate import validate_paths

    settings = load_settings(config, strict=strict, today=today)
    result = validate_paths(paths or (defaults.DEFAULT_DEFINITIONS_DIR,), settings)
    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if result.diagnostics or output_format != "text":
        click.echo(REPORTER_BY_NAME[output_format](result), nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary:
        # GitHub shows 10 annotations per step; the job summary carries the whole list.
        from opsbook.reporters import report_markdown

        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report_markdown(result))
    if result.diagnostics and output_format == "text":
        files = len({d.path for d in result.diagnostics})
        click.echo(
            f"opsbook: {result.errors} error(s), {result.warnings} warning(s) in {files} file(s)",
            err=True,
        )
    if result.errors:
        sys.exit(1)


@cli.command("rules")
def list_rules() -> None:
    """List every rule: id, stage, default level, whether projects may change it, and why."""
    from opsbook.ruleset import RULES

    width = max(len(rule_id) for rule_id in RULES)
    for rule in RULES.values():
        changeable = "configurable" if rule.configurable else "fixed"
        click.echo(
            f"{rule.id:<{width}}  {rule.stage:<10}  {rule.level.value:<7}  {changeable:<12}  "
            f"{rule.rationale}"
        )


def main() -> None:
    """Console entry point."""
    cli(prog_name="opsbook")
