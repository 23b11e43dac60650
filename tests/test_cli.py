"""The `opsbook validate` command, run for real: exact output and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from helpers import errors, run

GOOD = """\
apiVersion: opsbook/v1
teams:
  - {id: web, name: Web, channels: [{slack: "#web"}]}
"""
BAD = """\
apiVersion: opsbook/v1
teams:
  - {id: web, nme: Web}
services:
  - {id: shop, name: Shop, owner: wbe, suppress: [service-links]}
"""


def test_clean_definitions_print_a_summary_on_stderr_and_exit_0(build_tree: Any) -> None:
    """Nothing on stdout (what CI parses), one line on stderr that says the check ran."""
    root = build_tree({"ops/teams.yaml": GOOD})
    result = run(["validate"], root)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "opsbook: no problems in 1 definitions file(s)\n"


def test_problems_are_listed_one_per_line_sorted_with_exit_1(build_tree: Any) -> None:
    root = build_tree({"ops/b.yaml": BAD, "ops/a.yaml": "apiVersion: opsbook/v1\nteams: {}\n"})
    result = run(["validate", "ops"], root)
    assert result.exit_code == 1
    assert result.stdout == (
        "ops/a.yaml:2:8: error [schema-type] `teams` must be a list, not a mapping\n"
        "ops/b.yaml:3:5: error [schema-required] `teams[0]` is missing required property `name`\n"
        "ops/b.yaml:3:15: error [schema-unknown-key] unknown property `nme` in `teams[0]`; "
        "did you mean `name`?\n"
        "ops/b.yaml:5:35: error [unknown-reference] team `wbe` is not defined; did you mean "
        "`web`?\n"
    )
    assert result.stderr == "opsbook: 4 error(s), 0 warning(s) in 2 file(s)\n"


def test_json_format_lists_every_diagnostic_with_counts(build_tree: Any) -> None:
    root = build_tree({"ops/b.yaml": BAD})
    result = run(["validate", "--format", "json", "ops"], root)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["summary"] == {"files": 1, "errors": 3, "warnings": 0}
    assert document["diagnostics"][0] == {
        "path": "ops/b.yaml",
        "line": 3,
        "col": 5,
        "level": "error",
        "rule": "schema-required",
        "message": "`teams[0]` is missing required property `name`",
    }


def test_json_format_on_clean_input_is_an_empty_list(build_tree: Any) -> None:
    root = build_tree({"ops/teams.yaml": GOOD})
    result = run(["validate", "--format", "json"], root)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["diagnostics"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing"], "opsbook: error: missing: no such file or directory\n"),
        (["validate", "--format", "xml"], "Invalid value for '--format'"),
        (["validate", "--no-such-option"], "No such option"),
    ],
)
def test_usage_errors_exit_2(build_tree: Any, args: list[str], message: str) -> None:
    root = build_tree({"ops/teams.yaml": GOOD})
    result = run(args, root)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_hostile_files_give_diagnostics_not_tracebacks(build_tree: Any) -> None:
    root = build_tree(
        {
            "ops/binary.yaml": b"\x00\xff\xfe garbage",
            "ops/deep.yaml": "x: " + "[" * 30_000,
            "ops/list.yml": "- 1\n",
        }
    )
    result = run(["validate"], root)
    assert result.exit_code == 1
    assert [line.split(" [")[1].split("]")[0] for line in result.stdout.splitlines()] == [
        "invalid-utf8",
        "nesting-depth",
        "not-a-mapping",
    ]


def test_new_user_typo_in_example_gives_exactly_one_error(tmp_path: Path) -> None:
    """Copy of the example, `severity:` misspelt in one alert, run as the installed command."""
    shutil.copytree(ROOT / "ops", tmp_path / "ops")
    alerts = tmp_path / "ops" / "concierge" / "alerts.yaml"
    lines = alerts.read_text("utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.strip() == "severity: critical")
    lines[number] = lines[number].replace("severity:", "sevrity:")
    alerts.write_text("".join(lines), "utf-8")
    clean = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate"], cwd=ROOT, capture_output=True, text=True
    )
    assert (clean.returncode, errors(clean.stdout)) == (0, [])
    typo = subprocess.run(
        [sys.executable, "-m", "opsbook", "validate", "ops/"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert typo.returncode == 1
    assert errors(typo.stdout) == [
        f"ops/concierge/alerts.yaml:{number + 1}:5: error [schema-unknown-key] unknown property "
        "`sevrity` in `alerts[2]`; did you mean `severity`?"
    ]


@pytest.mark.parametrize(
    ("files", "args", "status"),
    [
        ({"ops/a.yaml": GOOD}, ["validate"], 0),
        ({"ops/a.yaml": BAD}, ["validate"], 1),
        ({"ops/a.yaml": GOOD}, ["validate", "--format", "yaml"], 2),
    ],
)
def test_the_console_entry_point_exits_with_flushed_output_and_exit_handlers(
    build_tree: Any, files: dict[str, str], args: list[str], status: int
) -> None:
    """`main` skips Python's teardown, but not its exit status, its piped output or the
    exit handlers other tools register (coverage saves its data in one)."""
    root = build_tree(files)
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', file=sys.stderr))\n"
        "sys.stdout.write('written before, still buffered\\n')\n"
        "from opsbook.cli import main\n"
        f"sys.argv = ['opsbook', *{args!r}]\n"
        "main()\n"
    )
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=buffered, capture_output=True, text=True
    )
    expected = run(args, root)
    assert result.returncode == status == expected.exit_code
    assert result.stdout == "written before, still buffered\n" + expected.stdout
    assert result.stderr.endswith("exit handler ran\n")


def _example_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ops", tmp_path / "ops")
    return tmp_path


def _example_files() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "ops").rglob("*.yaml"))


def _break(path: Path, how: str) -> int:
    """Put a tab at the start of the first `id:` line, or repeat that line (a duplicate
    key); returns the 1-based line broken."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.lstrip(" -").startswith("id:"))
    if how == "tab":
        lines[number] = "\t" + lines[number]
    else:
        lines.insert(
            number + 1,
            " " * (len(lines[number]) - len(lines[number].lstrip(" -")))
            + lines[number].lstrip(" -"),
        )
    path.write_text("".join(lines), "utf-8")
    return number + 1


@pytest.mark.parametrize("how", ["tab", "duplicate"])
@pytest.mark.parametrize("name", _example_files())
def test_one_broken_file_of_the_example_gives_exactly_one_error(
    tmp_path: Path, name: str, how: str
) -> None:
    """Ids of a file that cannot be loaded are not reported as unknown wherever they are
    used, and no flag it uses is called unused: the one real problem is the only one."""
    root = _example_copy(tmp_path)
    line = _break(root / name, how)
    result = run(["validate"], root)
    assert result.exit_code == 1
    (only,) = errors(result.stdout)
    rule = "yaml-syntax" if how == "tab" else "duplicate-key"
    expected_line = line if how == "tab" else line + 1
    assert only.startswith(f"{name}:{expected_line}:") and f"[{rule}]" in only


def test_the_file_that_cannot_be_loaded_is_reported_first(build_tree: Any) -> None:
    root = build_tree(
        {
            "ops/a.yaml": "apiVersion: opsbook/v1\nteams:\n  - {id: web, nme: Web}\n",
            "ops/z.yaml": "apiVersion: opsbook/v1\nteams:\n\t- {id: ops, name: Ops}\n",
        }
    )
    result = run(["validate"], root)
    assert [line.split(" [")[1].split("]")[0] for line in result.stdout.splitlines()] == [
        "yaml-syntax",
        "schema-required",
        "schema-unknown-key",
    ]


@pytest.mark.parametrize("name", _example_files())
def test_each_file_of_the_example_validates_alone(name: str) -> None:
    """What a pre-commit hook with `pass_filenames` runs: checked against the whole
    handbook, so references into other files are no false alarms."""
    result = run(["validate", name], ROOT)
    assert (result.exit_code, errors(result.stdout)) == (0, []), result.stdout


def test_validating_some_files_reports_only_on_them(tmp_path: Path) -> None:
    root = _example_copy(tmp_path)
    broken = root / "ops" / "onesource.yaml"
    broken.write_text(broken.read_text("utf-8").replace("owner: onesource-team", "owner: x"))
    alone = run(["validate", "ops/cinematic.yaml"], root)
    assert (alone.exit_code, errors(alone.stdout)) == (0, [])
    assert all(line.startswith("ops/cinematic.yaml:") for line in alone.stdout.splitlines())
    assert "error(s) in files not given are not shown" in alone.stderr
    both = run(["validate", "ops/cinematic.yaml", "ops/onesource.yaml"], root)
    assert both.exit_code == 1
    lines = errors(both.stdout)
    assert lines and all(line.startswith("ops/onesource.yaml:") for line in lines)
    assert all("[unknown-reference] team `x` is not defined" in line for line in lines)


def test_a_missing_file_inside_the_handbook_is_a_usage_error(tmp_path: Path) -> None:
    """Not a silent pass because the rest of the handbook is fine."""
    root = _example_copy(tmp_path)
    result = run(["validate", "ops/nothing-here.yaml"], root)
    assert result.exit_code == 2
    assert result.stderr == "opsbook: error: ops/nothing-here.yaml: no such file or directory\n"


def test_values_quoted_in_messages_cannot_drive_the_terminal(build_tree: Any) -> None:
    """An escape sequence or a line break in a value is shown escaped, and a huge value is
    cut, so the output is one line per problem whatever the definitions hold."""
    root = build_tree(
        {
            "ops/a.yaml": "apiVersion: opsbook/v1\nservices:\n  - {id: s, name: S, owner: "
            + '"\\e[2J\\nfake:1:1: error"'
            + "}\n",
            "ops/b.yaml": "apiVersion: opsbook/v1\nservices:\n  - {id: t, name: T, owner: "
            + "x" * 5000
            + "}\n",
        }
    )
    result = run(["validate"], root)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert "\x1b" not in result.stdout and "\\x1b[2J\\nfake:1:1" in lines[0]
    assert len(lines[1]) < 500 and lines[1].endswith("…")
