"""`opsbook serve`: the engine's live preview, with the docs tree written again whenever a
definition, a template or a release record changes.

With mkdocs and the opsbook plugin in mkdocs.yml, the plugin does that between mkdocs'
own rebuilds. Otherwise (Zensical, which has no plugins, or mkdocs without the plugin) a
watcher here writes the tree, and keeps a mirror of the site's sources (the docs folder
with the generated folders inside) in step with the handbook: the engine previews the
mirror, and its own watcher sees every change there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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


class Mirror:
    """The site's sources, and the theme folder, linked into a folder of their own beside
    mkdocs.yml, with a copy of mkdocs.yml (`config`) that reads them: for an engine that
    reads only its docs folder. `sync` brings it in step with the handbook."""

    def __init__(self, handbook: Handbook, config_file: Path, say: Callable[[str], None]):
        from opsbook.core import defaults
        from opsbook.publish.sources import STAGED, clean_stale, copy_config

        self.handbook, self.say = handbook, say
        clean_stale(handbook.root)
        self.folder = Path(tempfile.mkdtemp(prefix=f"{STAGED}{os.getpid()}-", dir=handbook.root))
        self.config = copy_config(config_file, self.folder, f"../{defaults.ENGINE_CONFIG}")
        self.seen: dict[str, tuple[int, int, int]] = {}
        self.sync()

    def _files(self) -> dict[str, Path]:
        """Each file the mirror holds, by its path there, and where it comes from."""
        from opsbook.publish.sources import files_under
        from opsbook.publish.tree import THEME_DIR

        root, sources = self.handbook.root, self.handbook.sources
        found = {f"{sources.docs}/{page}": path for page, path in sources.files(root)}
        found.update(files_under(root / THEME_DIR, THEME_DIR))
        return found

    def sync(self) -> None:
        """Link what is new or changed, unlink what is gone (a clash is said, and the mirror
        left as it was)."""
        from opsbook.publish.sources import Clash, link

        try:
            files = self._files()
        except Clash as exc:
            self.say(f"opsbook: error: {exc}; the preview is unchanged")
            return
        now = {}
        for into, path in files.items():
            try:
                info = path.stat()
            except OSError:
                continue
            now[into] = (info.st_mtime_ns, info.st_size, info.st_ino)
            if self.seen.get(into) != now[into]:
                target = self.folder / into
                target.parent.mkdir(parents=True, exist_ok=True)
                # A new name moved into place: the engine's watcher sees the change.
                temporary = target.with_name(f".{target.name}.opsbook-mirror")
                temporary.unlink(missing_ok=True)
                link(path, temporary)
                os.replace(temporary, target)
        for gone in self.seen.keys() - now.keys():
            (self.folder / gone).unlink(missing_ok=True)
        self.seen = now

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def watch(writer: TreeWriter, stop: threading.Event, mirror: Mirror | None = None) -> None:
    """Write the tree again each time a watched file changes, and keep `mirror` in step,
    until `stop` is set."""
    folders = writer.watched()
    last = state(folders)
    while not stop.wait(POLL_SECONDS):
        now = state(folders)
        if now != last:
            last = now
            writer.write()
        if mirror is not None:
            mirror.sync()


def serve_mirrored(config: Path, dev_addr: str, writer: TreeWriter, engine: str) -> None:
    """The engine's preview of a mirror of the handbook (see `Mirror`), with the watcher
    writing the tree and keeping the mirror in step."""
    import importlib.util

    if engine == "zensical" and importlib.util.find_spec("zensical") is None:
        raise OpsbookError(
            "Zensical is not installed: `pip install 'opsbook[zensical]'` installs the "
            "version opsbook is tested with"
        )
    mirror = Mirror(writer.handbook, config, writer.say)
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(writer, stop, mirror), daemon=True)
    thread.start()
    try:
        if engine == "zensical":
            command = [sys.executable, "-m", "zensical", "serve", "-f", str(mirror.config)]
            subprocess.run([*command, "-a", dev_addr], cwd=writer.handbook.root, check=False)
        else:
            from mkdocs.commands.serve import serve

            serve(config_file=str(mirror.config), dev_addr=dev_addr, livereload=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        thread.join(timeout=5)
        mirror.close()
