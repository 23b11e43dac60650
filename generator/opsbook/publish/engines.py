"""Publishing: the docs tree written, then built by an engine (mkdocs-material or
Zensical) into a fresh folder, swapped in only when it succeeded.

A failed build leaves the previous site exactly as it was, so the handbook people read
during an incident never disappears because someone merged a broken definition.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsbook.core import defaults
from opsbook.core.diagnostics import OpsbookError
from opsbook.load.settings import config_document
from opsbook.publish.sources import STAGED, Sources, clean_stale, copy_config
from opsbook.publish.tree import THEME_DIR, THEME_FILE
from opsbook.publish.write import Plan

if TYPE_CHECKING:
    from opsbook.publish import cache


class BuildFailed(OpsbookError):
    """mkdocs could not build the site; the previous site is untouched."""


ENGINES = ("mkdocs", "zensical")
"""The site engines `opsbook build --engine` knows; the first is the default."""


@dataclass(frozen=True)
class Tree:
    """A docs tree to publish: what writing it changes (paths from the root), where the
    site's sources are kept, and the pages and navigation (handed to the opsbook plugin,
    when mkdocs.yml has it, so nothing is done twice)."""

    plan: Plan
    sources: Sources
    pages: dict[str, str]
    nav: list[Any]


def build_site(
    config_file: Path, tree: Tree, engine: str = "mkdocs", site_dir: Path | None = None
) -> Path:
    """Build the site of `config_file` with `engine` from the new docs tree, swap it in for
    `site_dir` (default: its `site_dir`), then write the tree into the handbook.

    The engine reads a copy of the docs folder with the generated folders inside (hard
    links, so it costs little) and the tree written into it, and builds into a new folder:
    a failure anywhere, or a kill, leaves the site and the docs tree as they were.
    """
    from opsbook.publish import cache
    from opsbook.publish.write import apply_plan

    quiet_material()
    root = config_file.resolve().parent
    configured = config_document(config_file).get("site_dir", defaults.SITE_DIR)
    target = (site_dir or root / str(configured)).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(target)
        _clean_stale_sources(root)
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    except OSError as exc:
        raise BuildFailed(
            f"cannot build next to {target}: {exc.strerror} ({exc.filename or target.parent})"
        ) from exc
    sources: Path | None = None
    made: list[str] = []
    record: cache.Record | None = None
    try:
        made = _missing_engine_config(tree.plan, root)
        sources = _sources(root, tree)
        if engine == "zensical":
            _zensical(config_file, staging, sources, tree)
        else:
            record = _mkdocs(config_file, staging, sources, tree, target)
        old = _swap_in(staging, target)
        try:
            apply_plan(tree.plan, root)
        except BaseException:
            _swap_back(staging, target, old)
            raise
        cache.save(root, target, record)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _unmake(made, root)
        raise BuildFailed(f"the site was not built, {target} is unchanged: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _unmake(made, root)
        raise
    finally:
        if sources is not None:
            shutil.rmtree(sources, ignore_errors=True)
    return target


def _missing_engine_config(plan: Plan, root: Path) -> list[str]:
    """Write the files beside mkdocs.yml that do not exist yet (mkdocs.yml inherits the
    engine config, so no engine can read it before); returns those written."""
    from opsbook.publish.write import Plan, apply_plan

    new = Plan(write={p: t for p, t in plan.write.items() if "/" not in p or p == THEME_FILE})
    new.write = {p: t for p, t in new.write.items() if not (root / p).exists()}
    apply_plan(new, root)
    return list(new.write)


def _unmake(made: list[str], root: Path) -> None:
    for path in made:
        (root / path).unlink(missing_ok=True)


def _sources(root: Path, tree: Tree) -> Path:
    """A copy of the site's sources, by hard links, with the new tree written into it."""
    from opsbook.publish.write import Plan, apply_plan

    sources = Path(tempfile.mkdtemp(prefix=f"{STAGED}{os.getpid()}-", dir=root))
    where = tree.sources
    try:
        where.stage(root, sources)
        if (root / THEME_DIR).is_dir():
            shutil.copytree(root / THEME_DIR, sources / THEME_DIR)
        shutil.copy2(root / defaults.ENGINE_CONFIG, sources / defaults.ENGINE_CONFIG)
        # Written under temporary names and renamed, so the linked files keep their bytes.
        write = {where.staged(p): text for p, text in tree.plan.write.items()}
        # A page an earlier version generated inside the docs folder is staged where its
        # successor is written: removing it there would remove the new page.
        gone = (where.staged(p) for p in tree.plan.remove)
        inside = Plan(write, [p for p in gone if p not in write and (sources / p).exists()])
        apply_plan(inside, sources)
    except BaseException:
        shutil.rmtree(sources, ignore_errors=True)  # a clash, a full disk: no copy left
        raise
    return sources


def _clean_stale_sources(root: Path) -> None:
    """Remove the copies of the sources and the Zensical configs that killed builds left
    beside mkdocs.yml."""
    from opsbook.publish.write import process_alive

    clean_stale(root)
    for entry in os.scandir(root):
        if ".zensical-" in entry.name and entry.name.endswith(".yml"):
            pid = entry.name.rsplit(".zensical-", 1)[1].removesuffix(".yml")
            if pid.isdigit() and not process_alive(int(pid)):
                os.unlink(entry.path)


def _mkdocs(
    config_file: Path, staging: Path, sources: Path, tree: Tree, target: Path
) -> cache.Record | None:
    """Build with mkdocs (mkdocs-material) from `sources` into `staging`, rendering only
    the pages that changed since the build of `target` when its record allows; returns
    the record for the next build."""
    from mkdocs.config import load_config
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import MkDocsException

    from opsbook.load.settings import theme_given
    from opsbook.publish import cache

    # Without `theme:`, material from the start, so mkdocs picks material's own plugins.
    overrides: dict[str, Any] = {} if theme_given(config_file) else {"theme": "material"}
    in_mkdocs_yml = config_document(config_file)

    def configured() -> MkDocsConfig:
        config = load_config(
            str(config_file),
            site_dir=str(staging),
            docs_dir=str(sources / tree.sources.docs),
            **overrides,
        )
        if in_mkdocs_yml.get("nav") is None:
            config.nav = tree.nav
        if config.theme.custom_dir and Path(config.theme.custom_dir).name == THEME_DIR:
            config.theme.dirs[0] = str(sources / THEME_DIR)  # the theme of this tree
        plugin = config.plugins.get("opsbook")
        if plugin is not None:
            plugin.prepared = (tree.pages, tree.nav)
            plugin.staged = True  # the generated folders are in the staged docs folder
        return config

    previous = cache.load(config_file.resolve().parent, target)
    try:
        return cache.build(configured, staging, target, previous)
    except MkDocsException as exc:
        raise BuildFailed(f"the site was not built: {exc}") from exc


def _zensical(config_file: Path, staging: Path, sources: Path, tree: Tree) -> None:
    """Build with Zensical from `sources` into `staging`, both inside the handbook: a
    config beside mkdocs.yml inherits it and names the two folders and the navigation."""
    import importlib.util
    import subprocess
    import sys

    import yaml

    if importlib.util.find_spec("zensical") is None:
        raise BuildFailed(
            "Zensical is not installed: `pip install 'opsbook[zensical]'` installs the "
            "version opsbook is tested with"
        )
    root = config_file.resolve().parent
    try:
        site = staging.relative_to(root).as_posix()
    except ValueError as exc:
        raise BuildFailed(
            f"Zensical builds only inside the handbook ({root}), not into {staging.parent}"
        ) from exc
    # Zensical appends the lists of an inherited file to those inheriting it: mkdocs.yml
    # is copied into the sources, inheriting the new engine config there instead.
    copy_config(config_file, sources, defaults.ENGINE_CONFIG)
    settings: dict[str, Any] = {
        "INHERIT": (sources / config_file.name).relative_to(root).as_posix(),
        "site_dir": site,
        "docs_dir": (sources / tree.sources.docs).relative_to(root).as_posix(),
    }
    theme = config_document(config_file).get("theme")
    if not (isinstance(theme, dict) and theme.get("custom_dir")):
        settings["theme"] = {"custom_dir": (sources / THEME_DIR).relative_to(root).as_posix()}
    config = root / f".{config_file.name}.zensical-{os.getpid()}.yml"
    config.write_text(
        "# written by opsbook build for Zensical; removed after the build\n"
        + yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
        "utf-8",
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "zensical", "build", "--strict", "-f", str(config)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        config.unlink(missing_ok=True)
    if done.returncode != 0:
        raise BuildFailed(
            f"Zensical could not build the site:\n{_said(done.stderr or done.stdout)}"
        )


def _said(output: str) -> str:
    """What Zensical said, without the Python traceback around an error it raised."""
    lines = output.strip().splitlines()
    if any(line.startswith("Traceback") for line in lines):
        last = lines[-1]
        return last.split(": ", 1)[1] if ": " in last else last
    return "\n".join(lines)


def _staging_prefix(target: Path) -> str:
    """`.site-<pid>-…`: the process id tells a later run whether the folder is abandoned."""
    return f".{target.name}-{os.getpid()}-"


def clean_stale_staging(target: Path) -> None:
    """Remove the staging folders (and old sites being removed) that a killed build left
    next to `target`."""
    from opsbook.publish.write import process_alive

    prefix = f".{target.name}-"
    for entry in os.scandir(target.parent):
        if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _swap_in(new: Path, target: Path) -> Path | None:
    """Put `new` where `target` is; returns where the previous site now is (None when
    there was none). When it raises, nothing has changed."""
    os.chmod(new, 0o755)  # mkdtemp makes it private; a published site is readable
    if not target.exists():
        os.replace(new, target)
        return None
    old = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        os.replace(old, target)
        raise
    return old


def _swap_back(new: Path, target: Path, old: Path | None) -> None:
    """Undo `_swap_in`: the new site back to `new`, the previous one back in place."""
    os.replace(target, new)
    if old is not None:
        os.replace(old, target)


def quiet_material() -> None:
    """Material prints an end-of-life banner on every build; the README says it once."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def setup_logging(verbose: bool) -> None:
    """Show mkdocs' warnings and errors (and its progress with `verbose`) on stderr."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_opsbook", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler._opsbook = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False
