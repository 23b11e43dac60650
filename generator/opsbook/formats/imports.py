"""What every importer shares: the loop that turns what it read into new definitions,
the documents by service, the team that owns what it creates, and the services its
definitions need."""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from opsbook.load.nodes import Mark
from opsbook.load.schema import bundled_schema
from opsbook.model import Catalog, Team
from opsbook.model.build.values import slug
from opsbook.model.layout import Layout, url_of

LAYOUT = Layout()
_FIXED_URLS = frozenset(url_of(page) for page in (LAYOUT.flags(), LAYOUT.policy()))


def pattern(name: str) -> re.Pattern[str]:
    """The bundled schema's pattern `name` (`id`, `duration`) as a regular expression."""
    return re.compile(bundled_schema()["$defs"][name]["pattern"])


def definition_id(wanted: str, limit: int = 100) -> str:
    """`wanted` when it can be a handbook id, else a slug of it."""
    return wanted if pattern("id").match(wanted) and len(wanted) <= limit else slug(wanted, limit)


def private_sources(documents: dict[str, dict[str, Any]], root: Path) -> None:
    """Every `imported.source` (`path:line`) of the new definitions relative to the
    handbook at `root`, or only the file's name when it is outside: the site publishes
    the mark, and an absolute path tells readers about the machine it was made on."""
    for document in documents.values():
        for definitions in document.values():
            if not isinstance(definitions, list):
                continue
            for definition in definitions:
                mark = definition.get("imported") if isinstance(definition, dict) else None
                if isinstance(mark, dict) and isinstance(mark.get("source"), str):
                    mark["source"] = _private(mark["source"], root)


def _private(source: str, root: Path) -> str:
    path, colon, line = source.rpartition(":")
    if not (colon and line.isdigit()):
        path, line = source, ""
    shown = private_path(Path(path), root)
    return f"{shown}:{line}" if line else shown


def private_path(path: Path, root: Path) -> str:
    """`path` relative to the handbook at `root`, or only its name when it is outside."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix() or "."
    except ValueError:
        return absolute.name


UNKNOWN_OWNER = "owner-not-known"
"""The placeholder team an import without `--owner` gives what it makes."""


@dataclass
class Entry:
    """Something read from another tool's file: the file as shown, and where in it."""

    path: str
    mark: Mark

    @property
    def where(self) -> str:
        return f"{self.path}:{self.mark[0]}:{self.mark[1]}"


@dataclass
class Report:
    """What an import makes: the new definitions by service (`""` for teams and
    severities), what it created, what it left out, and how known definitions differ."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    made: int = 0
    files: int = 0
    units = ("definition(s)", "definition(s)")
    """What is not imported, and what is already defined."""

    @property
    def counted(self) -> str:
        """How many definitions the import made, of how many files."""
        return f"{self.made} {self.units[1]} from {self.files} file(s)"


@dataclass
class Made:
    """New definitions by service (`""` for teams and severities) and what was created,
    for the handbook `catalog`; `source` names the format (`prometheus`, `flagd`),
    `section` what it imports (`alerts`, `flags`)."""

    catalog: Catalog
    source: str
    section: str
    owner: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    _services: dict[str, str] = field(default_factory=dict)
    _team: Team | dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self._services = {service.id.lower(): service.id for service in self.catalog.services}

    def document(self, service: str) -> dict[str, Any]:
        """The document of `service`'s new definitions (of the policy, for `""`)."""
        if service not in self.documents:
            document: dict[str, Any] = {"apiVersion": "opsbook/v1"}
            if service:
                document["service"] = service
            self.documents[service] = document
        return self.documents[service]

    def add(self, service: str, section: str, definition: dict[str, Any]) -> None:
        """Add `definition` to `section` (`alerts`, `flags`) of `service`'s document."""
        self.document(service).setdefault(section, []).append(definition)

    @property
    def team(self) -> Team | dict[str, Any]:
        """The team named by `owner` (made when the handbook lacks it), or the only one."""
        if self._team is None:
            self._team = self._owner()
        return self._team

    @property
    def team_id(self) -> str:
        team = self.team
        return team.id if isinstance(team, Team) else str(team["id"])

    def _owner(self) -> Team | dict[str, Any]:
        teams = {team.id.lower(): team for team in self.catalog.teams}
        wanted = self.owner
        if wanted is None:
            return self._unknown_owner(teams)
        if wanted.lower() in teams:
            return teams[wanted.lower()]
        created = {
            "id": definition_id(wanted, 60),
            "name": wanted,
            "description": "TODO: who this team is and how to reach it (Slack, PagerDuty).",
            "imported": {"from": self.source},
        }
        self.add("", "teams", created)
        self.created.append(f"team `{created['id']}`")
        return created

    def _unknown_owner(self, teams: dict[str, Team]) -> Team | dict[str, Any]:
        """Without `--owner`, nothing says who owns what came in: a placeholder team that
        validate reports, never a guess (a handbook's only team may be the starter's
        sample, whose pager would then be printed as the one paged)."""
        if UNKNOWN_OWNER in teams:
            return teams[UNKNOWN_OWNER]
        created = {
            "id": UNKNOWN_OWNER,
            "name": "TODO: the owning team",
            "description": "TODO: who owns what the import made, and how to reach them "
            "(or import again with --owner TEAM).",
            "imported": {"from": self.source},
        }
        self.add("", "teams", created)
        self.created.append(f"team `{UNKNOWN_OWNER}` (a placeholder: no --owner was given)")
        return created

    def service(self, wanted: str, source: str) -> str:
        """The id of the service `wanted` (by id, case-insensitively), made when the
        handbook lacks it; `source` is the file it comes from."""
        service_id = definition_id(wanted, 60)
        if url_of(LAYOUT.service(service_id)) in _FIXED_URLS:
            service_id = f"{service_id}-{self.section}"  # `flags`, `policy`: pages of their own
        known = self._services.get(service_id.lower())
        if known is not None:
            return known
        self._services[service_id.lower()] = service_id
        created = {
            "id": service_id,
            "name": wanted,
            "owner": self.team_id,
            "summary": f"TODO: what `{wanted}` does, and for whom (made by the import).",
            "imported": {"from": self.source, "source": source},
        }
        self.add(service_id, "services", created)
        self.created.append(f"service `{service_id}`")
        return service_id


Item = TypeVar("Item")


class NewDefinitions(ABC, Generic[Item]):
    """The import loop, written once. Each item read from the other tool's files becomes
    one new definition of `section` in its service's document, unless the handbook
    defines it already (then how the two differ is listed), an earlier item took its id,
    or the format refuses it (then it is listed as not imported, with where it is)."""

    section: ClassVar[str]

    def __init__(self, made: Made, result: Report) -> None:
        self.made = made
        self.result = result
        result.documents, result.created = made.documents, made.created

    def add(self, items: Iterable[Item]) -> None:
        """Add every item that is new, and list what happened to each of the others."""
        taken: dict[Hashable, Item] = {}
        for item in items:
            ours = self.ours(item)
            if ours is not None:
                self.result.differences.append(self.differences(ours, item))
                continue
            first = taken.setdefault(self.key(item), item)
            why = self.taken(item, first) if first is not item else self.refused(item)
            if why is not None:
                self.result.not_imported.append(why)
                continue
            service = self.service(item)
            self.made.add(service, self.section, self.definition(item, service))
            self.count(item)

    @abstractmethod
    def ours(self, item: Item) -> Any | None:
        """The handbook's definition that `item` already is, or None."""

    @abstractmethod
    def differences(self, ours: Any, item: Item) -> str:
        """How the handbook's definition and `item` differ."""

    @abstractmethod
    def key(self, item: Item) -> Hashable:
        """What two items must not share (their id, case-folded)."""

    @abstractmethod
    def taken(self, item: Item, first: Item) -> str:
        """Why `item` is not imported: `first` took its id."""

    def refused(self, item: Item) -> str | None:
        """Why the format leaves `item` out, or None."""
        return None

    @abstractmethod
    def service(self, item: Item) -> str:
        """The id of the service `item` goes to (made when the handbook lacks it)."""

    @abstractmethod
    def definition(self, item: Item, service: str) -> dict[str, Any]:
        """The new definition."""

    def count(self, item: Item) -> None:
        """Count the definition made of `item`."""
        self.result.made += 1
