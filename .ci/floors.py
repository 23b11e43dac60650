"""Print `name==version` for the lowest version that pyproject.toml allows of each runtime
dependency, so CI can install exactly those and run the tests that depend on them."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml").read_text())
for requirement in project["project"]["dependencies"]:
    found = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][^,;\s]*)(?:,.*)?", requirement)
    if found is None:
        sys.exit(f"floors: {requirement!r} has no `>=` floor to test")
    print(f"{found[1]}=={found[2]}")
