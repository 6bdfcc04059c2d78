"""Reading the user's text files (profiles, DDL, writers, notes): every failure is one line."""

from __future__ import annotations

from pathlib import Path

from pipeval.errors import ConfigError, PipevalError


def read_text(
    path: Path, what: str, error: type[PipevalError] = ConfigError, kind: str = "file"
) -> str:
    """UTF-8 text of `path`, or `error` naming `what`, the path and the reason."""
    if path.is_dir():
        raise error(f"{what} {path}: is a directory, expected a {kind}")
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise error(f"{what} {path}: file not found") from None
    except UnicodeDecodeError:
        raise error(f"{what} {path}: not UTF-8 text") from None
    except OSError as err:
        raise error(f"{what} {path}: cannot read ({err.strerror})") from None
