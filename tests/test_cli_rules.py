"""Rule levels: per-project settings in mkdocs.yml, --strict, --today, `opsbook rules`."""

from __future__ import annotations

from typing import Any

from helpers import run
from opsbook.core.ruleset import RULES

EXPIRING = """\
apiVersion: opsbook/v1
teams: [{id: web, name: Web, channels: [{slack: "#web"}]}]
services: [{id: shop, name: Shop, owner: web, suppress: [service-links]}]
flags:
  - id: TRIAL
    service: shop
    type: boolean
    purpose: experiment
    description: A trial.
    default: false
    expires: 2026-06-30
    suppress: [unused-flag]
"""
EXPIRED_LINE = (
    "ops/f.yaml:11:14: warning [flag-expired] flag `TRIAL` expired on 2026-06-30; "
    "remove it or extend `expires`\n"
)


def test_warnings_print_but_exit_0(build_tree: Any) -> None:
    root = build_tree({"ops/f.yaml": EXPIRING})
    result = run(["validate", "--today", "2026-07-01"], root)
    assert (result.exit_code, result.stdout) == (0, EXPIRED_LINE)
    assert result.stderr == "opsbook: 0 error(s), 1 warning(s) in 1 file(s)\n"


def test_today_option_makes_date_rules_reproducible(build_tree: Any) -> None:
    root = build_tree({"ops/f.yaml": EXPIRING})
    assert run(["validate", "--today", "2026-06-30"], root).stdout == ""
    assert run(["validate", "--today", "2026-07-01"], root).stdout == EXPIRED_LINE


def test_strict_turns_warnings_into_errors(build_tree: Any) -> None:
    root = build_tree({"ops/f.yaml": EXPIRING})
    result = run(["validate", "--strict", "--today", "2026-07-01"], root)
    assert result.exit_code == 1
    assert result.stdout == EXPIRED_LINE.replace("warning [", "error [")


def test_mkdocs_plugin_settings_change_levels_and_switch_rules_off(build_tree: Any) -> None:
    mkdocs = (
        "site_name: x\nplugins:\n  - search\n  - opsbook:\n      rules:\n        flag-expired: {}\n"
    )
    root = build_tree({"ops/f.yaml": EXPIRING, "mkdocs.yml": mkdocs.format("error")})
    result = run(["validate", "--today", "2026-07-01"], root)
    assert (result.exit_code, result.stdout) == (1, EXPIRED_LINE.replace("warning [", "error ["))
    (root / "mkdocs.yml").write_text(mkdocs.format("off"))
    result = run(["validate", "--today", "2026-07-01"], root)
    assert (result.exit_code, result.stdout) == (0, "")


def test_mkdocs_python_tags_are_not_executed(build_tree: Any) -> None:
    mkdocs = (
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n  - opsbook:\n      rules: {flag-expired: off}\n"
    )
    root = build_tree({"ops/f.yaml": EXPIRING, "mkdocs.yml": mkdocs})
    assert run(["validate", "--today", "2026-07-01"], root).stdout == ""


def test_bad_settings_are_usage_errors(build_tree: Any) -> None:
    for rules, message in [
        ("no-such-rule: off", "unknown rule 'no-such-rule'"),
        ("duplicate-id: off", "rule 'duplicate-id' cannot be changed"),
        ("flag-expired: loud", "must be error, warning or off"),
    ]:
        root = build_tree(
            {
                "ops/f.yaml": EXPIRING,
                "mkdocs.yml": f"plugins:\n  - opsbook:\n      rules: {{{rules}}}\n",
            }
        )
        result = run(["validate"], root)
        assert result.exit_code == 2, rules
        assert message in result.stderr
    (root / "mkdocs.yml").unlink()
    result = run(["validate", "--today", "yesterday"], root)
    assert (result.exit_code, "not a date" in result.stderr) == (2, True)


def test_rules_lists_every_rule_with_level_and_rationale(build_tree: Any) -> None:
    root = build_tree({})
    result = run(["rules"], root)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    unused = next(line for line in lines if line.startswith("unused-flag "))
    assert unused.split()[1:4] == ["quality", "warning", "configurable"]
    assert RULES["unused-flag"].rationale in unused
