"""Every kind of definition, declared once.

Each entry says what a kind is everywhere: its section of a definitions document, its
definition in the schema, its class in the model, its page (template and URL), its
scaffold for `opsbook new`, which pages list it, what its definitions refer to, and what
an edit to one of them reaches. The tables that need "all kinds" (the sections, the
reference rules, the incremental caches, the page jobs, the scaffolds) are derived from
`KINDS`; `missing_pieces` names the files a kind still lacks.

This module is data: it imports nothing of opsbook, so every stage may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

Scope = Literal["", "own", "service"]
"""How a kind's page is addressed: "" for a page about many, which shows each definition
under a heading (flags, policy); "own" for a page per definition; "service" for a page
per definition under its service's folder."""


@dataclass(frozen=True)
class Kind:
    """One kind of definition. Paths such as `levels[].severity` are dotted, `[]` for every
    item of a list."""

    section: str
    """The key of a definitions document that lists this kind: `alerts`."""
    one: str
    """One definition of it, in messages: `alert`, `escalation policy`."""
    schema: str
    """Its definition in the schema's `$defs`: `alert`."""
    schema_part: str
    """The schema file (`schemas/<part>.json`) that holds that definition."""
    model: str | None
    """Its class in `opsbook.model`; None when the definitions live inside another kind's
    model (an SLO is part of its service)."""
    page: str | None = None
    """The `Layout` method of the page that shows it; None when no page does."""
    scope: Scope = "own"
    """How `page` is called: see `Scope`."""
    template: str | None = None
    """The template of its own page (scope "own" or "service"), in `templates/`."""
    scaffold: str | None = None
    """`opsbook new <scaffold>` writes `scaffolds/<scaffold>.yaml` for it; None when there
    is no scaffold."""
    releases: bool = False
    """Whether release records are kept of its checklists (rollouts, checklists)."""
    listed_on: tuple[str, ...] = ()
    """The templates of the pages about many definitions that list it."""
    shared: bool = False
    """An edit to one is treated as an edit to every page: most pages show these, most
    definitions point at them."""
    looked_into: bool = False
    """Rules read its content while checking other files, so a change to it checks those
    files again (an SLO a gate names, whether a severity pages, a flag's type)."""
    needs_service: bool = False
    """Each definition belongs to a service: its own `service`, or its file's."""
    references: tuple[tuple[str, str], ...] = ()
    """Where its definitions name other definitions: (path, section of the target)."""
    steps: tuple[str, ...] = ()
    """Its lists of steps, any of which may set a flag (`set_flag`)."""
    settings: tuple[str, ...] = ()
    """Its flag settings (`flag` and `value`)."""
    nested_ids: tuple[str, ...] = ()
    """Lists inside one definition whose items have ids unique within it."""
    expressions: tuple[str, ...] = ()
    """Where its PromQL expressions are (checked as PromQL)."""

    @property
    def variable(self) -> str:
        """The name its own page's template sees it by: the model class, lower case."""
        return (self.model or self.section).lower()


KINDS: tuple[Kind, ...] = (
    Kind(
        "services", "service", "service", "services", "Service",
        page="service", template="service.md.j2", scaffold="service",
        listed_on=("home.md.j2", "runbooks.md.j2"), shared=True, looked_into=True,
        references=(
            ("owner", "teams"),
            ("escalation", "escalations"),
            ("dependencies[].service", "services"),
        ),
        steps=("procedures[].steps",),
        nested_ids=("health_checks", "slos", "procedures"),
        expressions=("slos[].objective.expr",),
    ),
    Kind(
        "slos", "SLO", "slo", "services", None,
        shared=True, looked_into=True, needs_service=True,
        references=(("service", "services"),),
    ),
    Kind(
        "teams", "team", "team", "services", "Team",
        page="policy", scope="", scaffold="team", listed_on=("policy.md.j2",), shared=True,
        looked_into=True, references=(("channels[].team", "teams"),),
    ),
    Kind(
        "severities", "severity", "severity", "services", "Severity",
        page="policy", scope="", scaffold="severity", listed_on=("policy.md.j2",),
        shared=True, looked_into=True,
    ),
    Kind(
        "escalations", "escalation policy", "escalation", "services", "Escalation",
        page="policy", scope="", scaffold="escalation", listed_on=("policy.md.j2",),
        shared=True, looked_into=True,
        references=(("levels[].team", "teams"), ("levels[].contact[].team", "teams")),
    ),
    Kind(
        "flags", "flag", "flag", "flags", "Flag",
        page="flags", scope="", scaffold="flag", listed_on=("flags.md.j2", "home.md.j2"),
        looked_into=True, needs_service=True,
        references=(("service", "services"), ("owner", "teams")),
    ),
    Kind(
        "alerts", "alert", "alert", "alerts", "Alert",
        page="alert", scope="service", template="alert.md.j2", scaffold="alert",
        listed_on=("home.md.j2", "runbooks.md.j2", "policy.md.j2"), needs_service=True,
        references=(
            ("service", "services"),
            ("severity", "severities"),
            ("levels[].severity", "severities"),
            ("notify[].team", "teams"),
            ("levels[].notify[].team", "teams"),
            ("runbook.escalation.policy", "escalations"),
            ("incidents[]", "incidents"),
        ),
        steps=("runbook.diagnosis", "runbook.mitigation"),
        expressions=("condition.expr", "levels[].condition.expr"),
    ),
    Kind(
        "recording_rules", "recording rule", "recordingRule", "alerts", "RecordingRule",
        needs_service=True, references=(("service", "services"),), expressions=("expr",),
        shared=True,  # shown on its service's page and on the pages of alerts that query it
    ),
    Kind(
        "rollouts", "rollout", "rollout", "rollouts", "Rollout",
        page="rollout", template="rollout.md.j2", scaffold="rollout", releases=True,
        listed_on=("checklists.md.j2",), needs_service=True,
        references=(
            ("service", "services"),
            ("flag", "flags"),
            ("owner", "teams"),
            ("phases[].gates[].alert", "alerts"),
            ("rollback.triggers[].alert", "alerts"),
        ),
        steps=("phases[].commands", "rollback.procedure", "rollback.verify"),
        settings=("phases[].settings[]",),
        nested_ids=("phases",),
        expressions=("phases[].gates[].condition.expr", "rollback.triggers[].condition.expr"),
    ),
    Kind(
        "incidents", "incident", "incident", "incidents", "Incident",
        page="incident", scope="service", template="incident.md.j2", scaffold="incident",
        listed_on=("runbooks.md.j2",), needs_service=True,
        references=(
            ("service", "services"),
            ("severity", "severities"),
            ("detected_by[]", "alerts"),
            ("escalation", "escalations"),
            ("rollouts[]", "rollouts"),
            ("communication.channels[].team", "teams"),
        ),
        steps=("diagnosis", "resolution"),
        settings=("flags[]",),
    ),
    Kind(
        "checklists", "checklist", "checklist", "incidents", "Checklist",
        page="checklist", template="checklist.md.j2", scaffold="checklist", releases=True,
        listed_on=("checklists.md.j2", "policy.md.j2"),
        references=(("service", "services"),),
    ),
)  # fmt: skip
"""Every kind, in the order a definitions document and the pages present them."""

BY_SECTION: dict[str, Kind] = {kind.section: kind for kind in KINDS}
SECTIONS: tuple[str, ...] = tuple(BY_SECTION)
"""The top-level sections of a definitions document, in order."""
MODELLED: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind.model)
"""The kinds with a model class of their own: the catalog holds each as a tuple."""


def missing_pieces(kind: Kind) -> list[str]:
    """The files `kind` names that the package lacks (package paths), and the schema
    definition it names when the schema part lacks it."""
    import json

    package = resources.files("opsbook")
    missing = []
    part = package / "schemas" / f"{kind.schema_part}.json"
    if not part.is_file():
        missing.append(f"schemas/{kind.schema_part}.json")
    elif kind.schema not in json.loads(part.read_text("utf-8")):
        missing.append(f"schemas/{kind.schema_part}.json: $defs/{kind.schema}")
    if kind.template and not (package / "templates" / kind.template).is_file():
        missing.append(f"templates/{kind.template}")
    if kind.scaffold and not (package / "scaffolds" / f"{kind.scaffold}.yaml").is_file():
        missing.append(f"scaffolds/{kind.scaffold}.yaml")
    missing += [
        f"templates/{name}"
        for name in kind.listed_on
        if not (package / "templates" / name).is_file()
    ]
    return missing
