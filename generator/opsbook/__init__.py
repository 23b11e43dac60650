"""opsbook: docs-as-code for operations teams."""
