"""CI output formats, each read back by a real parser and checked field by field."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest

from conftest import ROOT
from helpers import run
from opsbook.check.reporters import REPORTER_BY_NAME, github_escape_data, github_escape_property
from opsbook.check.validate import Validation
from opsbook.core.diagnostics import Diagnostic, Level
from opsbook.core.ruleset import RULES

SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
THREE_PROBLEMS = """\
apiVersion: opsbook/v1
teams:
  - {id: web, name: Web, chanels: []}
services:
  - {id: shop, name: Shop,
    suppress: [service-links],
    owner: wbe}
flags:
  - id: X
    service: shop
    type: percentage
    purpose: kill-switch
    description: x
    when_off: x
    default: 120
    change: {command: "set X={value}"}
"""


def validation(*diagnostics: Diagnostic) -> Validation:
    return Validation(files=(), diagnostics=diagnostics, catalog=None)


HOSTILE = Diagnostic(
    "dir,with:odd%name.yaml", 3, 7, Level.WARNING, "flag-expired", "100% done\r\nreally, yes: ok"
)


def test_github_escapes_every_special_character() -> None:
    assert github_escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert github_escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"
    assert REPORTER_BY_NAME["github"](validation(HOSTILE)) == (
        "::warning file=dir%2Cwith%3Aodd%25name.yaml,line=3,col=7,"
        "title=opsbook flag-expired::100%25 done\\x0d\\nreally, yes: ok\n"
    )


def test_github_actions_gets_annotations_and_a_full_job_summary(
    build_tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_tree({"ops/bad.yaml": THREE_PROBLEMS})
    summary = root / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run(["validate"], root)
    assert result.exit_code == 1
    annotations = [
        re.fullmatch(
            r"::(\w+) file=([^,]+),line=(\d+),col=(\d+),title=opsbook ([\w-]+)::(.*)", line
        )
        for line in result.stdout.splitlines()
    ]
    assert all(annotations)
    assert [(m[1], m[2], m[3], m[5]) for m in annotations if m] == [
        ("error", "ops/bad.yaml", "3", "schema-unknown-key"),
        ("error", "ops/bad.yaml", "7", "unknown-reference"),
        ("error", "ops/bad.yaml", "15", "percentage-range"),
    ]
    text = summary.read_text("utf-8")
    assert text.startswith("### opsbook validate: 3 error(s), 0 warning(s)\n")
    assert [line.split("`")[1] for line in text.splitlines() if line.startswith("| `")] == [
        "ops/bad.yaml:3:26",
        "ops/bad.yaml:7:12",
        "ops/bad.yaml:15:14",
    ]


def test_explicit_format_wins_over_github_detection(
    build_tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_tree({"ops/bad.yaml": THREE_PROBLEMS})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run(["validate", "--format", "text"], root).stdout.startswith("ops/bad.yaml:3:26: ")


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema, from the npm package that ships it (cached)."""
    cache = ROOT / ".cache" / "sarif-2.1.0-rtm.5.json"
    if not cache.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to fetch the SARIF schema"
        workdir = cache.parent / "npm"
        workdir.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            [npm, "pack", SARIF_PACKAGE, "--silent"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        )
        with tarfile.open(workdir / packed.stdout.strip().splitlines()[-1]) as archive:
            member = archive.extractfile(SARIF_MEMBER)
            assert member is not None
            cache.write_bytes(member.read())
    schema: dict[str, Any] = json.loads(cache.read_text("utf-8"))
    return schema


def test_sarif_output_is_valid_sarif_2_1_0(build_tree: Any, sarif_schema: dict[str, Any]) -> None:
    root = build_tree({"ops/bad.yaml": THREE_PROBLEMS})
    document = json.loads(run(["validate", "--format", "sarif"], root).stdout)
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    errors = list(validator_class(sarif_schema).iter_errors(document))
    assert [e.message for e in errors] == []
    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    assert driver["rules"][0]["shortDescription"]["text"] == RULES["yaml-syntax"].rationale
    located = [
        (
            r["ruleId"],
            driver["rules"][r["ruleIndex"]]["id"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run_["results"]
    ]
    assert located == [
        ("schema-unknown-key", "schema-unknown-key", "error", "ops/bad.yaml", 3, 26),
        ("unknown-reference", "unknown-reference", "error", "ops/bad.yaml", 7, 12),
        ("percentage-range", "percentage-range", "error", "ops/bad.yaml", 15, 14),
    ]


def test_sarif_for_hostile_text_is_still_valid(sarif_schema: dict[str, Any]) -> None:
    document = json.loads(REPORTER_BY_NAME["sarif"](validation(HOSTILE)))
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    assert list(validator_class(sarif_schema).iter_errors(document)) == []
    assert document["runs"][0]["results"][0]["message"]["text"] == HOSTILE.message


def test_gitlab_report_has_stable_unique_fingerprints(build_tree: Any) -> None:
    root = build_tree({"ops/bad.yaml": THREE_PROBLEMS})
    first = json.loads(run(["validate", "--format", "gitlab"], root).stdout)
    assert [(f["check_name"], f["severity"], f["location"]) for f in first] == [
        ("schema-unknown-key", "major", {"path": "ops/bad.yaml", "lines": {"begin": 3}}),
        ("unknown-reference", "major", {"path": "ops/bad.yaml", "lines": {"begin": 7}}),
        ("percentage-range", "major", {"path": "ops/bad.yaml", "lines": {"begin": 15}}),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["fingerprint"]) for f in first)
    assert len({f["fingerprint"] for f in first}) == 3
    (root / "ops" / "bad.yaml").write_text("# a comment above moves every line\n" + THREE_PROBLEMS)
    moved = json.loads(run(["validate", "--format", "gitlab"], root).stdout)
    assert [f["fingerprint"] for f in moved] == [f["fingerprint"] for f in first]
    assert [f["location"]["lines"]["begin"] for f in moved] == [4, 8, 16]


def test_junit_report_parses_with_counts_and_failures(build_tree: Any) -> None:
    root = build_tree(
        {
            "ops/bad.yaml": THREE_PROBLEMS,
            "ops/good.yaml": "apiVersion: opsbook/v1\nseverities: [{id: s, rank: 1, meaning: m}]\n",
        }
    )
    tree = ET.fromstring(run(["validate", "--format", "junit"], root).stdout)
    suite = tree.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "3", "0")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("ops/bad.yaml", "schema-unknown-key at 3:26"),
        ("ops/bad.yaml", "unknown-reference at 7:12"),
        ("ops/bad.yaml", "percentage-range at 15:14"),
        ("ops/good.yaml", "valid"),
    ]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == "unknown-reference"
    assert cases[3].find("failure") is None


def test_junit_escapes_hostile_text() -> None:
    text = REPORTER_BY_NAME["junit"](
        validation(Diagnostic("a.yaml", 1, 1, Level.ERROR, "schema-value", '<x a="1">&</x>'))
    )
    failure = ET.fromstring(text).find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message") == '<x a="1">&</x>'
