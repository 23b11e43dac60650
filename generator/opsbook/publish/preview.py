"""`opsbook serve`: the engine's live preview, with the docs tree written again whenever a
definition, a template or a release record changes.

With mkdocs and the opsbook plugin in mkdocs.yml, the plugin does that between mkdocs'
own rebuilds. Otherwise (Zensical, which has no plugins, or mkdocs without the plugin) a
watcher here writes the tree, and the engine, which watches the docs folder, rebuilds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from opsbook.check.validate import Validation
from opsbook.core.diagnostics import OpsbookError
from opsbook.publish.handbook import Handbook

POLL_SECONDS = 0.5
"""How often the watcher looks at the definitions' modification times and sizes."""


def state(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Each file under `folders` by path: its modification time and size."""
    seen = {}
    for folder in folders:
        for base, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                path = os.path.join(base, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                seen[path] = (info.st_mtime_ns, info.st_size)
    return seen


class TreeWriter:
    """Writes a handbook's docs tree, again and again, checking and rendering only what
    changed since the last time (the caches `opsbook serve` keeps)."""

    def __init__(self, handbook: Handbook, say: Callable[[str], None]):
        from opsbook.check.changes import FingerprintCache
        from opsbook.check.validate import Validator
        from opsbook.render.incremental import Renderer

        fingerprints = FingerprintCache()
        self.handbook, self.say = handbook, say
        self.validator = Validator(fingerprints=fingerprints)
        self.renderer = Renderer(fingerprints)
        self.written: dict[str, str] = {}

    def write(self) -> bool:
        """Validate and write the tree; False (problems said, nothing written) on errors."""
        from opsbook.core import collector
        from opsbook.publish import pipeline
        from opsbook.publish.write import apply_plan

        handbook = self.handbook
        try:
            output = pipeline.run(
                handbook, validator=self.validator, renderer=self.renderer, report=self._report
            )
            if not output.ok:
                errors = output.validation.errors
                self.say(f"opsbook: {errors} error(s); the preview is unchanged")
                return False
            plan = pipeline.plan(handbook, output, self.written)
            apply_plan(plan, handbook.root)
        except OpsbookError as exc:
            self.say(f"opsbook: error: {exc}; the preview is unchanged")
            return False
        finally:
            collector.release()
        self.written = output.files
        if plan.write or plan.remove:
            self.say(f"opsbook: wrote {len(plan.write)} file(s), removed {len(plan.remove)}")
        return True

    def _report(self, validation: Validation) -> None:
        for diagnostic in validation.diagnostics:
            self.say(diagnostic.format())

    def watched(self) -> list[Path]:
        handbook = self.handbook
        return [
            handbook.root / handbook.definitions,
            handbook.root / handbook.templates,
            Path(handbook.releases_path).resolve(),
        ]


def watch(writer: TreeWriter, stop: threading.Event) -> None:
    """Write the tree again each time a watched file changes, until `stop` is set."""
    folders = writer.watched()
    last = state(folders)
    while not stop.wait(POLL_SECONDS):
        now = state(folders)
        if now != last:
            last = now
            writer.write()


def serve_zensical(config: Path, dev_addr: str, writer: TreeWriter) -> None:
    """Zensical's preview of the handbook, with the watcher writing the tree."""
    import importlib.util

    if importlib.util.find_spec("zensical") is None:
        raise OpsbookError(
            "Zensical is not installed: `pip install 'opsbook[zensical]'` installs the "
            "version opsbook is tested with"
        )
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(writer, stop), daemon=True)
    thread.start()
    command = [sys.executable, "-m", "zensical", "serve", "-f", str(config), "-a", dev_addr]
    try:
        subprocess.run(command, cwd=config.resolve().parent, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        thread.join(timeout=5)
