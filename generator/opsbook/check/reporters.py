"""Reporters: diagnostics rendered for people or CI systems, chosen by name."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from opsbook.check.validate import Validation
from opsbook.core.diagnostics import Diagnostic, Level
from opsbook.core.ruleset import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _version() -> str:
    try:
        return version("opsbook")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def report_text(result: Validation) -> str:
    """One line per problem: `path:line:col: level [rule] message`."""
    return "".join(d.format() + "\n" for d in result.diagnostics)


def report_json(result: Validation) -> str:
    """A JSON object with every diagnostic and the counts."""
    document = {
        "diagnostics": [
            {
                "path": d.path,
                "line": d.line,
                "col": d.col,
                "level": d.level.value,
                "rule": d.rule,
                "message": d.message,
            }
            for d in result.diagnostics
        ],
        "summary": {
            "files": len({d.path for d in result.diagnostics} | {f.path for f in result.files}),
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def github_escape_data(text: str) -> str:
    """Escape a workflow command's message as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """Escape a workflow command's property value (`file=`, `title=`)."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_github(result: Validation) -> str:
    """GitHub Actions workflow commands: one `::error`/`::warning` annotation per problem."""
    lines = []
    for d in result.diagnostics:
        command = "error" if d.level is Level.ERROR else "warning"
        properties = ",".join(
            (
                f"file={github_escape_property(d.path)}",
                f"line={d.line}",
                f"col={d.col}",
                f"title={github_escape_property(f'opsbook {d.rule}')}",
            )
        )
        lines.append(f"::{command} {properties}::{github_escape_data(d.message)}\n")
    return "".join(lines)


def report_markdown(result: Validation) -> str:
    """A Markdown table of every problem, for a CI job summary."""
    heading = f"### opsbook validate: {result.errors} error(s), {result.warnings} warning(s)\n"
    if not result.diagnostics:
        return heading + "\nNo problems found.\n"
    rows = [
        f"| `{_cell(d.path)}:{d.line}:{d.col}` | {d.level.value} | `{d.rule}` "
        f"| {_cell(d.message)} |"
        for d in result.diagnostics
    ]
    return (
        heading
        + "\n| where | level | rule | problem |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def report_sarif(result: Validation) -> str:
    """SARIF 2.1.0, with every rule described and each result located."""
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule.id,
            "shortDescription": {"text": rule.rationale},
            "defaultConfiguration": {"level": rule.level.value},
            "properties": {"stage": rule.stage, "configurable": rule.configurable},
        }
        for rule in RULES.values()
    ]
    results = [
        {
            "ruleId": d.rule,
            "ruleIndex": rule_ids.index(d.rule),
            "level": d.level.value,
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": d.line, "startColumn": d.col},
                    }
                }
            ],
        }
        for d in result.diagnostics
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "opsbook", "version": _version(), "rules": rules}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def gitlab_fingerprints(diagnostics: tuple[Diagnostic, ...]) -> list[str]:
    """A stable fingerprint per finding: rule, file and message, not the line (which moves
    when lines are added above), numbered when the same finding occurs twice."""
    seen: Counter[tuple[str, str, str]] = Counter()
    fingerprints = []
    for d in diagnostics:
        key = (d.rule, d.path, d.message)
        seen[key] += 1
        text = "\0".join((*key, str(seen[key])))
        fingerprints.append(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return fingerprints


def report_gitlab(result: Validation) -> str:
    """GitLab code-quality report (a JSON array of findings)."""
    findings = [
        {
            "description": d.message,
            "check_name": d.rule,
            "fingerprint": fingerprint,
            "severity": "major" if d.level is Level.ERROR else "minor",
            "location": {"path": d.path, "lines": {"begin": d.line}},
        }
        for d, fingerprint in zip(
            result.diagnostics, gitlab_fingerprints(result.diagnostics), strict=True
        )
    ]
    return json.dumps(findings, indent=2, ensure_ascii=False) + "\n"


def report_junit(result: Validation) -> str:
    """JUnit XML: a failing test case per error, a passing one per clean file; warnings
    are passing cases with the warning as output."""
    suites = ET.Element("testsuites", name="opsbook validate")
    suite = ET.SubElement(suites, "testsuite", name="opsbook validate")
    flagged = {d.path for d in result.diagnostics}
    cases = 0
    for d in result.diagnostics:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=d.path,
            name=f"{d.rule} at {d.line}:{d.col}",
            file=d.path,
            line=str(d.line),
        )
        if d.level is Level.ERROR:
            failure = ET.SubElement(case, "failure", message=d.message, type=d.rule)
            failure.text = d.format()
        else:
            ET.SubElement(case, "system-out").text = d.format()
        cases += 1
    for source in sorted(f.path for f in result.files if f.path not in flagged):
        ET.SubElement(suite, "testcase", classname=source, name="valid", file=source)
        cases += 1
    for element in (suites, suite):
        element.set("tests", str(cases))
        element.set("failures", str(result.errors))
        element.set("errors", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


REPORTER_BY_NAME: dict[str, Callable[[Validation], str]] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
    "sarif": report_sarif,
    "gitlab": report_gitlab,
    "junit": report_junit,
}
