"""Publishing: a mkdocs build into a fresh folder, swapped in only when it succeeded.

A failed build leaves the previous site exactly as it was, so the handbook people read
during an incident never disappears because someone merged a broken definition.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from opsbook.diagnostics import OpsbookError


class BuildFailed(OpsbookError):
    """mkdocs could not build the site; the previous site is untouched."""


def build_site(config_file: Path, site_dir: Path | None = None, prepared: Any = None) -> Path:
    """Build the site of `config_file` into `site_dir` (default: its `site_dir`) atomically.

    `prepared` (a Validation and its Settings), when given, is handed to the opsbook plugin
    so the definitions are not validated twice. The generated Markdown is written only
    once the site is built, and the site swapped in only once the Markdown is written: a
    failure anywhere leaves `site/`, `runbooks/` and `checklists/` as they were.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from opsbook.settings import theme_given

    quiet_material()
    # Without `theme:`, material from the start, so mkdocs picks material's own plugins.
    overrides = {} if theme_given(config_file) else {"theme": "material"}
    try:
        config = load_config(str(config_file), **overrides)
    except MkDocsException as exc:
        raise BuildFailed(f"{config_file}: {exc}") from exc
    target = (site_dir or Path(config.site_dir)).resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(target)
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    except OSError as exc:
        raise BuildFailed(
            f"cannot build next to {target}: {exc.strerror} ({exc.filename or target.parent})"
        ) from exc
    try:
        config = load_config(str(config_file), site_dir=str(staging), **overrides)
        plugin = config.plugins.get("opsbook")
        if plugin is not None:
            plugin.defer_write = True
            if prepared is not None:
                plugin.prepared = prepared
        from mkdocs.commands.build import build

        build(config)
        old = _swap_in(staging, target)
        try:
            if plugin is not None:
                plugin.write_pending()
        except BaseException:
            _swap_back(staging, target, old)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except (MkDocsException, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"the site was not built, {target} is unchanged: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


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
