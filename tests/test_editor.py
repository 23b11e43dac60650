"""Editor support: the committed bundled schema, modelines, and `opsbook new` scaffolds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from helpers import run
from opsbook.authoring.editor import SCAFFOLD_KINDS, schema_text
from opsbook.check.validate import validate_paths

MODELINE = "# yaml-language-server: $schema="


def test_committed_schema_is_fresh() -> None:
    """`schemas/opsbook.schema.json` is what `opsbook schema` writes today."""
    result = run(["schema", "--check"], ROOT)
    assert (result.exit_code, result.stderr) == (0, "")


def test_stale_schema_is_reported_and_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "schemas" / "opsbook.schema.json"
    result = run(["schema", "--check"], tmp_path)
    assert result.exit_code == 1
    assert "is stale; run `opsbook schema`" in result.stderr
    assert run(["schema"], tmp_path).stdout == "wrote schemas/opsbook.schema.json\n"
    assert target.read_text("utf-8") == schema_text()
    assert run(["schema"], tmp_path).stdout == ""  # unchanged: nothing written
    assert run(["schema", "--check"], tmp_path).exit_code == 0


def test_schema_is_self_contained_for_editors() -> None:
    """yaml-language-server gets one file: every $ref points inside it."""
    document = json.loads(schema_text())
    refs = [ref for ref in _refs(document)]
    assert refs and all(ref.startswith("#/$defs/") for ref in refs)
    assert all(ref.split("/")[-1] in document["$defs"] for ref in refs)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_every_example_file_points_at_the_schema() -> None:
    for path in sorted((ROOT / "ops").rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith(MODELINE), path
        assert (path.parent / first.removeprefix(MODELINE)).resolve() == (
            ROOT / "schemas" / "opsbook.schema.json"
        ), path


@pytest.mark.parametrize("kind", SCAFFOLD_KINDS)
def test_new_scaffold_is_schema_valid_and_asks_for_its_todos(kind: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests" / "corpus" / "base", tmp_path / "ops")
    result = run(["new", kind, f"Fresh-{kind}", "--service", "shop"], tmp_path)
    target = tmp_path / "ops" / f"Fresh-{kind}.yaml"
    assert (result.exit_code, result.stdout) == (0, f"wrote ops/Fresh-{kind}.yaml\n")
    assert target.read_text("utf-8").startswith(f"{MODELINE}../schemas/opsbook.schema.json\n")
    found = validate_paths([tmp_path / "ops"]).diagnostics
    # What it could not know is a TODO, each reported once; every reference resolves.
    assert {d.rule for d in found} == {"placeholder-text"}, [d.format() for d in found]


@pytest.mark.parametrize("kind", SCAFFOLD_KINDS)
def test_new_fits_the_example_handbook(kind: str, tmp_path: Path) -> None:
    """Severities, owner, policy and channels come from the handbook it joins: a new
    alert pages through the service's PagerDuty and warns on its Slack channel."""
    from helpers import copy_example

    copy_example(tmp_path)
    result = run(["new", kind, f"Fresh-{kind}", "--service", "onesource"], tmp_path)
    assert result.exit_code == 0, result.stderr
    found = [
        d for d in validate_paths([tmp_path / "ops"]).diagnostics
        if d.level == "error" or Path(d.path).name == f"Fresh-{kind}.yaml"
    ]  # fmt: skip
    assert {d.rule for d in found} == {"placeholder-text"}, [d.format() for d in found]
    assert {Path(d.path).name for d in found} == {f"Fresh-{kind}.yaml"}


def test_new_alert_takes_the_severities_and_channels_the_handbook_uses(tmp_path: Path) -> None:
    from helpers import copy_example

    copy_example(tmp_path)
    assert (
        run(["new", "alert", "QueueBacklogHigh", "--service", "onesource"], tmp_path).exit_code == 0
    )
    text = (tmp_path / "ops" / "QueueBacklogHigh.yaml").read_text("utf-8")
    assert "severity: warning\n" in text and "severity: critical\n" in text
    assert '{pagerduty: "onesource-oncall"}' in text and '{slack: "#onesource-alerts"}' in text
    assert "{policy: onesource-oncall}" in text


def test_new_with_an_unknown_service_lists_the_known_ones(tmp_path: Path) -> None:
    from helpers import copy_example

    copy_example(tmp_path)
    result = run(["new", "alert", "X", "--service", "nope"], tmp_path)
    assert result.exit_code == 2
    assert "service 'nope' is not defined; the handbook has: " in result.stderr
    assert "onesource" in result.stderr and not (tmp_path / "ops" / "X.yaml").exists()


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    assert run(["new", "flag", "X"], tmp_path).exit_code == 0
    before = (tmp_path / "ops" / "X.yaml").read_text("utf-8")
    result = run(["new", "alert", "X"], tmp_path)
    assert result.exit_code == 1
    assert "already exists; nothing was written" in result.stderr
    assert (tmp_path / "ops" / "X.yaml").read_text("utf-8") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["new", "widget", "x"], "unknown kind 'widget'"),
        (["new", "flag", "../x"], "not a valid id"),
    ],
)
def test_new_rejects_bad_kind_and_id(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(args, tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "ops").exists()


def test_committed_reference_is_fresh() -> None:
    """docs/reference.md is made from the bundled schema: it cannot drift from it."""
    from opsbook.authoring.reference import reference_markdown

    assert (ROOT / "docs" / "reference.md").read_text("utf-8") == reference_markdown()


def test_the_reference_lists_every_kind_and_every_field_of_the_schema() -> None:
    from opsbook.authoring.reference import reference_markdown
    from opsbook.load.schema import bundled_schema

    text = reference_markdown()
    defs = bundled_schema()["$defs"]
    for section in ("services", "teams", "severities", "escalations", "flags", "alerts",
                    "rollouts", "incidents", "checklists"):  # fmt: skip
        assert f"## `{section}`" in text
        name = bundled_schema()["properties"][section]["items"]["$ref"].rsplit("/", 1)[-1]
        for field in defs[name]["properties"]:
            assert f"| `{field}` |" in text, (section, field)
    assert "| `runbook.mitigation` | list of [step](#step) |" in text
    purpose = "| `purpose` | text | **required**; `kill-switch`, `release`, `experiment`, `ops`"
    assert purpose in text
    assert "| `tier` | integer | 1–4 |" in text
    assert text.count("Example:") == 9


def test_schema_check_reports_a_stale_reference(tmp_path: Path) -> None:
    target = tmp_path / "reference.md"
    target.write_text("# old\n", "utf-8")
    stale = run(["schema", "--format", "markdown", "--check", "-o", str(target)], tmp_path)
    assert stale.exit_code == 1
    assert "is stale; run `opsbook schema --format markdown`" in stale.stderr
    assert run(["schema", "--format", "markdown", "-o", str(target)], tmp_path).exit_code == 0
    fresh = run(["schema", "--format", "markdown", "--check", "-o", str(target)], tmp_path)
    assert fresh.exit_code == 0
