"""`opsbook checklist`: releases as code. Start a release of a rollout's checklist, tick
its items with who, when and evidence, and gate a promotion on its status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from opsbook.cli.common import CONFIG_OPTION
from opsbook.core.diagnostics import Level, UsageError, printable

if TYPE_CHECKING:
    from opsbook.model import Checklist, Rollout
    from opsbook.model.checkitems import CheckSection
    from opsbook.releases.records import Release

_BY_OPTION = click.option("--by", required=True, metavar="NAME", help="Who does it.")


@click.group()
def checklist() -> None:
    """Work through a rollout's checklist for one release, recorded in
    checklists/releases/<rollout>/<release>.yaml."""


def _open(config: Path, definition_id: str) -> tuple[Path, Rollout | Checklist]:
    """The releases folder and the rollout or checklist, from valid definitions."""
    from opsbook.check.validate import validate_paths
    from opsbook.publish.handbook import load_handbook
    from opsbook.releases.records import find_definition

    if not config.is_file():
        raise UsageError(
            f"{config}: no such file; `opsbook checklist` needs the handbook's mkdocs.yml"
        )
    handbook = load_handbook(config)
    result = validate_paths([handbook.definitions_path], handbook.settings)
    errors = [d for d in result.diagnostics if d.level is Level.ERROR]
    for diagnostic in errors:
        click.echo(diagnostic.format(), err=True)
    if result.catalog is None:
        click.echo(f"opsbook: {len(errors)} error(s) in the definitions; fix them first", err=True)
        sys.exit(1)
    releases = handbook.releases_root
    return releases, find_definition(result.catalog, definition_id)


@checklist.command()
@click.argument("definition_id", metavar="ROLLOUT")
@CONFIG_OPTION
def items(definition_id: str, config: Path) -> None:
    """List the item ids of ROLLOUT's checklist (a rollout or readiness checklist)."""
    from opsbook.model.checkitems import check_sections

    _, definition = _open(config, definition_id)
    for section in check_sections(definition):
        click.echo(printable(section.title))
        for check in section.checks:
            optional = "  (optional)" if not check.required else ""
            click.echo(printable(f"  {check.key}  {check.label}{optional}"))


@checklist.command()
@click.argument("definition_id", metavar="ROLLOUT")
@click.argument("version", metavar="VERSION")
@click.option("--by", metavar="NAME", help="Who starts it (recorded in the file).")
@CONFIG_OPTION
def start(definition_id: str, version: str, by: str | None, config: Path) -> None:
    """Start release VERSION of ROLLOUT: create its state file, with nothing ticked."""
    from opsbook.load.files import display_path
    from opsbook.releases.ticking import start_release

    folder, definition = _open(config, definition_id)
    target = start_release(folder, definition, version, by)
    click.echo(f"started {definition.id} {version}: {display_path(target)}")


@checklist.command()
@click.argument("definition_id", metavar="ROLLOUT")
@click.argument("version", metavar="VERSION")
@click.argument("keys", metavar="ITEM...", nargs=-1, required=True)
@_BY_OPTION
@click.option("--evidence", metavar="URL", help="A link that shows the item is done.")
@click.option("--waive", metavar="REASON", help="Skip the item, for this reason.")
@CONFIG_OPTION
def tick(
    definition_id: str,
    version: str,
    keys: tuple[str, ...],
    by: str,
    evidence: str | None,
    waive: str | None,
    config: Path,
) -> None:
    """Tick ITEMs of release VERSION of ROLLOUT, recording who and when.

    All items are ticked or, on any problem, none. `--waive` records the item as skipped
    with a reason instead of done.
    """
    from opsbook.releases.ticking import tick_items

    folder, definition = _open(config, definition_id)
    labels = tick_items(folder, definition, version, keys, by, evidence=evidence, waive=waive)
    verb = "waived" if waive is not None else "ticked"
    for key, label in zip(keys, labels, strict=True):
        click.echo(printable(f"{verb} {key}: {label}"))


@checklist.command()
@click.argument("definition_id", metavar="ROLLOUT")
@click.argument("version", metavar="VERSION")
@click.argument("keys", metavar="ITEM...", nargs=-1, required=True)
@_BY_OPTION
@CONFIG_OPTION
def untick(definition_id: str, version: str, keys: tuple[str, ...], by: str, config: Path) -> None:
    """Remove the ticks of ITEMs of release VERSION of ROLLOUT (a tick made by mistake)."""
    from opsbook.releases.ticking import tick_items

    folder, definition = _open(config, definition_id)
    tick_items(folder, definition, version, keys, by, untick=True)
    for key in keys:
        click.echo(f"unticked {key}")


@checklist.command()
@click.argument("definition_id", metavar="ROLLOUT")
@click.argument("version", metavar="VERSION")
@click.option(
    "--phase",
    metavar="PHASE",
    help="Only what must be done up to and including this phase (its id): the gate for "
    "promoting to the next one.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="`markdown` prints a task list for a release ticket.",
)
@CONFIG_OPTION
def status(
    definition_id: str, version: str, phase: str | None, output_format: str, config: Path
) -> None:
    """Print the progress of release VERSION of ROLLOUT.

    Exits 0 when no required item is open (waived items count as closed), 1 while some
    are: a CI step can gate a promotion on it.
    """
    from opsbook.model.checkitems import check_sections, task_list, tick_note
    from opsbook.releases.records import progress
    from opsbook.releases.ticking import read_release

    folder, definition = _open(config, definition_id)
    release = read_release(folder, definition, version)
    sections = _scope(check_sections(definition), phase)
    counts = progress(sections, release.ticks)
    if output_format == "json":
        click.echo(json.dumps(_as_json(release, sections), indent=2))
    elif output_format == "markdown":
        notes = {
            key: tick_note(t.by, t.when, t.evidence, t.waived) for key, t in release.ticks.items()
        }
        click.echo(task_list(release.title, sections, notes, version), nl=False)
    else:
        _print_status(release, sections, phase)
    if not counts.complete:
        sys.exit(1)


def _scope(sections: tuple[CheckSection, ...], phase: str | None) -> tuple[CheckSection, ...]:
    """All sections, or those up to and including the phase with id `phase`."""
    if phase is None:
        return sections
    ids = [s.phase.id.lower() for s in sections if s.phase is not None]
    if phase.lower() not in ids:
        raise UsageError(f"no phase `{phase}`; the phases are: {', '.join(ids)}")
    scope = []
    for section in sections:
        if section.part == "after-launch":
            break
        scope.append(section)
        if section.phase is not None and section.phase.id.lower() == phase.lower():
            break
    return tuple(scope)


def _print_status(release: Release, sections: tuple[CheckSection, ...], phase: str | None) -> None:
    from opsbook.releases.records import progress

    counts = progress(sections, release.ticks)
    scope = f" up to {phase}" if phase else ""
    waived = f" ({counts.waived} waived)" if counts.waived else ""
    state = (
        "complete: no required item open"
        if counts.complete
        else f"{counts.open_required} required item(s) open"
    )
    click.echo(
        printable(
            f"{release.title}, release {release.version}{scope}: "
            f"{counts.done} of {counts.total} done{waived}; {state}"
        )
    )
    for section in sections:
        part = progress((section,), release.ticks)
        mark = "done" if part.done == part.total else "open"
        click.echo(printable(f"  {mark}  {section.title}  {part.done}/{part.total}"))
        for check in section.checks:
            tick = release.ticks.get(check.key)
            if tick is None:
                optional = " (optional)" if not check.required else ""
                click.echo(printable(f"        [ ] {check.key}  {check.label}{optional}"))
            elif tick.waived is not None:
                click.echo(
                    printable(f"        [~] {check.key}  waived by {tick.by}: {tick.waived}")
                )


def _as_json(release: Release, sections: tuple[CheckSection, ...]) -> dict[str, object]:
    from opsbook.releases.records import progress

    counts = progress(sections, release.ticks)
    return {
        "checklist": release.definition.id,
        "release": release.version,
        "complete": counts.complete,
        "total": counts.total,
        "done": counts.done,
        "waived": counts.waived,
        "open_required": counts.open_required,
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "items": [
                    {
                        "id": check.key,
                        "label": check.label,
                        "required": check.required,
                        **_tick_json(release, check.key),
                    }
                    for check in section.checks
                ],
            }
            for section in sections
        ],
    }


def _tick_json(release: Release, key: str) -> dict[str, object]:
    tick = release.ticks.get(key)
    if tick is None:
        return {"done": False}
    return {
        "done": True,
        "by": tick.by,
        "at": tick.at,
        "evidence": tick.evidence,
        "waived": tick.waived,
    }
