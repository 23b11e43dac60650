"""The catalog built from loaded files (`opsbook.model.build`), one kind at a time: every
reference resolves to the object it names, in whichever order the files define them."""

from __future__ import annotations

from conftest import ROOT
from helpers import SMALL_HANDBOOK
from opsbook.core import kinds
from opsbook.load.files import SourceFile, load_paths, load_text
from opsbook.model import Catalog
from opsbook.model.build import BUILDERS, ORDER, build_catalog

BASE = ROOT / "tests" / "corpus" / "base"


def _catalog(text: str = SMALL_HANDBOOK) -> tuple[list[SourceFile], Catalog]:
    files = [SourceFile("ops/shop.yaml", load_text(text))]
    return files, build_catalog(files)


def test_every_modelled_kind_is_built_after_the_kinds_it_refers_to() -> None:
    """ORDER builds a kind only once the kinds its references name exist; the references
    that run the other way (an alert's incidents, a team's channel naming a team, a
    service's dependency on a service) are the ones `_complete` sets afterwards."""
    built = [section for section in BUILDERS]
    closed_later = {("alerts", "incidents"), ("teams", "teams"), ("services", "services")}
    for kind in kinds.MODELLED:
        for _, target in kind.references:
            if target not in BUILDERS or (kind.section, target) in closed_later:
                continue
            assert built.index(target) < built.index(kind.section), (kind.section, target)
    assert len(ORDER) == len(BUILDERS) == len(kinds.MODELLED)


def test_a_channel_naming_a_team_is_that_team() -> None:
    _, catalog = _catalog()
    web, db = catalog.teams
    assert web.channels[0].team is db
    assert web.channels[0].pages  # through the databases team's pager
    assert web.channels[1].team is None and not web.channels[1].pages


def test_cycles_are_closed_once_both_sides_exist() -> None:
    _, catalog = _catalog()
    (shop, stock), (flag,), (alert,), (incident,) = (
        catalog.services,
        catalog.flags,
        catalog.alerts,
        catalog.incidents,
    )
    assert shop.dependencies[0].service is stock
    assert shop.procedures[0].steps[0].set_flag is not None
    assert shop.procedures[0].steps[0].set_flag.flag is flag
    assert alert.incidents == (incident,) and incident.detected_by == (alert,)
    assert [slo.id for slo in shop.slos] == ["uptime"] and stock.slos == ()


def test_definitions_keep_file_order_and_severities_their_rank() -> None:
    loaded = load_paths([BASE])
    catalog = build_catalog(loaded.files)
    assert [s.id for s in catalog.severities] == ["SEV-1", "critical", "warning"]  # rank, id
    assert [f.id for f in catalog.flags] == ["CHECKOUT_ENABLED", "CHECKOUT_SHARE", "STORE"]


def test_reused_objects_are_kept_only_when_every_shared_definition_is_reused() -> None:
    files, first = _catalog()
    everything = {
        (section, definition.id.lower()): definition
        for section in BUILDERS
        for definition in getattr(first, section)
    }
    again = build_catalog(files, everything)
    assert again.alerts[0] is first.alerts[0] and again.services[0] is first.services[0]
    without_a_team = {key: value for key, value in everything.items() if key != ("teams", "db")}
    rebuilt = build_catalog(files, without_a_team)
    assert rebuilt.alerts[0] is not first.alerts[0]
    assert rebuilt.services[0] is not first.services[0]
    assert rebuilt.alerts[0].incidents[0] is rebuilt.incidents[0]


def test_an_alert_built_again_gets_its_incidents() -> None:
    files, first = _catalog()
    shared = {
        (section, definition.id.lower()): definition
        for section in ("teams", "severities", "escalations", "services", "flags", "incidents")
        for definition in getattr(first, section)
    }
    again = build_catalog(files, shared)
    assert again.alerts[0] is not first.alerts[0]
    assert again.alerts[0].incidents == (first.incidents[0],)
