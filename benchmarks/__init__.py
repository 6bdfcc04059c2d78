"""Benchmarks: pipeval against the hand-written lower bound, the per-date loop and Soda Core.

Run `python -m benchmarks.run` (add `--quick` for the smoke version); it rewrites
docs/benchmarks.md. Not part of the installed package.
"""
