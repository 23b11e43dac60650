"""Other tools' formats, one module each, each an explicit mapping between that format
and the model. The CLI's `import` and `export` find them here by name."""

from __future__ import annotations

EXPORTS = ("prometheus", "flagd", "argo-rollouts")
"""Formats `opsbook export` writes."""

IMPORTS = ("prometheus", "flagd", "argo-rollouts", "openslo")
"""Formats `opsbook import` reads."""
