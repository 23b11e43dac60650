"""Other tools' formats, one module each, each an explicit mapping between that format
and the model. `registry.py` declares each format's reader and writer with their options;
the CLI's `import <format>` and `export <format>` commands are made from it."""
