"""Reports: Markdown from Jinja2 templates, JSON as the results' own dump."""
