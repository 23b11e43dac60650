"""Every rule opsbook reports, with its default level and the reason it exists."""

from __future__ import annotations

from dataclasses import dataclass

from opsbook.core.diagnostics import Diagnostic, Level


@dataclass(frozen=True)
class Rule:
    """A rule's id, stage, default level, one-line rationale, and whether projects may
    change its level or switch it off."""

    id: str
    stage: str
    level: Level
    rationale: str
    configurable: bool = False


E, W = Level.ERROR, Level.WARNING

_LOAD = (
    Rule("yaml-syntax", "load", E, "Text that is not YAML cannot be read at all."),
    Rule("duplicate-key", "load", E, "With two equal keys one silently wins; say which one."),
    Rule("non-string-key", "load", E, "`true:` or `404:` as a key is rarely meant; keys are text."),
    Rule("unsupported-tag", "load", E, "Tags can make YAML construct objects; definitions are data."),
    Rule("multiple-documents", "load", E, "One document per file keeps positions and pages unambiguous."),
    Rule("nesting-depth", "load", E, "Deep nesting is never a definition and can exhaust the parser."),
    Rule("alias-limit", "load", E, "Alias bombs expand a small file into billions of nodes."),
    Rule("number-range", "load", E, "Numbers beyond 64 bits, infinities and NaN are never meant, and break what reads them."),
    Rule("empty-file", "load", E, "An empty definitions file is usually a mistake in a move or merge."),
    Rule("not-a-mapping", "load", E, "A definitions file is a mapping with `apiVersion` and sections."),
    Rule("invalid-utf8", "load", E, "Definitions are UTF-8 text; other bytes would be misread."),
    Rule("file-too-large", "load", E, "Definitions are written by people; huge files are refused unread."),
    Rule("symlink", "load", E, "A link out of the handbook would publish what it points at; a broken one hides a file."),
    Rule("unreadable-file", "load", E, "A file that cannot be read cannot be checked."),
)  # fmt: skip
_RULE_FILES = (
    Rule("rule-file", "rules", E, "A rule file opsbook cannot read is one Prometheus would refuse too."),
    Rule("rule-no-runbook", "rules", E, "An alert whose runbook_url leads nowhere leaves the on-call engineer alone."),
    Rule("rule-runbook-url", "rules", E, "A runbook_url that is not the alert's page sends the reader to the wrong place."),
    Rule("rule-severity", "rules", E, "A severity the runbook does not describe leaves the reader guessing how bad it is."),
    Rule("rule-unfired", "rules", W, "A documented alert that no rule fires is a runbook nobody will be sent to."),
    Rule("flag-file", "imports", E, "A flag file opsbook cannot read is one flagd would refuse too."),
    Rule("slo-file", "imports", E, "An OpenSLO file opsbook cannot read is one an OpenSLO tool would refuse too."),
    Rule("rollout-file", "imports", E, "A Rollout opsbook cannot read is one Argo Rollouts would refuse too."),
)  # fmt: skip
_REPORT = (
    Rule("problem-limit", "report", E, "A file with hundreds of problems is broken as a whole; the first ones say how."),
)  # fmt: skip
_SCHEMA = (
    Rule("api-version", "schema", E, "Only `opsbook/v1` is understood; other versions would be misread."),
    Rule("schema-unknown-key", "schema", E, "A misspelt key would silently drop the fact it holds."),
    Rule("schema-required", "schema", E, "Pages cannot be rendered without the required facts."),
    Rule("schema-type", "schema", E, "A value of the wrong type means something else than intended."),
    Rule("schema-enum", "schema", E, "Only the listed values have a meaning."),
    Rule("schema-format", "schema", E, "Ids, durations and dates have a fixed form so tools can read them."),
    Rule("schema-value", "schema", E, "The value breaks a constraint of the schema."),
)  # fmt: skip
_REFERENCES = (
    Rule("promql-syntax", "references", E, "An expression Prometheus cannot parse makes a rule file it refuses to load."),
    Rule("duplicate-id", "references", E, "Ids name pages and URLs; two definitions cannot share one, whatever the case."),
    Rule("page-collision", "references", E, "Two pages at one URL: one runbook would silently replace the other."),
    Rule("unknown-reference", "references", E, "A reference to something undefined leaves a dead link in a runbook."),
    Rule("missing-service", "references", E, "Flags, alerts, rollouts and incidents live under a service's pages."),
    Rule("alert-levels", "references", E, "An alert has `severity` with `condition`, or `levels`; not both, not neither."),
    Rule("flag-value", "references", E, "A value the flag's type does not allow makes the documented command fail."),
    Rule("percentage-range", "references", E, "Percentages and traffic shares lie within 0–100."),
    Rule("enum-default", "references", E, "An enum flag's default must be one of its variants."),
    Rule("flag-variants", "references", E, "A flag system serves variants by name: each needs a distinct name, one kind of value and, for a split, a weight above zero."),
    Rule("traffic-decreasing", "references", E, "Phases widen exposure; less traffic than the phase before is a mistake."),
)  # fmt: skip
_QUALITY = (
    Rule("runbook-incomplete", "quality", E, "A page at 3 a.m. needs steps to find the cause and to stop the impact.", True),
    Rule("mitigation-missing", "quality", W, "\"Do now\" starts with a way to stop the impact; an alert without one leaves the reader only the diagnosis.", True),
    Rule("placeholder-text", "quality", E, "TODO, TBD and FIXME in a runbook leave the reader alone when it matters.", True),
    Rule("imported-placeholder", "quality", W, "An import cannot write what the rules never said; its placeholders wait for a person's review.", True),
    Rule("major-incident-readiness", "quality", E, "SEV-1/SEV-2 scenarios need an escalation path and ready messages.", True),
    Rule("kill-switch-command", "quality", E, "A kill switch is only fast if the exact command is written down.", True),
    Rule("kill-switch-effect", "quality", W, "Before flipping a kill switch at 3 a.m., the reader must know what turning it off does.", True),
    Rule("escalation-delay", "quality", W, "An alert that says escalate after 15m under a policy that escalates after 30m leaves the reader unsure whom to trust.", True),
    Rule("rollback-plan", "quality", E, "A rollout without triggers and a procedure cannot be rolled back calmly.", True),
    Rule("paging-channel", "quality", E, "Paging alerts must reach a pager; non-paging ones must not wake anyone.", True),
    Rule("bare-assignment", "quality", W, "`NAME=value` pasted into a shell only sets a shell variable; the reader needs where the line goes and how it takes effect.", True),
    Rule("placeholder-label-dropped", "quality", W, "A placeholder for a label the expression drops can never be filled from the runbook_url; the reader is left with ‹pod›.", True),
    Rule("paging-escalation", "quality", W, "A page names who is paged from the escalation policy; a first level nobody can page would name someone the pager never reaches.", True),
    Rule("service-links", "quality", W, "The on-call engineer's first look is the service's dashboard and logs; a page without them leaves the reader searching.", True),
    Rule("contact-missing", "quality", W, "A page that names who is next but not how to reach them leaves the reader searching a directory at 3 a.m.", True),
    Rule("flag-expired", "quality", W, "Flags past their expiry are debt and a risk of stale behaviour.", True),
    Rule("review-overdue", "quality", W, "Definitions past their review date may no longer be true.", True),
    Rule("unused-flag", "quality", W, "A flag nothing refers to, and that is no kill switch, may be dead.", True),
)  # fmt: skip

_RELEASES = (
    Rule("release-checklist", "releases", E, "A release record of a rollout or checklist that does not exist tracks nothing."),
    Rule("release-item", "releases", E, "A tick of an unknown or removed item would count towards nothing, silently."),
    Rule("release-waiver", "releases", E, "A waived item without a reason is an unexplained skip in the release record."),
    Rule("release-file", "releases", E, "A record is found by its path: rollout folder and release file name must match."),
)  # fmt: skip

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (*_LOAD, *_SCHEMA, *_REFERENCES, *_QUALITY, *_RELEASES, *_RULE_FILES, *_REPORT)
}
"""Every rule by id, in the order `opsbook rules` lists them."""


def report(path: str, mark: tuple[int, int], rule: str, message: str) -> Diagnostic:
    """A problem found by `rule` at line and column `mark` of `path`, at the rule's level."""
    return Diagnostic(path, mark[0], mark[1], RULES[rule].level, rule, message)
