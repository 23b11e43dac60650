"""What the commands share: their common options, loading and validating the handbook,
and printing problems. Errors become exit codes in one place, the group in `__init__`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from opsbook.core import collector
from opsbook.core.diagnostics import UsageError
from opsbook.load.settings import DEFAULT_CONFIG
from opsbook.publish.engines import ENGINES

if TYPE_CHECKING:
    from opsbook.check.validate import Validation
    from opsbook.publish.handbook import Handbook

CONFIG_OPTION = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The handbook's mkdocs.yml; its `opsbook` plugin entry holds the settings.",
)

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github", "sarif", "gitlab", "junit"]),
    default=None,
    help="How to print the problems [default: github under GitHub Actions, else text].",
)

SITE_URL_OPTION = click.option(
    "--site-url",
    metavar="URL",
    help="Where the handbook is published [default: site_url of mkdocs.yml].",
)

TODAY_OPTION = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The date that expiry and review rules compare with, for reproducible CI runs.",
)

ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=ENGINES[0],
    show_default=True,
    help="The site engine: mkdocs(-material), or Zensical (`pip install 'opsbook[zensical]'`).",
)


def format_name(output_format: str | None) -> str:
    """The reporter asked for, or the one that fits where the command runs."""
    if output_format is not None:
        return output_format
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def site_address(site_url: str | None, config: Path) -> str:
    """Where the handbook is published: --site-url, or the site_url of mkdocs.yml."""
    from opsbook.load.settings import site_url as configured_site_url

    address = site_url or configured_site_url(config)
    if not address:
        raise UsageError(
            "runbook_url needs the handbook's address: set `site_url` in mkdocs.yml or "
            "pass --site-url"
        )
    return address


def print_problems(result: Validation, hidden: int = 0) -> None:
    """Every diagnostic as `file:line:col: level [rule] message`, then a one-line summary
    on stderr (also when there is nothing to report, so a clean run says it ran)."""
    if result.diagnostics:
        from opsbook.check.reporters import REPORTER_BY_NAME

        click.echo(REPORTER_BY_NAME["text"](result), nl=False)
        files = len({d.path for d in result.diagnostics})
        summary = (
            f"opsbook: {result.errors} error(s), {result.warnings} warning(s) in {files} file(s)"
        )
    else:
        summary = f"opsbook: no problems in {len(result.files)} definitions file(s)"
    if hidden:
        summary += f"; {hidden} error(s) in files not given are not shown"
    click.echo(summary, err=True)


def require(config: Path, command: str) -> None:
    if not config.is_file():
        raise UsageError(
            f"{config}: no such file; `opsbook {command}` needs the handbook's mkdocs.yml"
        )


def prepare(config: Path, today: str | None, *, count: bool = True) -> tuple[Handbook, Validation]:
    """Load the handbook and validate its definitions; exit 1 on errors (see `report`)."""
    from opsbook.publish.handbook import load_handbook

    handbook = load_handbook(config, today=today)
    with collector.settling():  # the definitions and the catalog live to the command's end
        result = handbook.validate()
    report(result, count=count)
    return handbook, result


def report(result: Validation, *, count: bool = True) -> None:
    """For commands about something else than the definitions (generate, build, export,
    check-rules, import): print the errors, which stop the command (exit 1), and the
    warnings only as a count (`opsbook validate` lists them); with `count=False`, not even
    that."""
    if result.errors:
        print_problems(only_errors(result))
    if result.warnings and count:
        click.echo(
            f"opsbook: {result.warnings} warning(s) in the definitions; "
            "`opsbook validate` lists them",
            err=True,
        )
    if result.errors:
        sys.exit(1)


def only_errors(result: Validation) -> Validation:
    from opsbook.check.validate import Validation
    from opsbook.core.diagnostics import Level

    errors = tuple(d for d in result.diagnostics if d.level is Level.ERROR)
    return Validation(result.files, errors, result.catalog)


def checked(found: list[Any]) -> Validation:
    from opsbook.check.validate import Validation
    from opsbook.core.diagnostics import sort_diagnostics

    return Validation((), tuple(sort_diagnostics(found)), None)
