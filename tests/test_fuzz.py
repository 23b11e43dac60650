"""Mutated definition files, seeded and bounded: whatever the bytes, validation ends with
positioned diagnostics, never an exception, in bounded time. `--fuzz-cases N` tries more."""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT
from opsbook.check.validate import Validator

SEED = 20261202
INSERTS = [
    "\x00", "\t", "\ufeff", "\ufffe", "\x1b[2J", "\u2028", "&a ", "*a ", "!!python/object ",
    "? ", "{", "[", "]", "}", "- ", ": ", "'", '"', "#", "|", ">", "%YAML 1.1\n", "---\n",
    "9" * 5000, "0x" + "f" * 300, ".nan", "1e999", "-.inf", "~", "<<: *x\n", "\\", "\r",
    "\n  - {id: x}\n", "\u0301", "\ud7ff", "é", "𝔘", "[" * 200, "{a: " * 100,
]  # fmt: skip


def _mutations(rng: random.Random) -> list[Callable[[bytes], bytes]]:
    def insert(raw: bytes) -> bytes:
        at = rng.randrange(len(raw) + 1)
        return raw[:at] + rng.choice(INSERTS).encode("utf-8", "surrogatepass") + raw[at:]

    def flip(raw: bytes) -> bytes:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)

    def truncate(raw: bytes) -> bytes:
        return raw[: rng.randrange(len(raw))]

    def shuffle_lines(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return b"\n".join(lines)

    def duplicate_line(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        i = rng.randrange(len(lines))
        return b"\n".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])

    def indent(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        i = rng.randrange(len(lines))
        lines[i] = rng.choice([b" ", b"   ", b"\t", b""]) + lines[i].lstrip()
        return b"\n".join(lines)

    def utf16(raw: bytes) -> bytes:
        text = raw.decode("utf-8", "replace")
        return text.encode(rng.choice(["utf-16-le", "utf-16-be", "utf-16"]), "surrogatepass")

    return [insert, insert, flip, truncate, shuffle_lines, duplicate_line, indent, utf16]


def test_mutated_files_give_positioned_diagnostics_and_no_exception(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    cases = request.config.getoption("--fuzz-cases")
    shutil.copytree(ROOT / "ops", tmp_path / "ops")
    files = sorted((tmp_path / "ops").rglob("*.yaml"))
    originals = {path: path.read_bytes() for path in files}
    rng = random.Random(SEED)
    mutations = _mutations(rng)
    validator = Validator()  # kept, as serve keeps it: only the mutated file is read again
    unmutated = validator.validate([tmp_path / "ops"]).diagnostics
    assert unmutated and not [d for d in unmutated if d.level == "error"]  # the seeds' gaps
    slowest = 0.0
    for case in range(cases):
        path = rng.choice(files)
        raw = originals[path]
        for _ in range(rng.randint(1, 3)):
            raw = rng.choice(mutations)(raw) or b"x"
        path.write_bytes(raw)
        start = time.perf_counter()
        try:
            result = validator.validate([tmp_path / "ops"])
        except Exception as exc:  # the defect this test exists to find
            pytest.fail(f"case {case} ({path.name}): {type(exc).__name__}: {exc}\n{raw[:300]!r}")
        slowest = max(slowest, time.perf_counter() - start)
        lines = raw.count(b"\n") + 1
        for d in result.diagnostics:
            where = f"case {case} ({path.name}): {d.format()}"
            assert d.line >= 1 and d.col >= 1, where
            if Path(d.path).resolve() == path.resolve():
                assert d.line <= lines, where
            assert "\n" not in d.message and "\x1b" not in d.message, where
        path.write_bytes(originals[path])
    assert slowest < 10, f"one case took {slowest:.1f} s"  # a hang detector, not a benchmark
