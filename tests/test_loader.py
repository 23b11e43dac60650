"""The loader: YAML 1.2 values, exact positions, and refusal of hostile input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from opsbook.load.compose import ComposeProblems, LoadProblem, resolve_plain
from opsbook.load.files import discover, load_text
from opsbook.load.nodes import YList, YMap, mark_of


def problems(text: str) -> list[tuple[str, tuple[int, int]]]:
    try:
        load_text(text)
    except LoadProblem as problem:
        return [(problem.rule, problem.mark)]
    except ComposeProblems as found:
        return [(p.rule, p.mark) for p in found.problems]
    return []


@pytest.mark.parametrize(
    ("plain", "value"),
    [
        ("on", "on"),
        ("off", "off"),
        ("no", "no"),
        ("NO", "NO"),
        ("yes", "yes"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("010", 10),
        ("0o17", 15),
        ("0x1F", 31),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("2025-10-19", "2025-10-19"),
        ("12:30:00", "12:30:00"),
        ("~", None),
        ("null", None),
        ("", None),
        ("1_000", "1_000"),
        (".5", 0.5),
        ("-9223372036854775808", -(2**63)),
        ("0009223372036854775807", 2**63 - 1),
        ("-", "-"),
        ("0b101", "0b101"),
    ],
)
def test_plain_scalars_follow_the_yaml_1_2_core_schema(plain: str, value: Any) -> None:
    resolved = resolve_plain(plain)
    assert resolved == value
    assert type(resolved) is type(value)


def test_quoted_and_block_scalars_stay_strings() -> None:
    data = load_text("a: 'true'\nb: \"10\"\nc: |\n  on\n")
    assert data == {"a": "true", "b": "10", "c": "on\n"}


@pytest.mark.parametrize("tagged", ["!!str 5", "! x", "!!map {a: 1}", "!!seq [1]", "!local x"])
def test_every_tag_is_refused_at_its_position(tagged: str) -> None:
    """The README says definitions use plain values: no tag, not even the standard ones."""
    assert problems(f"a: 1\nb: {tagged}\n") == [("unsupported-tag", (2, 4))]


@pytest.mark.parametrize(
    "number",
    ["9" * 5000, "0x" + "f" * 4000, "0x" + "f" * 250, "9223372036854775808", "0o" + "7" * 30,
     ".inf", "-.Inf", ".nan", "1e999"],
)  # fmt: skip
def test_numbers_no_definition_means_are_refused_at_their_position(number: str) -> None:
    """Beyond 64-bit integers, infinities and NaN: never a traceback, one positioned error."""
    assert problems(f"a: 1\nb: [{number}]\n") == [("number-range", (2, 5))]


@pytest.mark.parametrize(
    ("raw", "rule", "where"),
    [
        (b"a: 1\nb: x\x00y\n", "invalid-utf8", (2, 5)),
        ("a: 1\n".encode("utf-16-le"), "invalid-utf8", (1, 2)),
        ('a: "\ufffe"\n'.encode(), "yaml-syntax", (1, 5)),
        (b"a: \x07\n", "yaml-syntax", (1, 4)),
    ],
)
def test_control_characters_and_utf16_are_positioned_errors(
    tmp_path: Path, raw: bytes, rule: str, where: tuple[int, int]
) -> None:
    from opsbook.load.files import load_source

    path = tmp_path / "x.yaml"
    path.write_bytes(raw)
    source, found = load_source(path)
    assert source is None
    assert [(d.rule, (d.line, d.col)) for d in found] == [(rule, where)]


def test_an_error_at_the_end_of_a_truncated_file_points_at_its_last_line() -> None:
    assert problems("a: 1\nb: [x, y\n") == [("yaml-syntax", (2, 9))]


def test_state_on_meant_as_string_is_the_string_on() -> None:
    assert load_text("state: on\n")["state"] == "on"


def test_every_key_and_value_keeps_its_position() -> None:
    data = load_text("top:\n  list:\n    - x\n    - {k: v}\n")
    assert isinstance(data, YMap)
    assert data.key_marks["top"] == (1, 1)
    inner = data["top"]["list"]
    assert isinstance(inner, YList)
    assert inner.item_marks == [(3, 7), (4, 7)]
    assert mark_of(data, ["top", "list", 1, "k"]) == (4, 11)
    assert mark_of(data, ["top", "list", 1, "k"], key=True) == (4, 8)
    assert mark_of(data, ["top", "missing", 3]) == (2, 3)


def test_duplicate_key_names_both_lines() -> None:
    try:
        load_text("a: 1\nb: 2\na: 3\n")
    except ComposeProblems as found:
        (problem,) = found.problems
    assert problem.rule == "duplicate-key"
    assert problem.mark == (3, 1)
    assert "line 1" in problem.message and "line 3" in problem.message


def test_all_duplicate_and_non_string_keys_are_reported_at_once() -> None:
    assert problems("a: 1\na: 2\n1: x\nnull: y\n? [k]\n: z\n") == [
        ("duplicate-key", (2, 1)),
        ("non-string-key", (3, 1)),
        ("non-string-key", (4, 1)),
        ("non-string-key", (5, 3)),
    ]


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        refs = ",".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    assert [rule for rule, _ in problems("\n".join(lines) + "\n")] == ["alias-limit"]


def test_small_aliases_are_allowed_and_share_values() -> None:
    data = load_text("a: &steps [x, y]\nb: *steps\n")
    assert data["b"] == ["x", "y"]


def test_recursive_alias_is_an_error_not_a_hang() -> None:
    assert [rule for rule, _ in problems("a: &a [*a]\n")] == ["yaml-syntax"]


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_very_deep_nesting_is_refused_without_crashing(opening: str) -> None:
    text = "x: " + opening * 30_000 + "\n"
    rules = [rule for rule, _ in problems(text)]
    assert rules and rules[0] in ("nesting-depth", "yaml-syntax")
    if opening != "- ":
        assert rules == ["nesting-depth"]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    from opsbook.load.files import load_file

    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfapiVersion: opsbook/v1\n")
    assert load_file(path) == {"apiVersion": "opsbook/v1"}


def test_discovery_is_sorted_recursive_and_skips_hidden_folders(build_tree: Any) -> None:
    root = build_tree(
        {
            "b.yml": "",
            "a/z.yaml": "",
            "a/b.yaml": "",
            ".git/x.yaml": "",
            "n.txt": "",
            "c.YAML.bak": "",
        }
    )
    assert [p.relative_to(root).as_posix() for p in discover([root])] == [
        "a/b.yaml",
        "a/z.yaml",
        "b.yml",
    ]


def test_symbolic_links_stay_inside_the_handbook(tmp_path: Path) -> None:
    """A link out of the handbook is refused unread (no content in the message); links
    that lead nowhere or round in a loop are reported; a link inside it is followed."""
    from opsbook.load.files import load_paths

    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", "utf-8")
    ops, shared = tmp_path / "ops", tmp_path / "shared"
    ops.mkdir()
    shared.mkdir()
    (shared / "teams.yaml").write_text("apiVersion: opsbook/v1\nteams: [{id: t, name: T}]\n")
    outside = tmp_path.parent / f"{tmp_path.name}-secret.yaml"
    outside.write_text("apiVersion: opsbook/v1\n# SECRET\n", "utf-8")
    (ops / "inside.yaml").symlink_to("../shared/teams.yaml")
    (ops / "secret.yaml").symlink_to(outside)
    (ops / "passwd.yaml").symlink_to("/etc/passwd")
    (ops / "gone.yaml").symlink_to("nothing.yaml")
    (ops / "a.yaml").symlink_to("b.yaml")
    (ops / "b.yaml").symlink_to("a.yaml")
    result = load_paths([ops])
    assert [Path(f.path).name for f in result.files] == ["inside.yaml"]
    found = {Path(d.path).name: d.message for d in result.diagnostics}
    assert {d.rule for d in result.diagnostics} == {"symlink"}
    assert "outside the handbook" in found["secret.yaml"] and "SECRET" not in found["secret.yaml"]
    assert "outside the handbook" in found["passwd.yaml"]
    assert "does not exist" in found["gone.yaml"]
    assert "loop" in found["a.yaml"] and "loop" in found["b.yaml"]
