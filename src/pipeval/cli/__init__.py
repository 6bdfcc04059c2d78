"""The `pipeval` command line."""
