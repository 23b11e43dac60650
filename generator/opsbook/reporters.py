"""Reporters: diagnostics rendered for people or machines, chosen by name."""

from __future__ import annotations

import json
from collections.abc import Callable

from opsbook.validate import Validation


def report_text(result: Validation) -> str:
    """One line per problem: `path:line:col: level [rule] message`."""
    return "".join(d.format() + "\n" for d in result.diagnostics)


def report_json(result: Validation) -> str:
    """A JSON object with every diagnostic and the counts."""
    document = {
        "diagnostics": [
            {
                "path": d.path,
                "line": d.line,
                "col": d.col,
                "level": d.level.value,
                "rule": d.rule,
                "message": d.message,
            }
            for d in result.diagnostics
        ],
        "summary": {
            "files": len({d.path for d in result.diagnostics} | {f.path for f in result.files}),
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


REPORTER_BY_NAME: dict[str, Callable[[Validation], str]] = {
    "text": report_text,
    "json": report_json,
}
