"""pre-commit: the manifest other repositories use, and the project's own config.

The hooks are installed by pre-commit for real, from a snapshot of this working tree
committed into a throwaway repository once per test session: every test that uses them
shares that one hook environment instead of installing opsbook again (`try-repo` makes a
new clone, so a new environment, on every call).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from helpers import errors

pytestmark = [pytest.mark.slow, pytest.mark.versionless]


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    # `language: system` hooks run the opsbook of the Python that runs the tests.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PATH": path}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    """This working tree as a hook repository: (its URL, the commit, PRE_COMMIT_HOME)."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-qm", "snapshot", cwd=snapshot)
    return snapshot.as_uri(), git("rev-parse", "HEAD", cwd=snapshot), snapshot.parent / "home"


def use_hooks(repo: Path, hooks: tuple[str, str, Path], *ids: str, args: str = "") -> None:
    """Commit a config in `repo` that takes the hooks `ids` from the snapshot."""
    url, rev, _ = hooks
    lines = ["repos:", f"  - repo: {url}", f"    rev: {rev}", "    hooks:"]
    for hook in ids:
        lines.append(f"      - id: {hook}")
        if args:
            lines.append(f"        args: {args}")
    (repo / ".pre-commit-config.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    git("add", "-A", cwd=repo)


def test_manifest_and_config_are_valid(tmp_path: Path) -> None:
    manifest = pre_commit("validate-manifest", ".pre-commit-hooks.yaml", cwd=ROOT, home=tmp_path)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = pre_commit("validate-config", ".pre-commit-config.yaml", cwd=ROOT, home=tmp_path)
    assert config.returncode == 0, config.stdout + config.stderr


def test_validate_hook_blocks_a_bad_commit_and_passes_a_good_one(
    tmp_path: Path, hooks: tuple[str, str, Path]
) -> None:
    """The hook installed by pre-commit from this repository, run on another repository."""
    shutil.copytree(ROOT / "tests" / "corpus" / "base", tmp_path / "ops")
    git("init", "-q", cwd=tmp_path)
    use_hooks(tmp_path, hooks, "opsbook-validate")
    good = pre_commit("run", "--all-files", cwd=tmp_path, home=hooks[2])
    assert good.returncode == 0, good.stdout + good.stderr
    assert "opsbook validate" in good.stdout and "Passed" in good.stdout
    base = tmp_path / "ops" / "base.yaml"
    base.write_text(base.read_text("utf-8").replace("owner: web", "owner: wbe"), "utf-8")
    bad = pre_commit("run", "--all-files", cwd=tmp_path, home=hooks[2])
    assert bad.returncode == 1
    assert "error [unknown-reference] team `wbe` is not defined; did you mean `web`?" in bad.stdout


def test_validate_hook_checks_only_the_staged_files_against_the_whole_handbook(
    tmp_path: Path, hooks: tuple[str, str, Path]
) -> None:
    """With file names passed, a file that refers to another is not a false alarm, and a
    problem in a file not staged is not reported."""
    from helpers import copy_example

    copy_example(tmp_path)
    git("init", "-q", cwd=tmp_path)
    use_hooks(tmp_path, hooks, "opsbook-validate-files")
    git("commit", "-qm", "example", cwd=tmp_path)
    alerts = tmp_path / "ops" / "onesource.yaml"
    alerts.write_text(alerts.read_text("utf-8").replace("owner: onesource", "owner: nobody"))
    other = tmp_path / "ops" / "cinematic.yaml"
    other.write_text(other.read_text("utf-8") + "\n", "utf-8")
    git("add", str(other), cwd=tmp_path)  # staged: cinematic.yaml only; it refers to policy.yaml
    only_other = pre_commit("run", cwd=tmp_path, home=hooks[2])
    assert only_other.returncode == 0, only_other.stdout + only_other.stderr
    git("add", "-A", cwd=tmp_path)
    both = pre_commit("run", cwd=tmp_path, home=hooks[2])
    assert both.returncode == 1, both.stdout + both.stderr
    assert "ops/onesource.yaml:" in both.stdout
    assert not [line for line in errors(both.stdout) if line.startswith("ops/cinematic.yaml:")]


def test_generate_check_hook_fails_on_stale_markdown(
    tmp_path: Path, hooks: tuple[str, str, Path]
) -> None:
    """A definition changed without regenerating is caught before it is committed."""
    from helpers import copy_example

    copy_example(tmp_path)
    git("init", "-q", cwd=tmp_path)
    use_hooks(tmp_path, hooks, "opsbook-generate-check")
    fresh = pre_commit("run", "--all-files", cwd=tmp_path, home=hooks[2])
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    alerts = tmp_path / "ops" / "onesource.yaml"
    alerts.write_text(alerts.read_text("utf-8").replace("Users see failed chats.", "Chats fail."))
    stale = pre_commit("run", "--all-files", cwd=tmp_path, home=hooks[2])
    assert stale.returncode == 1
    assert "runbooks/onesource/higherrorrate.md: stale" in stale.stdout


def test_the_projects_own_hooks_pass_on_its_example(tmp_path: Path) -> None:
    """Run on a copy: `pre-commit run` would stash a developer's unstaged edits."""
    from helpers import copy_example

    copy_example(tmp_path)
    for name in (".pre-commit-config.yaml", "schemas", "generator/opsbook/schemas"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    result = pre_commit("run", "--all-files", cwd=tmp_path, home=tmp_path / ".pre-commit")
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in (
        "opsbook validate",
        "opsbook generate --check",
        "opsbook schema --check",
        "opsbook schema --format markdown --check",
    ):
        assert f"\n{hook}." in f"\n{result.stdout}", result.stdout
