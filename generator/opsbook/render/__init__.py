"""Rendering: the catalog through Jinja2 templates into Markdown pages, again only for
what an edit changed."""
