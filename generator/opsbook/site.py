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
    so the definitions are not validated twice.
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
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        config = load_config(str(config_file), site_dir=str(staging), **overrides)
        plugin = config.plugins.get("opsbook")
        if plugin is not None and prepared is not None:
            plugin.prepared = prepared
        from mkdocs.commands.build import build

        build(config)
    except (MkDocsException, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"the site was not built, {target} is unchanged: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, target)
    return target


def _swap(new: Path, target: Path) -> None:
    """Put `new` where `target` is; the old site is removed only once the new one is in."""
    os.chmod(new, 0o755)  # mkdtemp makes it private; a published site is readable
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
