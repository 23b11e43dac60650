"""Measure opsbook at 100, 1,000 and 10,000 alerts; print one table; write bench/RESULTS.md.

    python -m pip install -e ".[bench]"
    python bench/run.py                      # the full run (about 15 minutes on 2 cores)
    python bench/run.py --sizes 50 --build-sizes 60 --rule-sizes 40 --repeat 1 --out /tmp/r.md

Every measurement is a fresh process (as in pre-commit and CI): wall time, CPU time
(user + system) and peak resident memory of that process, the median of `--repeat` runs.
The peer baseline is check-jsonschema validating the same files against opsbook's
exported schema; the floor is libyaml's bare parse of the files.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_catalog, write_rules

import opsbook

PY = sys.executable
TODAY = "2026-01-01"  # fixed, so expiry rules give the same answers on any day
MKDOCS_YML = """\
INHERIT: mkdocs.opsbook.yml
site_name: Synthetic handbook
theme: {name: material}
plugins:
  - opsbook: {today: "2026-01-01"}
"""
PARSE = (
    "import pathlib, sys, yaml\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.yaml')):\n"
    "    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)\n"
)
LOAD = "import sys\nfrom opsbook.load.files import load_paths\nload_paths([sys.argv[1]])\n"
RERENDER = """\
import pathlib, sys, time
from mkdocs.config import load_config
from mkdocs.structure.files import get_files

# What `mkdocs serve` (and so `opsbook serve`) does on each change, less mkdocs' own
# rendering of HTML: reload mkdocs.yml, then run the plugins' on_config, on_pre_build and
# on_files, and on_post_build; opsbook writes the docs tree in on_pre_build.
# The opsbook plugin persists between rebuilds.
def rebuild():
    start = time.perf_counter()
    config = load_config("mkdocs.yml")
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    config.plugins.on_files(get_files(config), config=config)
    config.plugins["opsbook"].on_post_build(config=config)
    return time.perf_counter() - start

load_config("mkdocs.yml").plugins.on_startup(command="serve", dirty=False)
rebuild()
source = pathlib.Path("ops/svc0000.yaml")
text = source.read_text()
source.write_text(text.replace("Alert00\\n    summary: ", "Alert00\\n    summary: Edited. ", 1))
seconds = rebuild()
assert "Edited" in pathlib.Path("runbooks/svc0000/svc0000alert00.md").read_text()
source.write_text(text)
print(seconds)
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float


@dataclass(frozen=True)
class Row:
    stage: str
    alerts: int
    files: int
    pages: int | None
    run: Run


def measure(args: list[str], cwd: Path, partial: bool = False) -> tuple[Run, str]:
    """Run a command once; its wall and CPU time and peak memory, and its output. With
    `partial`, an import that left something out (exit 1, "the rest was imported") is as
    good as a whole one: the bench's rule files hold recording rules."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode, as installs have it
    start = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    done = process.returncode == 0 or (
        partial and process.returncode == 1 and "the rest was imported" in output
    )
    if not done:
        raise SystemExit(f"bench: {' '.join(args)} failed in {cwd}:\n{output[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), output


def median(
    args: list[str], cwd: Path, repeat: int, before: object = None, partial: bool = False
) -> Run:
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(measure(args, cwd, partial)[0])
    return middle(runs)


def middle(runs: list[Run]) -> Run:
    """The median of each figure over `runs`."""
    return Run(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.peak_mb for r in runs),
    )


def handbook(root: Path, alerts: int) -> int:
    """A synthetic handbook at `root`; returns the number of definition files."""
    files = write_catalog(root, alerts)
    (root / "mkdocs.yml").write_text(MKDOCS_YML, "utf-8")
    (root / "docs").mkdir(exist_ok=True)
    return len(files)


def set_aside(root: Path, *folders: str) -> None:
    """Move output folders out of the way so the next run starts from none, as in a fresh
    clone. They are deleted only when the whole run ends: ext4 skips inodes freed in the
    last minutes when it creates files, so deleting 5,000 pages just before a run makes
    that run's file creation up to 20× slower (a cost of the benchmark, not of the tool)."""
    trash = root.parent / "set-aside"
    trash.mkdir(exist_ok=True)
    for folder in folders:
        if (root / folder).exists():
            flat = folder.replace("/", "-")
            (root / folder).rename(trash / f"{root.name}-{flat}-{time.monotonic_ns()}")


def pages_of(root: Path) -> int:
    return (
        sum(1 for _ in (root / "runbooks").rglob("*.md"))
        + sum(1 for _ in (root / "checklists").rglob("*.md"))
        + 1
    )  # the home page, which only the site has


def bench_size(work: Path, alerts: int, repeat: int, schema: Path) -> list[Row]:
    """Parse floor, load, validate, check-jsonschema, generate, serve re-render."""
    root = work / f"n{alerts}"
    files = handbook(root, alerts)
    ops = ["ops"]
    yaml_files = sorted(str(p.relative_to(root)) for p in (root / "ops").glob("*.yaml"))
    rows = [
        Row(
            "parse (libyaml floor)",
            alerts,
            files,
            None,
            median([PY, "-c", PARSE, *ops], root, repeat),
        ),
        Row("load", alerts, files, None, median([PY, "-c", LOAD, *ops], root, repeat)),
        Row(
            "validate",
            alerts,
            files,
            None,
            median([PY, "-m", "opsbook", "validate", *ops, "--today", TODAY], root, repeat),
        ),
        Row(
            "check-jsonschema",
            alerts,
            files,
            None,
            median(
                [PY, "-m", "check_jsonschema", "--schemafile", str(schema), *yaml_files],
                root,
                repeat,
            ),
        ),
    ]

    def clean() -> None:
        set_aside(root, "runbooks", "checklists")

    generate = [PY, "-m", "opsbook", "generate", "--today", TODAY]
    rows.append(Row("generate", alerts, files, None, median(generate, root, repeat, clean)))
    pages = pages_of(root)
    rows[-1] = Row("generate", alerts, files, pages, rows[-1].run)
    times = [float(measure([PY, "-c", RERENDER], root)[1].split()[-1]) for _ in range(repeat)]
    rows.append(Row("serve re-render", alerts, files, pages, Run(statistics.median(times), 0, 0)))
    return rows


def bench_build(work: Path, alerts: int, repeat: int) -> list[Row]:
    """generate and the mkdocs build of the same site (which generates too)."""
    root = work / f"build{alerts}"
    files = handbook(root, alerts)
    measure([PY, "-m", "opsbook", "generate", "--today", TODAY], root)
    pages = pages_of(root)

    def clean() -> None:
        set_aside(root, "runbooks", "checklists", "site")

    generate = [PY, "-m", "opsbook", "generate", "--today", TODAY]
    build = [PY, "-m", "mkdocs", "build", "--quiet"]
    # Taken in turns, so that a machine that speeds up or slows down during the runs
    # (a shared virtual machine does) moves both sides of the ratio alike.
    generated, built = [], []
    for _ in range(repeat):
        clean()
        generated.append(measure(generate, root)[0])
        clean()
        built.append(measure(build, root)[0])
    return [
        Row("generate", alerts, files, pages, middle(generated)),
        Row("mkdocs build", alerts, files, pages, middle(built)),
    ]


ENGINES = ("mkdocs", "zensical") if importlib.util.find_spec("zensical") else ("mkdocs",)
"""The engines measured: Zensical when it is installed (`pip install -e '.[zensical]'`)."""


def digests(site: Path) -> dict[str, str]:
    """Every file of a built site by path, with a digest of its bytes."""
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def bench_engines(work: Path, alerts: int) -> tuple[list[Row], dict[str, bool]]:
    """`opsbook build` with each engine: a clean build (no site, no engine cache), then a
    build after one edited alert; and whether that site is byte-identical to a clean
    build of the same definitions."""
    rows, identical = [], {}
    for engine in ENGINES:
        root = work / f"engine-{engine}-{alerts}"
        files = handbook(root, alerts)
        build = [PY, "-m", "opsbook", "build", "--engine", engine, "--today", TODAY]
        measure([PY, "-m", "opsbook", "generate", "--today", TODAY], root)
        pages = pages_of(root)
        set_aside(root, "site", ".cache")
        clean = measure(build, root)[0]
        source = root / "ops" / "svc0000.yaml"
        text = source.read_text("utf-8")
        source.write_text(text.replace("    summary: ", "    summary: Edited. ", 1), "utf-8")
        again = measure(build, root)[0]
        edited = digests(root / "site")
        set_aside(root, ".cache")
        measure([*build, "--site-dir", "site-clean"], root)
        identical[f"{engine} {pages:,}"] = edited == digests(root / "site-clean")
        rows += [
            Row(f"build {engine}: clean", alerts, files, pages, clean),
            Row(f"build {engine}: one alert edited", alerts, files, pages, again),
        ]
    return rows, identical


def bench_prometheus(work: Path, rules: int, repeat: int) -> list[Row]:
    """A team's rule file imported into a new handbook, that handbook validated and
    generated, and its alerts exported again."""
    root = work / f"rules{rules}"
    measure([PY, "-m", "opsbook", "init", str(root), "--today", TODAY], work)
    source = write_rules(work / f"rules{rules}.yaml", rules)
    starter = {p.name for p in (root / "ops").iterdir()}

    def fresh() -> None:
        for path in (root / "ops").iterdir():
            if path.name not in starter:
                path.unlink()

    imported = median([PY, "-m", "opsbook", "import", "prometheus", str(source)], root,
                      repeat, fresh, partial=True)  # fmt: skip
    files = sum(1 for _ in (root / "ops").glob("*.yaml"))
    validate = median([PY, "-m", "opsbook", "validate", "--today", TODAY], root, repeat)

    def clean() -> None:
        set_aside(root, "runbooks", "checklists")

    generate = median([PY, "-m", "opsbook", "generate", "--today", TODAY], root, repeat, clean)
    pages = pages_of(root)
    export = [PY, "-m", "opsbook", "export", "prometheus", "--site-url", "https://ops.example/"]
    exported = median(export, root, repeat, lambda: set_aside(root, "prometheus"))
    return [
        Row("import prometheus", rules, files, None, imported),
        Row("validate imported", rules, files, None, validate),
        Row("generate imported", rules, files, pages, generate),
        Row("export prometheus", rules, files, None, exported),
    ]


SCALING_ALERTS = (20, 420, 1200)
"""The synthetic handbooks of the scaling check: a tiny one (what every build costs, pages
or not), then about 500 and 1,500 pages."""
SCALING_LIMIT = 1.4
"""How much more CPU time a page may add between 500 and 1,500 pages than it adds up to 500
before the build counts as superlinear (a Markdown release rendering a long paragraph in
quadratic time made it 4×)."""


def bench_scaling(work: Path, sizes: Sequence[int]) -> tuple[list[Row], float]:
    """`opsbook build` (mkdocs, clean) at three sizes, and how much the CPU time each page
    adds grows from the lower to the upper interval (1.0 is linear). CPU time of the whole
    process tree, so neither other load on the machine nor the number of cores moves it."""
    rows = []
    for alerts in sizes:
        root = work / f"scaling{alerts}"
        files = handbook(root, alerts)
        run = measure([PY, "-m", "opsbook", "build", "--today", TODAY], root)[0]
        rows.append(Row("build for the scaling check", alerts, files, pages_of(root), run))
    small, middle, large = rows
    lower = (middle.run.cpu - small.run.cpu) / ((middle.pages or 0) - (small.pages or 0))
    upper = (large.run.cpu - middle.run.cpu) / ((large.pages or 0) - (middle.pages or 0))
    return rows, upper / lower


def scaling_line(rows: list[Row], growth: float) -> str:
    """The scaling check as a row of the targets table."""
    _, middle, large = rows
    return (
        f"| CPU time per added page, {middle.pages:,} → {large.pages:,} pages, ≤ "
        f"{SCALING_LIMIT}× that up to {middle.pages:,} | {growth:.2f}× | "
        f"{'yes' if growth <= SCALING_LIMIT else 'NO'} |"
    )


def versions() -> str:
    names = [
        "opsbook", "PyYAML", "jsonschema", "jsonschema-rs", "Jinja2", "Markdown", "mkdocs",
        "mkdocs-material", "pymdown-extensions", "nh3", "check-jsonschema", "zensical",
    ]  # fmt: skip
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model}){memory}"


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| stage | alerts | files | pages | wall s | CPU s | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cpu = f"{r.run.cpu:.2f}" if r.run.cpu else "–"
        peak = f"{r.run.peak_mb:.0f}" if r.run.peak_mb else "–"
        pages = f"{r.pages:,}" if r.pages else ""
        lines.append(
            f"| {r.stage} | {r.alerts:,} | {r.files:,} | {pages} | "
            f"{r.run.wall:.3f} | {cpu} | {peak} |"
        )
    return lines


def ratios(
    rows: list[Row], sizes: list[int], builds: list[int], rule_sizes: list[int]
) -> list[str]:
    def get(stage: str, alerts: int) -> Row:
        return next(r for r in rows if r.stage == stage and r.alerts == alerts)

    top = max(sizes)
    validate = get("validate", top).run
    out = ["| target | measured | met |", "|---|---:|---|"]

    def line(target: str, value: str, met: bool) -> None:
        out.append(f"| {target} | {value} | {'yes' if met else 'NO'} |")

    peer = get("check-jsonschema", top).run.wall / validate.wall
    line(f"validate {top:,} alerts ≥ 2× faster than check-jsonschema", f"{peer:.1f}×", peer >= 2)
    floor = validate.wall / get("parse (libyaml floor)", top).run.wall
    line(f"validate {top:,} alerts ≤ 1.5× libyaml bare parse", f"{floor:.2f}×", floor <= 1.5)
    for alerts in builds:
        built = next(r for r in rows if r.stage == "mkdocs build" and r.alerts == alerts)
        generated = next(
            r for r in rows if r.stage == "generate" and r.alerts == alerts and r.pages
        )
        share = generated.run.wall / built.run.wall
        line(
            f"generate ≤ 10% of the mkdocs build ({built.pages:,} pages)",
            f"{share:.1%}",
            share <= 0.10,
        )
    if len(builds) >= 2:
        small, large = (
            next(r for r in rows if r.stage == "mkdocs build" and r.alerts == a)
            for a in (min(builds), max(builds))
        )
        growth = (large.run.wall / (large.pages or 1)) / (small.run.wall / (small.pages or 1))
        line(
            f"build time per page at {large.pages:,} pages ≤ 1.3× that at {small.pages:,}",
            f"{growth:.2f}×",
            growth <= 1.3,
        )
    rerender = get("serve re-render", top).run.wall
    line(
        f"serve: one edited alert re-rendered < 1 s ({top:,} alerts)",
        f"{rerender:.2f} s",
        rerender < 1,
    )
    peak = max(
        r.run.peak_mb for r in rows if r.alerts == top and r.stage in ("validate", "generate")
    )
    line(
        f"peak memory for {top:,} alerts < 500 MB (validate, generate)",
        f"{peak:.0f} MB",
        peak < 500,
    )
    for rules in rule_sizes:
        if rules > 1000:
            continue
        for stage in ("import prometheus", "validate imported", "generate imported"):
            seconds = next(r for r in rows if r.stage == stage and r.alerts == rules).run.wall
            line(f"{stage} {rules:,} rules in seconds (≤ 5 s)", f"{seconds:.2f} s", seconds <= 5)
    return out


REBUILD_SECONDS = 10
"""What "a few seconds" means for the rebuild after one edited alert (issue 18)."""


def engine_ratios(rows: list[Row], sizes: list[int], same: dict[str, bool]) -> list[str]:
    """The engines side by side: clean build, rebuild after one edit, and their ratio."""
    out = [
        "| pages | engine | clean build s | one alert edited s | rebuild / clean | "
        "byte-identical to a clean build |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for alerts in sizes:
        for engine in ENGINES:
            clean = next(
                r for r in rows if r.stage == f"build {engine}: clean" and r.alerts == alerts
            )
            again = next(
                r
                for r in rows
                if r.stage == f"build {engine}: one alert edited" and r.alerts == alerts
            )
            key = f"{engine} {clean.pages:,}"
            out.append(
                f"| {clean.pages:,} | {engine} | {clean.run.wall:.1f} | {again.run.wall:.1f} | "
                f"{again.run.wall / clean.run.wall:.2f} | {'yes' if same[key] else 'NO'} |"
            )
    top = max(sizes)
    clean = next(r for r in rows if r.stage == "build mkdocs: clean" and r.alerts == top)
    again = next(r for r in rows if r.stage == "build mkdocs: one alert edited" and r.alerts == top)
    met = "yes" if again.run.wall <= REBUILD_SECONDS else "NO"
    out += [
        "",
        "| target | measured | met |",
        "|---|---:|---|",
        f"| mkdocs: build after one edited alert ≤ {REBUILD_SECONDS} s ({clean.pages:,} pages) "
        f"| {again.run.wall:.1f} s | {met} |",
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    builds = "alerts for the mkdocs builds (about 500 and 5,000 pages)"
    parser.add_argument("--build-sizes", type=int, nargs="+", default=[420, 4200], help=builds)
    rules = "alerting rules for the Prometheus import and export rows"
    parser.add_argument("--rule-sizes", type=int, nargs="+", default=[1000, 10000], help=rules)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--build-repeat", type=int, default=3)
    engines = "alerts for the builds with each engine, clean and after one edit"
    parser.add_argument("--engine-sizes", type=int, nargs="+", default=[420, 4200], help=engines)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "RESULTS.md")
    check = (
        "only the scaling check (about 500 and 1,500 pages): print it, exit 1 when the "
        f"per-page cost grows more than {SCALING_LIMIT}×; writes no results file"
    )
    parser.add_argument("--scaling-only", action="store_true", help=check)
    scale = "alerts of the three handbooks of the scaling check (tiny, ~500 and ~1,500 pages)"
    parser.add_argument(
        "--scaling-sizes", type=int, nargs=3, default=list(SCALING_ALERTS), help=scale
    )
    options = parser.parse_args()
    if options.scaling_only:
        with tempfile.TemporaryDirectory(prefix="opsbook-scaling-") as folder:
            found, growth = bench_scaling(Path(folder), options.scaling_sizes)
        print("\n".join([*table(found), "", "| target | measured | met |", "|---|---:|---|",
                         scaling_line(found, growth)]))  # fmt: skip
        sys.exit(0 if growth <= SCALING_LIMIT else 1)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="opsbook-bench-") as folder:
        work = Path(folder)
        schema = work / "opsbook.schema.json"
        # Bytecode for opsbook too (an editable install has none until first run).
        measure([PY, "-m", "compileall", "-q", str(Path(opsbook.__file__).parent)], work)
        measure([PY, "-m", "opsbook", "schema", "-o", str(schema)], work)
        for alerts in options.sizes:
            rows += bench_size(work, alerts, options.repeat, schema)
            print(f"bench: {alerts:,} alerts done", file=sys.stderr)
        for alerts in options.build_sizes:
            rows += bench_build(work, alerts, options.build_repeat)
            print(f"bench: build at {alerts:,} alerts done", file=sys.stderr)
        same: dict[str, bool] = {}
        for alerts in options.engine_sizes:
            found, identical = bench_engines(work, alerts)
            rows += found
            same.update(identical)
            print(f"bench: both engines at {alerts:,} alerts done", file=sys.stderr)
        scaled, growth = bench_scaling(work, options.scaling_sizes)
        rows += scaled
        print("bench: scaling check done", file=sys.stderr)
        for rules in options.rule_sizes:
            rows += bench_prometheus(work, rules, options.repeat)
            print(f"bench: {rules:,} rules imported and exported", file=sys.stderr)
    report = [
        f"Measured {datetime.date.today().isoformat()} on {machine()}; "
        f"Python {platform.python_version()}; {versions()}.",
        f"Medians of {options.repeat} runs ({options.build_repeat} for the builds and the "
        "generate beside them, run in turns); each run is a fresh process.",
        "",
        *table(rows),
        "",
        *ratios(rows, options.sizes, options.build_sizes, options.rule_sizes),
        scaling_line(scaled, growth),
        "",
        *engine_ratios(rows, options.engine_sizes, same),
    ]
    text = "\n".join(report) + "\n"
    print(text)
    results = options.out
    if results.name == "RESULTS.md" and results.is_file():
        # Keep the hand-written history (profiles, before/after) below the marker.
        previous = results.read_text("utf-8")
        marker = "<!-- history -->"
        history = previous[previous.index(marker) :] if marker in previous else ""
        text = "# opsbook benchmark\n\n" + text + ("\n" + history if history else "")
    results.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
