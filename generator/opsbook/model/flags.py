"""Feature flags and the values that steps and phases give them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from opsbook.model.common import Source
from opsbook.model.services import Service
from opsbook.model.teams import Team


@dataclass(frozen=True, eq=False)
class Variant:
    """One value of a flag, with its name, its share of a split and what it means."""

    value: str | int | float | bool | dict[str, Any]
    description: str | None = None
    name: str | None = None
    weight: float | int | None = None


@dataclass(frozen=True, eq=False)
class Bucketing:
    """How a percentage or experiment flag assigns users to variants."""

    by: str | None = None
    deterministic: bool | None = None
    anonymous: str | None = None
    key: str | None = None


@dataclass(frozen=True, eq=False)
class FlagChange:
    """How to change a flag: the exact command (with `{value}`), where, whether to restart."""

    command: str | None = None
    how: str | None = None
    where: str | None = None
    restart: bool | None = None
    language: str = "shell"
    apply: str | None = None


_SERVED = {
    "environment": "an environment variable, read by the process",
    "config": "configuration deployed with the service",
    "flag-system": "a flag system, evaluated at run time",
}


@dataclass(frozen=True, eq=False)
class Flag:
    """A feature flag: its type, purpose, values, kill switch, how to change it."""

    id: str
    key: str
    service: Service
    type: str
    purpose: str
    description: str
    default: Any
    source: Source
    name: str | None = None
    owner: Team | None = None
    group: str | None = None
    variants: tuple[Variant, ...] = ()
    rollout_percentage: float | int | None = None
    on_value: str = "true"
    off_value: str = "false"
    bucketing: Bucketing | None = None
    when_on: str | None = None
    when_off: str | None = None
    kill_value: Any = None
    kill_command: str | None = None
    kill_note: str | None = None
    change: FlagChange | None = None
    propagation: str | None = None
    created: str | None = None
    expires: str | None = None
    reviewed: str | None = None
    review_by: str | None = None
    served_by: str | None = None
    state: str = "enabled"
    targeting: dict[str, Any] | None = None
    metadata: tuple[tuple[str, str | int | float | bool], ...] = ()

    @property
    def is_kill_switch(self) -> bool:
        return self.purpose == "kill-switch"

    @property
    def applies(self) -> str | None:
        """Where a change to the flag is made and what it takes (restart, propagation)."""
        parts = []
        if self.change is not None and self.change.where:
            parts.append(self.change.where)
        if self.change is not None and self.change.restart:
            parts.append("needs a restart")
        if self.propagation:
            parts.append(f"takes effect within {self.propagation}")
        return "; ".join(parts) or None

    @property
    def served(self) -> str | None:
        """What serves the flag's value, in words."""
        return _SERVED.get(self.served_by or "")

    def share(self, variant: Variant) -> float | None:
        """The variant's share of the traffic in percent, when the variants split it."""
        total = sum(v.weight for v in self.variants if v.weight is not None)
        return None if variant.weight is None or not total else 100 * variant.weight / total

    @property
    def metadata_shown(self) -> tuple[tuple[str, str], ...]:
        """The metadata with each value as the flag system holds it (`true`, `3`, text)."""
        return tuple((k, v if isinstance(v, str) else json.dumps(v)) for k, v in self.metadata)

    @property
    def targeting_json(self) -> str:
        """The targeting rule as indented JSON, as a flag system reads it."""
        return json.dumps(self.targeting, indent=2, ensure_ascii=False)

    def written(self, value: Any) -> str:
        """`value` as it is written where the flag lives (`1` for true, say)."""
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        if isinstance(value, bool):
            return self.on_value if value else self.off_value
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value)

    @property
    def code_language(self) -> str:
        """How the blocks of the flag's commands are labelled: `bash` for a shell command,
        else the language `change.language` names (`dotenv`, `typescript`, ...)."""
        language = self.change.language if self.change is not None else "shell"
        return "bash" if language == "shell" else language

    @property
    def runs(self) -> bool:
        """Whether the flag's commands are run as written (a shell command), rather than
        written somewhere (an env file, code) and applied by `change.apply`."""
        return self.code_language == "bash"

    @property
    def apply_undocumented(self) -> bool:
        """Whether what the flag's command writes (an env file, code) takes effect in a way
        the flag does not say: no `change.apply` command."""
        change = self.change
        written = self.code_language == "dotenv" or bool(change is not None and change.restart)
        return not self.runs and written and not (change is not None and change.apply)

    def command_for(self, value: Any) -> str | None:
        """The exact command that sets the flag to `value`, when the flag documents one."""
        if self.kill_command and type(value) is type(self.kill_value) and value == self.kill_value:
            return self.kill_command
        if self.change is None or self.change.command is None:
            return None
        return self.change.command.replace("{value}", self.written(value))


@dataclass(frozen=True, eq=False)
class FlagSetting:
    """A flag set to a value by a step (a mitigation, a rollback, a phase)."""

    flag: Flag
    value: Any
    why: str | None = None

    @property
    def command(self) -> str | None:
        return self.flag.command_for(self.value)
