"""Defaults and limits, in one place."""

from __future__ import annotations

API_VERSION = "opsbook/v1"
"""The only definitions format this version reads."""

DEFAULT_DEFINITIONS_DIR = "ops"
"""Where `opsbook validate` looks when it is given no path."""

YAML_SUFFIXES = (".yaml", ".yml")

SCHEMA_FILE = "schemas/opsbook.schema.json"
"""Where `opsbook schema` writes the bundled schema; modelines in `ops/` point at it."""

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Larger files are refused unread: a definitions file is text written by people."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted; the schema needs about 8."""

MAX_ALIAS_NODES = 10_000
"""Nodes that aliases may repeat in one file, so an alias bomb is refused at once."""

SECTIONS = (
    "services",
    "teams",
    "severities",
    "escalations",
    "flags",
    "alerts",
    "rollouts",
    "incidents",
    "checklists",
)
"""Top-level sections of a definitions document, in the order pages present them."""
