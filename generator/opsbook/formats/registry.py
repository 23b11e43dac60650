"""Every foreign format, declared once: its reader (`opsbook import <format>`) and its
writer (`opsbook export <format>`), each with its own options and help. The CLI builds
one subcommand per entry, so each has its own `--help` and accepts only its own options.

The format modules are imported when a command runs, not when the CLI starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module to build its commands: keep it light
    from opsbook.core.diagnostics import Diagnostic
    from opsbook.model import Catalog
    from opsbook.model.layout import Layout


@dataclass(frozen=True)
class Option:
    """A command-line option of one format's command: `--name VALUE`, or a flag."""

    name: str
    help: str
    choices: tuple[str, ...] = ()
    default: str | None = None
    flag: bool = False
    metavar: str | None = None

    @property
    def key(self) -> str:
        """Its value's key in the options a reader or writer gets: `--site-url` → site_url."""
        return self.name.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Reader:
    """How `opsbook import <name>` reads a format: `read` turns the files into what they
    hold and the problems found at their positions; `make` turns that into definitions
    for the handbook (a `Report`), given the handbook's catalog and the options."""

    name: str
    help: str
    suffix: str
    """How the files it writes end: `<service><suffix>`."""
    service_help: str
    """What `--service` means for this format."""
    read: Callable[[list[Path]], tuple[Any, list[Diagnostic]]]
    make: Callable[[Any, Catalog, dict[str, Any]], Any]


@dataclass
class Written:
    """What an export did: notes for the reader of the terminal (what was left out), the
    files written, and a summary line."""

    notes: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    summary: str = ""
    refused: str | None = None
    """Why nothing was written (an error), or None."""


@dataclass(frozen=True)
class Writer:
    """How `opsbook export <name>` writes a format into `out` (default `default_out`)."""

    name: str
    help: str
    default_out: str
    out_help: str
    write: Callable[[Catalog, Layout, Path, dict[str, Any]], Written]
    options: tuple[Option, ...] = ()
    needs_site_url: bool = False
    """The writer links to the handbook's pages: `site_url` is given (--site-url, or
    `site_url` of mkdocs.yml)."""


# --- readers ----------------------------------------------------------------------------


def _read_prometheus(paths: list[Path]) -> tuple[Any, list[Diagnostic]]:
    from opsbook.formats.prometheus.read import read_rules

    return read_rules(paths)


def _make_prometheus(rules: Any, catalog: Catalog, options: dict[str, Any]) -> Any:
    from opsbook.formats.prometheus.make import ImportOptions, import_rules

    return import_rules(
        rules, catalog, ImportOptions(options["service"] or "group", options["owner"])
    )


def _read_flagd(paths: list[Path]) -> tuple[Any, list[Diagnostic]]:
    from opsbook.formats.flagd.read import read_flag_files

    return read_flag_files(paths)


def _make_flagd(entries: Any, catalog: Catalog, options: dict[str, Any]) -> Any:
    from opsbook.formats.flagd.make import import_flags

    return import_flags(entries, catalog, options["service"], options["owner"])


def _read_argo(paths: list[Path]) -> tuple[Any, list[Diagnostic]]:
    from opsbook.formats.argo.read import read_rollout_files

    rollouts, templates, others, problems = read_rollout_files(paths)
    return (rollouts, templates, others), problems


def _make_argo(read: Any, catalog: Catalog, options: dict[str, Any]) -> Any:
    from opsbook.formats.argo.make import import_rollouts

    rollouts, templates, others = read
    imported = import_rollouts(rollouts, templates, catalog, options["service"], options["owner"])
    imported.not_imported[:0] = others
    return imported


def _read_openslo(paths: list[Path]) -> tuple[Any, list[Diagnostic]]:
    from opsbook.formats.openslo.read import read_openslo_files

    return read_openslo_files(paths)


def _make_openslo(objects: Any, catalog: Catalog, options: dict[str, Any]) -> Any:
    from opsbook.formats.openslo.make import import_slos

    return import_slos(objects, catalog, options["service"], options["owner"])


READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        Reader(
            "prometheus",
            "Read alerting rules (rule files, PrometheusRule resources, Lists, several "
            "documents, JSON) and write one alert per alert name, with the services, team "
            "and severities they need.",
            ".alerts.yaml",
            "`group` (the rule group, the default), `namespace` (of a PrometheusRule), "
            "`label:NAME` (a label of the rule), or a fixed service id.",
            _read_prometheus,
            _make_prometheus,
        ),
        Reader(
            "flagd",
            "Read flagd flag files (JSON or YAML, flag sets, `$evaluators`) and write one "
            "flag per flag key.",
            ".flags.yaml",
            "a service id [default: the flag set's `flagSetId`, else the file's name].",
            _read_flagd,
            _make_flagd,
        ),
        Reader(
            "argo-rollouts",
            "Read Rollout resources (several documents, Lists) and write one rollout plan "
            "per Rollout.",
            ".rollouts.yaml",
            "a service id [default: the Rollout's name].",
            _read_argo,
            _make_argo,
        ),
        Reader(
            "openslo",
            "Read OpenSLO v1 SLO, SLI, Service and DataSource objects and write one SLO per "
            "objective into its service's `slos`.",
            ".slos.yaml",
            "a service id [default: each SLO's `spec.service`].",
            _read_openslo,
            _make_openslo,
        ),
    )
}
"""The formats `opsbook import` reads, by name."""


# --- writers ----------------------------------------------------------------------------


def _write_prometheus(
    catalog: Catalog, layout: Layout, out: Path, options: dict[str, Any]
) -> Written:
    from opsbook.formats.prometheus.write import export_rules, write_export

    exported = export_rules(catalog, layout, options["site_url"], options["kind"])
    notes = [f"opsbook: left out {level}: no PromQL `expr`" for level in exported.left_out]
    if options["strict"] and exported.left_out:
        count = len(exported.left_out)
        return Written(notes, refused=f"{count} alert level(s) have no `expr`; nothing was written")
    return Written(
        notes,
        write_export(exported, out),
        f"opsbook: {exported.rules} rule(s) in {len(exported.files)} file(s), "
        f"{len(exported.left_out)} level(s) left out",
    )


def _write_flagd(catalog: Catalog, layout: Layout, out: Path, options: dict[str, Any]) -> Written:
    from opsbook.formats.flagd.write import export_flags, write_flags

    exported = export_flags(catalog)
    return Written(
        [f"opsbook: not exported: {flag}" for flag in exported.left_out],
        write_flags(exported, out),
        f"opsbook: {len(exported.exported)} flag(s) exported, {len(exported.left_out)} not "
        "served by a flag system",
    )


def _write_argo(catalog: Catalog, layout: Layout, out: Path, options: dict[str, Any]) -> Written:
    from opsbook.formats.argo.write import PROMETHEUS, export_rollouts, write_rollouts

    exported = export_rollouts(catalog, options["prometheus_url"] or PROMETHEUS)
    return Written(
        [f"opsbook: {line}" for line in exported.left_out],
        write_rollouts(exported, out) if exported.files else [],
        f"opsbook: {len(exported.rollouts)} Rollout(s) and {exported.templates} "
        f"AnalysisTemplate(s) in {len(exported.files)} file(s), {len(exported.left_out)} "
        "thing(s) left out or changed",
    )


WRITERS: dict[str, Writer] = {
    writer.name: writer
    for writer in (
        Writer(
            "prometheus",
            "Write alerting rules, one rule per alert level, each with `runbook_url` set to "
            "its page; levels without a PromQL `expr` are listed and left out (exit 1 with "
            "--strict).",
            "prometheus",
            "The folder of rule files.",
            _write_prometheus,
            (
                Option(
                    "--kind",
                    "Plain rule files, or PrometheusRule resources for the Prometheus Operator.",
                    choices=("rules", "prometheusrule"),
                    default="rules",
                ),
                Option("--strict", "An alert level without `expr` is an error.", flag=True),
            ),
            needs_site_url=True,
        ),
        Writer(
            "flagd",
            "Write one flagd flag-definition file with the flags whose `served_by` is "
            "`flag-system`; the others are listed as not exported.",
            "flags.flagd.json",
            "The flag file.",
            _write_flagd,
        ),
        Writer(
            "argo-rollouts",
            "Write a Rollout per canary or blue-green rollout, with an AnalysisTemplate per "
            "gate that Prometheus can judge.",
            "argo-rollouts",
            "The folder of Rollouts.",
            _write_argo,
            (
                Option(
                    "--prometheus-url",
                    "The Prometheus the analysis templates query "
                    "[default: http://prometheus.monitoring.svc:9090].",
                    metavar="URL",
                ),
            ),
        ),
    )
}
"""The formats `opsbook export` writes, by name."""
