"""Project settings: rule levels from the `opsbook` plugin entry of `mkdocs.yml`."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from opsbook.core.defaults import DOCS_DIR
from opsbook.core.diagnostics import Level, UsageError
from opsbook.core.ruleset import RULES

DEFAULT_CONFIG = "mkdocs.yml"
_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "off": None}


@dataclass(frozen=True)
class Settings:
    """How validation reports: rule levels (None switches a rule off), strictness, today."""

    levels: dict[str, Level | None] = field(default_factory=dict)
    strict: bool = False
    today: str = field(default_factory=lambda: datetime.date.today().isoformat())


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` and `!ENV` tags are not ours to run."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def plugin_config(config: Path) -> dict[str, Any]:
    """The options of the `opsbook` plugin in a mkdocs.yml, or {} when absent."""
    if not config.is_file():
        return {}
    return dict(_plugin_options(str(config), config.read_text("utf-8")))


@functools.lru_cache(maxsize=8)
def _plugin_options(config: str, text: str) -> dict[str, Any]:
    """Parsed once per text: a command asks for its folders, levels and options in turn."""
    document = _document(config, text)
    plugins = document.get("plugins", [])
    for entry in plugins or []:
        if isinstance(entry, dict) and "opsbook" in entry:
            options = entry["opsbook"]
            return options if isinstance(options, dict) else {}
    return {}


@functools.lru_cache(maxsize=8)
def _document(config: str, text: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_ConfigLoader)
    except yaml.YAMLError as exc:
        raise UsageError(f"{config}: not valid YAML: {exc}") from exc
    return document if isinstance(document, dict) else {}


def config_document(config: Path) -> dict[str, Any]:
    """A mkdocs.yml as data (its Python tags read as null), or {} when absent."""
    if not config.is_file():
        return {}
    return _document(str(config), config.read_text("utf-8"))


def site_url(config: Path) -> str | None:
    """The `site_url` of a mkdocs.yml, where the handbook is published, or None."""
    if not config.is_file():
        return None
    value = _document(str(config), config.read_text("utf-8")).get("site_url")
    return value if isinstance(value, str) and value.strip() else None


def theme_given(config: Path) -> bool:
    """Whether a mkdocs.yml names a theme at all (mkdocs' own default is not ours)."""
    if not config.is_file():
        return False
    return _document(str(config), config.read_text("utf-8")).get("theme") is not None


def docs_dir(config: Path) -> str:
    """The `docs_dir` of a mkdocs.yml (`docs` by default), relative to its folder."""
    if not config.is_file():
        return DOCS_DIR
    value = _document(str(config), config.read_text("utf-8")).get("docs_dir", DOCS_DIR)
    if not isinstance(value, str) or not value.strip("/"):
        raise UsageError(f"{config}: `docs_dir` must be a folder name")
    return value.strip("/")


def rule_levels(options: dict[str, Any], source: str) -> dict[str, Level | None]:
    """The `rules:` option: rule id → `error`, `warning` or `off`, for configurable rules."""
    levels: dict[str, Level | None] = {}
    for rule_id, level in (options.get("rules") or {}).items():
        rule = RULES.get(str(rule_id))
        if rule is None:
            raise UsageError(f"{source}: unknown rule {rule_id!r} in opsbook `rules`")
        if not rule.configurable:
            raise UsageError(f"{source}: rule {rule_id!r} cannot be changed (it guards validity)")
        if level is False:  # `off` written unquoted in a YAML 1.1 reader
            level = "off"
        if level not in _LEVELS:
            raise UsageError(f"{source}: level of {rule_id!r} must be error, warning or off")
        levels[str(rule_id)] = _LEVELS[level]
    return levels


def settings_from_options(
    options: dict[str, Any], source: str, *, strict: bool = False, today: str | None = None
) -> Settings:
    """Settings from the `opsbook` plugin options read from `source`, with the command
    line's `--strict` and `--today` on top: the same for every command and for the plugin."""
    levels = rule_levels(options, source)
    strict = strict or options.get("strict") is True
    chosen, where = (today, "--today") if today is not None else (options.get("today"), "")
    if chosen is None:
        return Settings(levels, strict)
    where = where or f"{source}: opsbook `today`"
    try:
        datetime.date.fromisoformat(str(chosen))
    except ValueError as exc:
        raise UsageError(f"{where} {chosen!r} is not a date YYYY-MM-DD") from exc
    return Settings(levels, strict, str(chosen))
