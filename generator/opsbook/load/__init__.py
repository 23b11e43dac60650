"""Loading: definition files read as YAML with positions, the definitions in them, their
JSON Schema, and the project settings from mkdocs.yml."""
