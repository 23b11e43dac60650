"""`opsbook checklist`: release state files started, ticked, waived and gated from the
command line, concurrent ticks, bad input, and the records' validation and pages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ENV, copy_example, errors, run
from opsbook.check.validate import validate_paths
from opsbook.model.checkitems import check_sections, task_list

RECORD = "checklists/releases/concierge-canary/3.0.0.yaml"
ITEM = "prerequisites/staging-environment-provisioned"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the example handbook with release 3.0.0 of the canary started."""
    root = copy_example(tmp_path / "handbook")
    result = run(["checklist", "start", "concierge-canary", "3.0.0"], root)
    assert (result.exit_code, result.stdout) == (
        0,
        f"started concierge-canary 3.0.0: {RECORD}\n",
    )
    return root


def record(root: Path) -> str:
    return (root / RECORD).read_text("utf-8")


def rollout(root: Path):  # type: ignore[no-untyped-def]
    catalog = validate_paths([root / "ops"]).catalog
    assert catalog is not None
    return next(r for r in catalog.rollouts if r.id == "concierge-canary")


def keys(root: Path, *, phase: str | None = None) -> list[str]:
    """Every item id of the canary, or those up to and including `phase`."""
    found = []
    for section in check_sections(rollout(root)):
        if section.part == "after-launch" and phase:
            break
        found += [c.key for c in section.checks]
        if section.phase is not None and section.phase.id == phase:
            break
    return found


def test_start_writes_an_empty_record_and_refuses_twice(root: Path) -> None:
    text = record(root)
    assert "rollout: concierge-canary\nrelease: 3.0.0\n" in text
    assert text.endswith("ticks: {}\n")
    again = run(["checklist", "start", "concierge-canary", "3.0.0"], root)
    assert again.exit_code == 1
    assert "release `3.0.0` is started already" in again.stderr
    assert record(root) == text


def test_tick_records_who_when_and_evidence(root: Path) -> None:
    result = run(
        ["checklist", "tick", "concierge-canary", "3.0.0", ITEM, "--by", "dana",
         "--evidence", "https://ci.example/run/7"],
        root,
    )  # fmt: skip
    assert (result.exit_code, result.stdout) == (
        0,
        f"ticked {ITEM}: Staging environment provisioned\n",
    )
    lines = record(root).split(f"  {ITEM}:\n", 1)[1].splitlines()
    assert lines[0] == "    by: dana"
    assert lines[1].startswith("    at: '20") and lines[1].endswith("Z'")
    assert lines[2] == "    evidence: https://ci.example/run/7"
    assert run(["validate"], root).exit_code == 0


def test_status_fails_while_required_items_are_open_and_passes_when_done(root: Path) -> None:
    status = ["checklist", "status", "concierge-canary", "3.0.0"]
    first = run(status, root)
    assert first.exit_code == 1
    total = len(keys(root))
    assert first.stdout.startswith(
        f"Aurora Concierge canary rollout, release 3.0.0: 0 of {total} done; "
    )
    assert f"[ ] {ITEM}  Staging environment provisioned" in first.stdout
    everything = keys(root)
    assert run(["checklist", "tick", "concierge-canary", "3.0.0", *everything[:-1],
                "--by", "dana"], root).exit_code == 0  # fmt: skip
    assert run(status, root).exit_code == 1
    waive = ["checklist", "tick", "concierge-canary", "3.0.0", everything[-1], "--by", "sre"]
    assert run([*waive, "--waive", "Covered by the phase-4 review"], root).exit_code == 0
    done = run(status, root)
    assert done.exit_code == 0, done.stdout
    assert f"{total} of {total} done (1 waived); complete: no required item open" in done.stdout
    assert "waived by sre: Covered by the phase-4 review" in done.stdout


def test_phase_gate_only_needs_the_items_up_to_that_phase(root: Path) -> None:
    before_phase_2 = keys(root, phase="phase-0")
    tick = ["checklist", "tick", "concierge-canary", "3.0.0", *before_phase_2, "--by", "dana"]
    assert run(tick, root).exit_code == 0
    gate = run(["checklist", "status", "concierge-canary", "3.0.0", "--phase", "phase-0"], root)
    assert gate.exit_code == 0, gate.stdout
    next_gate = run(
        ["checklist", "status", "concierge-canary", "3.0.0", "--phase", "phase-1"], root
    )
    assert next_gate.exit_code == 1
    bad = run(["checklist", "status", "concierge-canary", "3.0.0", "--phase", "phase-9"], root)
    assert bad.exit_code == 2
    assert "no phase `phase-9`; the phases are: phase-0, phase-1" in bad.stderr


def test_status_markdown_and_json(root: Path) -> None:
    run(["checklist", "tick", "concierge-canary", "3.0.0", ITEM, "--by", "dana"], root)
    markdown = run(
        ["checklist", "status", "concierge-canary", "3.0.0", "--format", "markdown"], root
    )
    canary = rollout(root)
    line = next(x for x in markdown.stdout.splitlines() if x.startswith("- [x]"))
    assert re.fullmatch(r"- \[x\] .+ — dana, \d{4}-\d\d-\d\d \d\d:\d\d UTC", line), line
    when = line.rsplit(", ", 1)[1]
    notes = {ITEM: f"dana, {when}"}
    assert markdown.stdout == task_list(canary.name, check_sections(canary), notes, "3.0.0")
    import json

    data = json.loads(
        run(["checklist", "status", "concierge-canary", "3.0.0", "--format", "json"], root).stdout
    )
    assert (data["done"], data["complete"]) == (1, False)
    first = data["sections"][0]["items"][0]
    assert (first["id"], first["done"], first["by"]) == (ITEM, True, "dana")


@pytest.mark.parametrize(
    ("extra", "message", "code"),
    [
        (["prerequisites/staging"], "has no item `prerequisites/staging`; did you mean", 1),
        ([ITEM, "--waive", "  "], "--waive needs a reason", 2),
        ([ITEM, "--evidence", "javascript:alert(1)"], "is not a web address", 2),
        ([ITEM, "nope/nothing"], "has no item `nope/nothing`", 1),
    ],
)
def test_bad_ticks_change_nothing(root: Path, extra: list[str], message: str, code: int) -> None:
    before = record(root)
    result = run(["checklist", "tick", "concierge-canary", "3.0.0", *extra, "--by", "x"], root)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert record(root) == before


def test_ticking_twice_or_an_unstarted_release_is_refused(root: Path) -> None:
    tick = ["checklist", "tick", "concierge-canary", "3.0.0", ITEM, "--by", "dana"]
    assert run(tick, root).exit_code == 0
    before = record(root)
    again = run(tick, root)
    assert again.exit_code == 1
    assert "was ticked already by dana" in again.stderr
    assert record(root) == before
    untick = run(["checklist", "untick", "concierge-canary", "3.0.0", ITEM, "--by", "dana"], root)
    assert untick.exit_code == 0
    assert ITEM not in record(root)
    missing = run(["checklist", "tick", "concierge-canary", "9.9.9", ITEM, "--by", "x"], root)
    assert missing.exit_code == 1
    assert "run `opsbook checklist start concierge-canary 9.9.9`" in missing.stderr
    unknown = run(["checklist", "status", "concierge-canry", "3.0.0"], root)
    assert unknown.exit_code == 2
    assert "did you mean `concierge-canary`?" in unknown.stderr


def test_a_broken_record_is_reported_at_its_line_and_left_alone(root: Path) -> None:
    path = root / RECORD
    path.write_text(record(root).replace("ticks: {}", "ticks:\n  x: [1"), "utf-8")
    before = record(root)
    result = run(["checklist", "tick", "concierge-canary", "3.0.0", ITEM, "--by", "x"], root)
    assert result.exit_code == 1
    assert f"{RECORD}:" in result.stderr and "Traceback" not in result.stderr
    assert record(root) == before


@pytest.mark.slow
def test_concurrent_ticks_are_all_kept(root: Path) -> None:
    """Eight processes tick eight items of one record at once; no tick is lost."""
    items = keys(root)[:8]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsbook",
                "checklist",
                "tick",
                "concierge-canary",
                "3.0.0",
                key,
                "--by",
                f"person{n}",
            ],
            cwd=root,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, key in enumerate(items)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    text = record(root)
    assert all(f"  {key}:\n" in text for key in items)
    assert all(f"by: person{n}\n" in text for n in range(8))
    assert run(["validate"], root).exit_code == 0


def test_validate_reports_record_problems_at_file_line_col(root: Path) -> None:
    path = root / RECORD
    text = record(root).replace(
        "ticks: {}",
        "ticks:\n  prerequisites/gone:\n    by: a\n    at: '2026-11-20T10:00:00Z'\n"
        f"  {ITEM}:\n    by: b\n    at: '2026-11-20T10:00:00Z'\n    waived: ''\n",
    )
    path.write_text(text, "utf-8")
    result = run(["validate"], root)
    assert result.exit_code == 1
    assert errors(result.stdout) == [
        f"{RECORD}:8:3: error [release-item] `concierge-canary` has no item "
        "`prerequisites/gone` (it was renamed or removed); did you mean "
        "`prerequisites/feature-flags-configured`?",
        f"{RECORD}:14:13: error [release-waiver] the waiver of `{ITEM}` needs a reason: "
        "`waived: <why it can be skipped>`",
    ]
    only = run(["validate", RECORD], root)  # a record given by path: checked against ops/
    assert only.stdout.splitlines() == errors(result.stdout)  # no warning from elsewhere
    build = run(["generate"], root)
    assert build.exit_code == 1  # nothing is generated from a broken record


def test_each_release_gets_a_page_listed_on_its_rollout(root: Path) -> None:
    run(["checklist", "tick", "concierge-canary", "3.0.0", ITEM, "--by", "dana"], root)
    assert run(["generate"], root).exit_code == 0
    page = (root / "checklists/releases/concierge-canary/3.0.0.md").read_text("utf-8")
    assert page.startswith("# Aurora Concierge canary rollout: release 3\\.0\\.0\n")
    assert "| done | Staging environment provisioned | `" + ITEM + "` | dana |" in page
    listing = (root / "checklists/concierge-canary.md").read_text("utf-8")
    assert "| [3\\.0\\.0](releases/concierge-canary/3.0.0.md) |" in listing
    assert "| [2\\.4\\.0](releases/concierge-canary/2.4.0.md) |" in listing


def test_a_release_that_differs_only_in_case_is_refused(root: Path) -> None:
    """`3.0.0-RC1` and `3.0.0-rc1` would be one file on a case-insensitive filesystem."""
    assert run(["checklist", "start", "concierge-canary", "3.1-RC1"], root).exit_code == 0
    twin = run(["checklist", "start", "concierge-canary", "3.1-rc1"], root)
    assert twin.exit_code == 1
    assert "differs from it only in case" in twin.stderr
    folder = root / "checklists" / "releases" / "concierge-canary"
    assert not (folder / "3.1-rc1.yaml").exists()
    text = (folder / "3.1-RC1.yaml").read_text("utf-8").replace("3.1-RC1", "3.1-rc1")
    (folder / "3.1-rc1.yaml").write_text(text, "utf-8")  # made by hand, on Linux
    found = run(["validate"], root)
    assert found.exit_code == 1
    assert "[release-file] release `3.1-rc1` of `concierge-canary` differs only in case" in (
        found.stdout
    )


def test_checklist_output_shows_control_characters_as_escapes(root: Path) -> None:
    """Who ticked and why are typed by people: they cannot drive the terminal."""
    key = "launch-day/stakeholder-sign-off"
    ticked = run(
        ["checklist", "tick", "concierge-canary", "3.0.0", key, "--by", "x\x1b[2J",
         "--waive", "why\nforged line"],
        root,
    )  # fmt: skip
    assert ticked.exit_code == 0, ticked.stderr
    status = run(["checklist", "status", "concierge-canary", "3.0.0"], root)
    assert "\x1b" not in status.stdout
    assert "waived by x\\x1b[2J: why forged line" in status.stdout
