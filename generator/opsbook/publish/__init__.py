"""Publishing: the handbook and its one pipeline, the docs tree written to disk, the site
engines and their cache, the mkdocs plugin and the preview server."""
