"""Authoring aids: scaffolds for `opsbook new`, the editor schema, the reference of every
kind, and the starter handbook of `opsbook init`."""
