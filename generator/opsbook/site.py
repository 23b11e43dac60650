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
from typing import Any

from opsbook import defaults
from opsbook.diagnostics import OpsbookError
from opsbook.generate import Plan


class BuildFailed(OpsbookError):
    """mkdocs could not build the site; the previous site is untouched."""


ENGINES = ("mkdocs", "zensical")
"""The site engines `opsbook build --engine` knows; the first is the default."""


@dataclass(frozen=True)
class Tree:
    """A docs tree to publish: what writing it changes, and its pages and navigation
    (handed to the opsbook plugin, when mkdocs.yml has it, so nothing is done twice)."""

    plan: Plan
    pages: dict[str, str]
    nav: list[Any]


def build_site(
    config_file: Path, tree: Tree, engine: str = "mkdocs", site_dir: Path | None = None
) -> Path:
    """Write the docs tree, build the site of `config_file` with `engine` into a new
    folder, and swap that in for `site_dir` (default: its `site_dir`).

    A failure anywhere leaves the site and the docs tree as they were: the tree is put
    back when the engine fails, the site swapped in only once it is built.
    """
    from opsbook.generate import apply_plan, restore, snapshot
    from opsbook.settings import config_document

    quiet_material()
    configured = config_document(config_file).get("site_dir", defaults.SITE_DIR)
    target = (site_dir or config_file.resolve().parent / str(configured)).resolve()
    root = config_file.resolve().parent
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(target)
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    except OSError as exc:
        raise BuildFailed(
            f"cannot build next to {target}: {exc.strerror} ({exc.filename or target.parent})"
        ) from exc
    before = snapshot(tree.plan, root)
    try:
        apply_plan(tree.plan, root)
        try:
            if engine == "zensical":
                _zensical(config_file, staging)
            else:
                _mkdocs(config_file, staging, tree)
        except BaseException:
            restore(before, root)
            raise
        old = _swap_in(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"the site was not built, {target} is unchanged: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _mkdocs(config_file: Path, staging: Path, tree: Tree) -> None:
    """Build with mkdocs (mkdocs-material) into `staging`."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from opsbook.settings import theme_given

    # Without `theme:`, material from the start, so mkdocs picks material's own plugins.
    overrides = {} if theme_given(config_file) else {"theme": "material"}
    try:
        config = load_config(str(config_file), site_dir=str(staging), **overrides)
        plugin = config.plugins.get("opsbook")
        if plugin is not None:
            plugin.prepared = (tree.pages, tree.nav)
        build(config)
    except MkDocsException as exc:
        raise BuildFailed(f"the site was not built: {exc}") from exc


def _zensical(config_file: Path, staging: Path) -> None:
    """Build with Zensical into `staging`, which must be inside the handbook: a config
    beside mkdocs.yml inherits it and names the staging folder as its `site_dir`."""
    import importlib.util
    import subprocess
    import sys

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
    config = root / f".{config_file.name}.zensical-{os.getpid()}.yml"
    config.write_text(
        f"# written by opsbook build for Zensical; removed after the build\n"
        f"INHERIT: {config_file.name}\nsite_dir: {site}\n",
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
        said = (done.stderr or done.stdout).strip()
        raise BuildFailed(f"Zensical could not build the site:\n{said}")


def _staging_prefix(target: Path) -> str:
    """`.site-<pid>-…`: the process id tells a later run whether the folder is abandoned."""
    return f".{target.name}-{os.getpid()}-"


def clean_stale_staging(target: Path) -> None:
    """Remove the staging folders (and old sites being removed) that a killed build left
    next to `target`."""
    from opsbook.generate import process_alive

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
