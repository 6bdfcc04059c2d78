"""Write reports atomically: a temp file beside the target, then one rename.

Every report and handoff passes `redact_text` on its way out: a secret that reached a
message or a URL is masked before anything is printed or written.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from pipeval.errors import InputError
from pipeval.redact import redact_text


def check_writable(path: Path, overwrite: bool = True) -> None:
    """Fail before any work is done when the output cannot be written."""
    if path.is_dir():
        raise InputError(f"--output {path} is a directory, expected a file path")
    if not overwrite and path.exists():
        raise InputError(f"{path} exists already; pass --force to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--output {path}: directory {parent} does not exist")


def write_atomic(path: Path, text: str, overwrite: bool = True) -> None:
    check_writable(path, overwrite)
    text = redact_text(text)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            os.replace(temp, path)
        else:
            # link() fails if the target appeared meanwhile: never clobber a file we did not write
            os.link(temp, path)
            os.unlink(temp)
    except FileExistsError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise InputError(f"{path} exists already; pass --force to replace it") from None
    except OSError as err:
        # Disk full, quota, a read-only mount: the temp file goes, the target is untouched.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(redact_text(text))
        sys.stdout.flush()
    else:
        write_atomic(output, text)
