"""The ground floor: defaults, diagnostics, the registry of kinds and of rules, and small
helpers that every stage may use. It imports nothing of opsbook."""
