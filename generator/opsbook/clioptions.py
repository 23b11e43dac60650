"""Options that several `opsbook` commands share, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from opsbook.settings import DEFAULT_CONFIG

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
