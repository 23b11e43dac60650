"""The checking commands: `validate`, `rules` and `check-rules`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from opsbook.cli.common import (
    CONFIG_OPTION,
    FORMAT_OPTION,
    SITE_URL_OPTION,
    TODAY_OPTION,
    format_name,
    prepare,
    print_problems,
    site_address,
)
from opsbook.core import collector


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@FORMAT_OPTION
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@TODAY_OPTION
@CONFIG_OPTION
def validate(
    paths: tuple[str, ...],
    output_format: str | None,
    strict: bool,
    today: str | None,
    config: Path,
) -> None:
    """Check definitions (default: the handbook's, ops/) and release records (default:
    checklists/releases/), and print every problem at once.

    Release state files given as PATHS are checked against the handbook's definitions.
    Exits 0 when there are no errors, 1 when problems were found, 2 on usage errors.
    """
    from opsbook.check.reporters import REPORTER_BY_NAME
    from opsbook.check.validate import validate_selection
    from opsbook.publish.handbook import load_handbook

    handbook = load_handbook(config, strict=strict, today=today)
    folders = (handbook.definitions_path, handbook.releases_path)
    with collector.settling():  # what was loaded lives to the command's end
        result, hidden = validate_selection(paths, *folders, handbook.settings)
    output_format = format_name(output_format)
    if output_format == "text":
        print_problems(result, hidden)
    else:
        click.echo(REPORTER_BY_NAME[output_format](result), nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary:
        # GitHub shows 10 annotations per step; the job summary carries the whole list.
        from opsbook.check.reporters import report_markdown

        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report_markdown(result))
    if result.errors:
        sys.exit(1)


@click.command("rules")
def list_rules() -> None:
    """List every rule: id, stage, default level, whether projects may change it, and why."""
    from opsbook.core.ruleset import RULES

    width = max(len(rule_id) for rule_id in RULES)
    for rule in RULES.values():
        changeable = "configurable" if rule.configurable else "fixed"
        click.echo(
            f"{rule.id:<{width}}  {rule.stage:<10}  {rule.level.value:<7}  {changeable:<12}  "
            f"{rule.rationale}"
        )


@click.command("check-rules")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@SITE_URL_OPTION
@FORMAT_OPTION
@CONFIG_OPTION
def check_rules_command(
    paths: tuple[Path, ...], site_url: str | None, output_format: str | None, config: Path
) -> None:
    """Check a team's own Prometheus rule files against the handbook: every alerting rule
    has a runbook page, its runbook_url is that page, and its severity is documented.
    Documented alerts that no rule fires are warnings. Exit 1 on errors."""
    from opsbook.check.reporters import REPORTER_BY_NAME
    from opsbook.check.validate import Validation
    from opsbook.core.diagnostics import sort_diagnostics
    from opsbook.formats.files import input_files
    from opsbook.formats.prometheus.check import check_rules
    from opsbook.formats.prometheus.read import read_rules

    handbook, result = prepare(config, None)
    address = site_address(site_url, config)
    assert result.catalog is not None  # prepare exits on errors
    rules, problems = read_rules(input_files(list(paths)))
    found = problems + check_rules(rules, result.catalog, handbook.layout, address)
    checked = Validation((), tuple(sort_diagnostics(found)), None)
    click.echo(REPORTER_BY_NAME[format_name(output_format)](checked), nl=False)
    click.echo(
        f"opsbook: {len(rules)} rule(s) checked: {checked.errors} error(s), "
        f"{checked.warnings} warning(s)",
        err=True,
    )
    if checked.errors:
        sys.exit(1)
