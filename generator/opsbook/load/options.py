"""The `opsbook` plugin's options: one table of names, types and defaults.

The mkdocs plugin declares its typed config from this table, and the CLI checks the same
options with it, so a one-shot command such as `opsbook generate` never imports mkdocs.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import Any

from opsbook.core import defaults
from opsbook.core.diagnostics import UsageError


@dataclass(frozen=True)
class Option:
    """One option: the type its value must have, its default, and whether null is allowed."""

    kind: type
    default: Any = None
    optional: bool = False


OPTIONS: dict[str, Option] = {
    "definitions": Option(str, defaults.DEFAULT_DEFINITIONS_DIR),
    "runbooks": Option(str, defaults.RUNBOOKS_DIR),
    "checklists": Option(str, defaults.CHECKLISTS_DIR),
    "templates": Option(str, defaults.TEMPLATES_DIR),
    "source_url": Option(str, optional=True),
    "prometheus_url": Option(str, optional=True),
    "offline": Option(bool, True),
    "rules": Option(dict, {}),
    "today": Option(str, optional=True),
    "strict": Option(bool, False),
    "nav_limit": Option(int, defaults.NAV_LIMIT),
}

_NAMES = {str: "a string", bool: "true or false", dict: "a mapping", int: "a whole number"}


def check_options(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Every option with its default filled in; a UsageError naming each wrong value.

    Types are checked as mkdocs checks the plugin's config (`isinstance`), so the CLI and
    the plugin accept exactly the same settings. Unknown options are left to mkdocs, which
    warns about them when it builds.
    """
    checked: dict[str, Any] = {}
    problems = []
    for name, option in OPTIONS.items():
        value = raw.get(name)
        if value is None:  # absent or null: the default (a fresh copy of a mutable one)
            value = copy.copy(option.default)
        if value is None or isinstance(value, option.kind):
            checked[name] = value
        else:
            expected = _NAMES.get(option.kind, option.kind.__name__)
            if isinstance(value, datetime.date) and option.kind is str:
                # YAML reads an unquoted date as a date
                got = f'the date {value.isoformat()} (quote it: "{value.isoformat()}")'
            else:
                got = repr(value)
            problems.append(f"`{name}`: expected {expected}, got {got}")
    if problems:
        raise UsageError(f"{source}: opsbook plugin settings: {'; '.join(problems)}")
    return checked
