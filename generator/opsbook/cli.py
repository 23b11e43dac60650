"""The `opsbook` command line: a thin adapter over the library functions."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from opsbook import collector, defaults
from opsbook.clioptions import CONFIG_OPTION, FORMAT_OPTION, SITE_URL_OPTION
from opsbook.diagnostics import OpsbookError, UsageError
from opsbook.formats.registry import READERS, WRITERS, Reader, Writer
from opsbook.formats.registry import Option as FormatOption
from opsbook.site import ENGINES, Tree

if TYPE_CHECKING:
    from opsbook.handbook import Handbook
    from opsbook.validate import Validation


class _Group(click.Group):
    """Turns every user-facing error, opsbook's and click's (a wrong option or argument),
    into one style of message, `opsbook: error: …`, and its exit code, in one place."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except OpsbookError as exc:
            click.echo(f"opsbook: error: {exc}", err=True)
            ctx.exit(exc.exit_code)

    def main(  # type: ignore[override, unused-ignore]  # overloads differ by click version
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            ended = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"Try '{exc.ctx.command_path} -h' for help.", err=True)
            click.echo(f"opsbook: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"opsbook: error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("opsbook: error: aborted", err=True)
            sys.exit(1)
        sys.exit(ended if isinstance(ended, int) else 0)


_TODAY_OPTION = click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The date that expiry and review rules compare with, for reproducible CI runs.",
)

_ENGINE_OPTION = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=ENGINES[0],
    show_default=True,
    help="The site engine: mkdocs(-material), or Zensical (`pip install 'opsbook[zensical]'`).",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsbook")
def cli() -> None:
    """Docs-as-code for operations teams: validate and render ops definitions."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@FORMAT_OPTION
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@_TODAY_OPTION
@CONFIG_OPTION
def validate(
    paths: tuple[str, ...],
    output_format: str | None,
    strict: bool,
    today: str | None,
    config: Path,
) -> None:
    """Check definitions (default: the handbook's, ops/) and release records (default:
    docs/checklists/releases/), and print every problem at once.

    Release state files given as PATHS are checked against the handbook's definitions.
    Exits 0 when there are no errors, 1 when problems were found, 2 on usage errors.
    """
    from opsbook.handbook import load_handbook
    from opsbook.reporters import REPORTER_BY_NAME
    from opsbook.validate import validate_selection

    handbook = load_handbook(config, strict=strict, today=today)
    folders = (handbook.definitions_path, handbook.releases_path)
    with collector.settling():  # what was loaded lives to the command's end
        result, hidden = validate_selection(paths, *folders, handbook.settings)
    output_format = _format_name(output_format)
    if output_format == "text":
        _print_problems(result, hidden)
    else:
        click.echo(REPORTER_BY_NAME[output_format](result), nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary:
        # GitHub shows 10 annotations per step; the job summary carries the whole list.
        from opsbook.reporters import report_markdown

        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report_markdown(result))
    if result.errors:
        sys.exit(1)


def _format_name(output_format: str | None) -> str:
    """The reporter asked for, or the one that fits where the command runs."""
    if output_format is not None:
        return output_format
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _site_address(site_url: str | None, config: Path) -> str:
    """Where the handbook is published: --site-url, or the site_url of mkdocs.yml."""
    from opsbook.settings import site_url as configured_site_url

    address = site_url or configured_site_url(config)
    if not address:
        raise UsageError(
            "runbook_url needs the handbook's address: set `site_url` in mkdocs.yml or "
            "pass --site-url"
        )
    return address


def _print_problems(result: Validation, hidden: int = 0) -> None:
    """Every diagnostic as `file:line:col: level [rule] message`, then a one-line summary
    on stderr (also when there is nothing to report, so a clean run says it ran)."""
    if result.diagnostics:
        from opsbook.reporters import REPORTER_BY_NAME

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


def _require(config: Path, command: str) -> None:
    if not config.is_file():
        raise UsageError(
            f"{config}: no such file; `opsbook {command}` needs the handbook's mkdocs.yml"
        )


def _prepare(
    config: Path, today: str | None, *, warnings: bool = True
) -> tuple[Handbook, Validation]:
    """Load the handbook and validate its definitions; exit 1 on errors (with
    `warnings=False`, only errors are printed)."""
    from opsbook.handbook import load_handbook

    handbook = load_handbook(config, today=today)
    with collector.settling():  # the definitions and the catalog live to the command's end
        result = handbook.validate()
    _report(result, warnings)
    return handbook, result


def _report(result: Validation, warnings: bool = True) -> None:
    """Print the problems of a validation (only its errors, with `warnings=False`); exit 1
    when there are errors."""
    if warnings or result.errors:
        _print_problems(result if warnings else _only_errors(result))
    if result.errors:
        sys.exit(1)


def _tree(handbook: Handbook) -> Tree:
    """The docs tree of the handbook, through the one pipeline, and what writing it would
    change; the problems printed, exit 1 on errors."""
    from opsbook import pipeline

    output = pipeline.run(handbook)
    _report(output.validation)
    return Tree(pipeline.plan(handbook, output), handbook.docs, output.pages, output.nav)


@cli.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing stale files.")
@CONFIG_OPTION
@_TODAY_OPTION
def generate(check: bool, config: Path, today: str | None) -> None:
    """Validate, then write the docs tree: the pages under docs/ (runbooks/, checklists/,
    the home page, assets/opsbook/) and, beside mkdocs.yml, mkdocs.opsbook.yml with the
    navigation and overrides/main.html. Any engine that reads mkdocs.yml builds it.

    Only generated files are replaced or removed; hand-written files are never touched.
    With --check, exits 1 when the committed files differ from the definitions.
    """
    from opsbook.generate import apply_plan
    from opsbook.handbook import load_handbook

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
    from opsbook.tree import config_problems

    for problem in config_problems(config):
        click.echo(f"warning: {problem}", err=True)


@cli.command()
@CONFIG_OPTION
@_TODAY_OPTION
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to publish [default: site_dir of mkdocs.yml, `site`].",
)
@_ENGINE_OPTION
@click.option("-v", "--verbose", is_flag=True, help="Show mkdocs' progress too.")
def build(
    config: Path, today: str | None, site_dir: Path | None, engine: str, verbose: bool
) -> None:
    """Validate, write the docs tree (as `opsbook generate`), and build the site.

    The site is built in a new folder and swapped in only when the build succeeded: on
    any error the previous site, and the docs tree, stay as they were.
    """
    from opsbook.handbook import load_handbook
    from opsbook.site import build_site, setup_logging

    _require(config, "build")
    tree = _tree(load_handbook(config, today=today))
    _warn_engine_config(config)
    setup_logging(verbose)
    target = build_site(config, tree, engine, site_dir)
    click.echo(f"built {os.path.relpath(target)} with {engine}")


@cli.command()
@CONFIG_OPTION
@click.option(
    "-a",
    "--dev-addr",
    metavar="IP:PORT",
    default="127.0.0.1:8000",
    show_default=True,
    help="Where to serve the preview.",
)
@_ENGINE_OPTION
def serve(config: Path, dev_addr: str, engine: str) -> None:
    """Preview the handbook; editing ops/ or templates/ rebuilds and reloads the page."""
    import threading

    from mkdocs.commands.serve import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    from opsbook.handbook import load_handbook
    from opsbook.preview import TreeWriter, serve_zensical, watch
    from opsbook.site import quiet_material, setup_logging

    _require(config, "serve")
    setup_logging(True)
    quiet_material()
    writer = TreeWriter(load_handbook(config), lambda line: click.echo(line, err=True))
    with_plugin = engine == "mkdocs" and _names_plugin(config)
    if not with_plugin and not writer.write():
        sys.exit(1)
    if engine == "zensical":
        serve_zensical(config, dev_addr, writer)
        return
    stop = threading.Event()
    if not with_plugin:  # the plugin writes the tree itself, between mkdocs' rebuilds
        threading.Thread(target=watch, args=(writer, stop), daemon=True).start()
    try:
        mkdocs_serve(config_file=str(config), dev_addr=dev_addr, livereload=True)
    except MkDocsException as exc:
        raise OpsbookError(str(exc)) from exc
    finally:
        stop.set()


def _names_plugin(config: Path) -> bool:
    """Whether mkdocs.yml lists the opsbook plugin (with or without options)."""
    from opsbook.settings import config_document

    plugins = config_document(config).get("plugins") or []
    return "opsbook" in plugins or any(isinstance(p, dict) and "opsbook" in p for p in plugins)


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


@cli.command()
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
    from opsbook.editor import schema_text, write_text

    if output_format == "json":
        text, default = schema_text(), defaults.SCHEMA_FILE
    else:
        from opsbook.reference import reference_markdown

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


@cli.command()
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
    from opsbook.editor import scaffold
    from opsbook.handbook import load_handbook
    from opsbook.loader import load_paths

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


@cli.group("export")
def export_group() -> None:
    """Write the handbook in another tool's format (one command per format)."""


def _export_command(writer: Writer) -> click.Command:
    """`opsbook export <format>`: the writer's own options, --out, and the handbook's."""

    def run(config: Path, out: Path | None, **options: Any) -> None:
        handbook, result = _prepare(config, None)
        assert result.catalog is not None  # _prepare exits on errors
        if writer.needs_site_url:
            options["site_url"] = _site_address(options.get("site_url"), config)
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


@cli.group("import")
def import_group() -> None:
    """Make handbook definitions from another tool's files (one command per format).

    Nothing is overwritten: definitions the handbook has are reported with how they
    differ; whatever does not map is listed. What the files cannot say is a TODO
    placeholder, reported as a warning until the definition is reviewed.
    """


def _import_command(reader: Reader) -> click.Command:
    """`opsbook import <format> PATHS…`: --out, --service (as this format reads it),
    --owner, and the handbook's."""

    def run(paths: tuple[Path, ...], out: Path | None, config: Path, **options: Any) -> None:
        _import(reader, paths, out, config, options)

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
    ]
    help_text = (
        f"{reader.help}\n\nNothing is overwritten: definitions the handbook has are reported "
        "with how they differ; whatever does not map is listed. What the files cannot say is "
        "a TODO placeholder, reported as a warning until the definition is reviewed."
    )
    command = click.Command(reader.name, callback=run, params=params, help=help_text)
    return CONFIG_OPTION(command)


def _import(
    reader: Reader, paths: tuple[Path, ...], out: Path | None, config: Path, options: dict[str, Any]
) -> None:
    """Read the files, make definitions, write them as new files, and keep them only when
    the handbook still validates (all or nothing)."""
    from opsbook.formats.files import definition_files, input_files, write_all

    handbook, result = _prepare(config, None, warnings=False)
    assert result.catalog is not None  # _prepare exits on errors
    read, problems = reader.read(input_files(list(paths)))
    if problems:
        _print_problems(_checked(problems))
        raise OpsbookError("the files cannot be read; nothing was written")
    imported = reader.make(read, result.catalog, options)
    units = imported.units
    for line in (*imported.not_imported, *imported.not_kept, *imported.differences):
        click.echo(line)
    target = out or Path(handbook.definitions_path)
    schema = handbook.root / defaults.SCHEMA_FILE
    listed = ", ".join(str(path) for path in paths)
    header = (
        f"# Made by `opsbook import {reader.name}` from {listed}.\n"
        "# Review each definition, write what its TODOs ask, then remove its `imported` mark.\n"
    )
    files = definition_files(
        target, imported.documents, header, schema if schema.is_file() else None, reader.suffix
    )
    written = write_all(target, files) if files else []
    after = handbook.validate() if written else None
    if after is not None and after.errors:
        for path in written:  # new files only (never a name that was taken): all or nothing
            Path(path).unlink(missing_ok=True)
        _print_problems(_only_errors(after))
        raise OpsbookError(
            "the imported definitions would not validate in this handbook; nothing was written"
        )
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"opsbook: imported {imported.counted}; created {_listed(imported.created)}; "
        f"{len(imported.not_imported)} {units[0]} not imported, {len(imported.not_kept)} "
        f"thing(s) not kept, {len(imported.differences)} {units[1]} already defined",
        err=True,
    )
    if after is not None:
        click.echo(
            f"opsbook: the handbook validates; {after.warnings} warning(s), each a TODO "
            "the import wrote (`opsbook validate` lists them)",
            err=True,
        )


for _writer in WRITERS.values():
    export_group.add_command(_export_command(_writer))
for _reader in READERS.values():
    import_group.add_command(_import_command(_reader))


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


def _only_errors(result: Validation) -> Validation:
    from opsbook.diagnostics import Level
    from opsbook.validate import Validation

    errors = tuple(d for d in result.diagnostics if d.level is Level.ERROR)
    return Validation(result.files, errors, result.catalog)


def _checked(found: list[Any]) -> Validation:
    from opsbook.diagnostics import sort_diagnostics
    from opsbook.validate import Validation

    return Validation((), tuple(sort_diagnostics(found)), None)


@cli.command("check-rules")
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
    from opsbook.diagnostics import sort_diagnostics
    from opsbook.formats.files import input_files
    from opsbook.formats.prometheus import check_rules, read_rules
    from opsbook.reporters import REPORTER_BY_NAME
    from opsbook.validate import Validation

    handbook, result = _prepare(config, None)
    address = _site_address(site_url, config)
    assert result.catalog is not None  # _prepare exits on errors
    rules, problems = read_rules(input_files(list(paths)))
    found = problems + check_rules(rules, result.catalog, handbook.layout, address)
    checked = Validation((), tuple(sort_diagnostics(found)), None)
    click.echo(REPORTER_BY_NAME[_format_name(output_format)](checked), nl=False)
    click.echo(
        f"opsbook: {len(rules)} rule(s) checked: {checked.errors} error(s), "
        f"{checked.warnings} warning(s)",
        err=True,
    )
    if checked.errors:
        sys.exit(1)


@cli.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), required=False
)
@_TODAY_OPTION
def init(directory: Path, today: str | None) -> None:
    """Start a new handbook in DIRECTORY (default: here): mkdocs.yml, ops/ with one small
    service, docs/, the schema, a pre-commit config, a CI workflow and .gitignore; then
    generate its Markdown. Existing files are never touched: it lists them and exits 1.
    """
    from opsbook import pipeline
    from opsbook.generate import apply_plan
    from opsbook.handbook import load_handbook
    from opsbook.starter import init_handbook

    written = init_handbook(directory)
    before = os.getcwd()
    os.chdir(directory)  # diagnostics and source links relative to the new handbook
    try:
        handbook = load_handbook(Path("mkdocs.yml"), today=today)
        output = pipeline.run(handbook)
        if not output.ok:  # the starter is tested; this would be a bug in opsbook
            _print_problems(output.validation)
            raise OpsbookError("the starter handbook does not validate")
        plan = pipeline.plan(handbook, output)
        apply_plan(plan, handbook.root)
    finally:
        os.chdir(before)
    for name in written:
        click.echo(f"wrote {directory / name}")
    click.echo(f"generated {len(plan.write)} file(s): the docs tree in {directory / handbook.docs}")
    click.echo(
        f"next: cd {directory} && opsbook validate && opsbook build (then open site/index.html)"
    )


def _add_checklist_commands() -> None:
    from opsbook.checklist_cli import checklist

    cli.add_command(checklist)


_add_checklist_commands()


def main() -> None:
    """Console entry point."""
    try:
        cli(prog_name="opsbook")  # click ends with sys.exit
    except SystemExit as ending:
        _leave(ending.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Exit without Python's teardown, which would free the loaded definitions object by
    object (40 ms at 4,200 alerts) where the operating system takes the memory back at
    once. Exit handlers still run and the output is flushed, as on a normal exit."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
    status = code if isinstance(code, int) else 0 if code is None else 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to say there
            stream.flush()
    os._exit(status)
