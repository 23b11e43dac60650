"""pre-commit: the manifest other repositories use, and the project's own config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def pre_commit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(ROOT / ".cache" / "pre-commit")}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def test_manifest_and_config_are_valid() -> None:
    manifest = pre_commit("validate-manifest", ".pre-commit-hooks.yaml", cwd=ROOT)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    config = pre_commit("validate-config", ".pre-commit-config.yaml", cwd=ROOT)
    assert config.returncode == 0, config.stdout + config.stderr


def test_validate_hook_blocks_a_bad_commit_and_passes_a_good_one(tmp_path: Path) -> None:
    """The hook installed by pre-commit from this repository, run on another repository."""
    shutil.copytree(ROOT / "tests" / "corpus" / "base", tmp_path / "ops")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-qm", "base", cwd=tmp_path)
    good = pre_commit("try-repo", str(ROOT), "opsbook-validate", "--all-files", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "opsbook validate" in good.stdout and "Passed" in good.stdout
    base = tmp_path / "ops" / "base.yaml"
    base.write_text(base.read_text("utf-8").replace("owner: web", "owner: wbe"), "utf-8")
    bad = pre_commit("try-repo", str(ROOT), "opsbook-validate", "--all-files", cwd=tmp_path)
    assert bad.returncode == 1
    assert "error [unknown-reference] team `wbe` is not defined; did you mean `web`?" in bad.stdout


def test_generate_check_hook_fails_on_stale_markdown(tmp_path: Path) -> None:
    """A definition changed without regenerating is caught before it is committed."""
    from test_handbook import copy_example

    copy_example(tmp_path)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    git("commit", "-qm", "example", cwd=tmp_path)
    hook = ("try-repo", str(ROOT), "opsbook-generate-check", "--all-files")
    fresh = pre_commit(*hook, cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    alerts = tmp_path / "ops" / "onesource.yaml"
    alerts.write_text(alerts.read_text("utf-8").replace("Users see failed chats.", "Chats fail."))
    stale = pre_commit(*hook, cwd=tmp_path)
    assert stale.returncode == 1
    assert "runbooks/onesource/higherrorrate.md: stale" in stale.stdout


def test_the_projects_own_hooks_pass_on_its_example(tmp_path: Path) -> None:
    """Run on a copy: `pre-commit run` would stash a developer's unstaged edits."""
    from test_handbook import copy_example

    copy_example(tmp_path)
    for name in (".pre-commit-config.yaml", "schemas", "generator/opsbook/schemas"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy2(source, tmp_path / name)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    result = pre_commit("run", "--all-files", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in ("opsbook validate", "opsbook generate --check", "opsbook schema --check"):
        assert hook in result.stdout
