"""Checking: cross-reference rules, quality rules, page URLs and the validation that runs
them all (with what an edit changed, so unchanged files are not checked again)."""
