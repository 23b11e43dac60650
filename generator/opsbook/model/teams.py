"""Teams, their channels, severities and escalation policies."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.model.common import Source


@dataclass(frozen=True, eq=False)
class Channel:
    """A notification target such as `slack: "#alerts"`; `team` resolves to a Team."""

    kind: str
    target: str
    team: Team | None = None

    @property
    def pages(self) -> bool:
        """Whether notifying this channel wakes someone up."""
        if self.team is not None:
            return any(c.pages for c in self.team.channels)
        return self.kind in ("pagerduty", "opsgenie")


@dataclass(frozen=True, eq=False)
class Team:
    """A team that owns services and is reached through its channels."""

    id: str
    name: str
    source: Source
    description: str | None = None
    channels: tuple[Channel, ...] = ()
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, eq=False)
class Member:
    """A person in a team, with their role and how to reach them."""

    name: str
    role: str | None = None
    contact: str | None = None


@dataclass(frozen=True, eq=False)
class Severity:
    """One severity level (SEV-1 …): what it means, how fast to respond, whether it pages."""

    id: str
    rank: int
    meaning: str
    source: Source
    name: str | None = None
    examples: tuple[str, ...] = ()
    pages: bool = False
    response_time: str | None = None
    update_every: str | None = None
    who: str | None = None
    label: str = ""
    """The `severity` label value of its Prometheus rules; empty: they carry none."""
    scale: str | None = None
    """`alert` or `incident` as the definition says; None: decided by what uses it."""


@dataclass(frozen=True, eq=False)
class EscalationLevel:
    """One step of an escalation policy: who, after how long, how to reach them."""

    name: str
    after: str
    level: str | None = None
    team: Team | None = None
    contact: tuple[Channel, ...] = ()
    responsibilities: str | None = None

    @property
    def reach(self) -> tuple[Channel, ...]:
        """How to reach this level: its own contact, else its team's channels."""
        return self.contact or (self.team.channels if self.team else ())


@dataclass(frozen=True, eq=False)
class Escalation:
    """An escalation policy: its ordered levels, and how often it repeats."""

    id: str
    name: str
    levels: tuple[EscalationLevel, ...]
    source: Source
    description: str | None = None
    repeat: int | None = None
