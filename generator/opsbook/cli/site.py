"""The commands that make the handbook: `init`, `generate`, `build` and `serve`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from opsbook.cli.common import (
    CONFIG_OPTION,
    ENGINE_OPTION,
    TODAY_OPTION,
    print_problems,
    report,
    require,
)
from opsbook.core.diagnostics import OpsbookError
from opsbook.publish.engines import Tree

if TYPE_CHECKING:
    from opsbook.publish.handbook import Handbook


def _tree(handbook: Handbook) -> Tree:
    """The docs tree of the handbook, through the one pipeline, and what writing it would
    change; the problems printed, exit 1 on errors."""
    from opsbook.publish import pipeline

    output = pipeline.run(handbook, report=report)
    return Tree(pipeline.plan(handbook, output), handbook.sources, output.pages, output.nav)


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing stale files.")
@CONFIG_OPTION
@TODAY_OPTION
def generate(check: bool, config: Path, today: str | None) -> None:
    """Validate, then write the docs tree: the pages in runbooks/ and checklists/, the home
    page and assets/opsbook/ under docs/ and, beside mkdocs.yml, mkdocs.opsbook.yml with
    the navigation and overrides/main.html.

    Only generated files are replaced or removed; hand-written files are never touched.
    With --check, exits 1 when the committed files differ from the definitions.
    """
    from opsbook.publish.handbook import load_handbook
    from opsbook.publish.write import apply_plan

    handbook = load_handbook(config, today=today)
    plan = _tree(handbook).plan
    if check:
        for page in plan.stale:
            state = "to remove" if page in plan.remove else "stale"
            click.echo(f"{page}: {state}")
        if plan.stale:
            click.echo(
                f"opsbook: {len(plan.stale)} generated file(s) out of date; run `opsbook generate`",
                err=True,
            )
            sys.exit(1)
        return
    apply_plan(plan, handbook.root)
    _warn_engine_config(config)
    click.echo(
        f"generated {len(plan.write)} file(s), removed {len(plan.remove)}, "
        f"{plan.unchanged} unchanged"
    )


def _warn_engine_config(config: Path) -> None:
    """Say what the engine would miss in the handbook's mkdocs.yml, once per command."""
    from opsbook.publish.tree import config_problems

    for problem in config_problems(config):
        click.echo(f"warning: {problem}", err=True)


@click.command()
@CONFIG_OPTION
@TODAY_OPTION
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to publish [default: site_dir of mkdocs.yml, `site`].",
)
@ENGINE_OPTION
@click.option("-v", "--verbose", is_flag=True, help="Show mkdocs' progress too.")
def build(
    config: Path, today: str | None, site_dir: Path | None, engine: str, verbose: bool
) -> None:
    """Validate, write the docs tree (as `opsbook generate`), and build the site.

    The site is built in a new folder and swapped in only when the build succeeded: on
    any error the previous site, and the docs tree, stay as they were.
    """
    from opsbook.publish.engines import build_site, setup_logging
    from opsbook.publish.handbook import load_handbook

    require(config, "build")
    tree = _tree(load_handbook(config, today=today))
    _warn_engine_config(config)
    setup_logging(verbose)
    target = build_site(config, tree, engine, site_dir)
    click.echo(f"built {os.path.relpath(target)} with {engine}")


@click.command()
@CONFIG_OPTION
@click.option(
    "-a",
    "--dev-addr",
    metavar="IP:PORT",
    default="127.0.0.1:8000",
    show_default=True,
    help="Where to serve the preview.",
)
@ENGINE_OPTION
def serve(config: Path, dev_addr: str, engine: str) -> None:
    """Preview the handbook; editing ops/ or templates/ rebuilds and reloads the page."""
    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    from opsbook.publish.engines import quiet_material, setup_logging
    from opsbook.publish.handbook import load_handbook
    from opsbook.publish.preview import TreeWriter, serve_mirrored

    require(config, "serve")
    setup_logging(True)
    quiet_material()
    writer = TreeWriter(load_handbook(config), lambda line: click.echo(line, err=True))
    try:
        if engine == "mkdocs" and _names_plugin(config):
            # The plugin writes the tree itself, between mkdocs' rebuilds.
            mkdocs_serve(config_file=str(config), dev_addr=dev_addr, livereload=True)
        elif writer.write():
            serve_mirrored(config, dev_addr, writer, engine)
        else:
            sys.exit(1)
    except MkDocsException as exc:
        raise OpsbookError(str(exc)) from exc


def _names_plugin(config: Path) -> bool:
    """Whether mkdocs.yml lists the opsbook plugin (with or without options)."""
    from opsbook.load.settings import config_document

    plugins = config_document(config).get("plugins") or []
    return "opsbook" in plugins or any(isinstance(p, dict) and "opsbook" in p for p in plugins)


@click.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), required=False
)
@click.option(
    "--empty",
    is_flag=True,
    help="No sample service, alerts, flags or rollout: the policy (severities, one team "
    "to name and give its channels, an escalation policy) only.",
)
@TODAY_OPTION
def init(directory: Path, empty: bool, today: str | None) -> None:
    """Start a new handbook in DIRECTORY (default: here): mkdocs.yml, ops/ with one small
    service (with --empty, none), docs/, the schema, a pre-commit config, a CI workflow
    and .gitignore; then generate its Markdown. Existing files are never touched: it
    lists them and exits 1.
    """
    from opsbook.authoring.starter import init_handbook
    from opsbook.publish import pipeline
    from opsbook.publish.handbook import load_handbook
    from opsbook.publish.write import apply_plan

    written = init_handbook(directory, empty=empty)
    before = os.getcwd()
    os.chdir(directory)  # diagnostics and source links relative to the new handbook
    try:
        handbook = load_handbook(Path("mkdocs.yml"), today=today)
        output = pipeline.run(handbook)
        if not output.ok:  # the starter is tested; this would be a bug in opsbook
            print_problems(output.validation)
            raise OpsbookError("the starter handbook does not validate")
        plan = pipeline.plan(handbook, output)
        apply_plan(plan, handbook.root)
    finally:
        os.chdir(before)
    for name in written:
        click.echo(f"wrote {directory / name}")
    folders = ", ".join(f"{directory / f}/" for f in (*handbook.layout.folders, handbook.docs))
    click.echo(f"generated {len(plan.write)} file(s): the docs tree in {folders}")
    click.echo(
        f"next: cd {directory} && opsbook validate && opsbook build (then open site/index.html)"
    )
