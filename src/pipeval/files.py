"""Reading the user's files (profiles, DDL, writers, notes, credentials, sources).

Every user file goes through `read_bytes` / `read_text` (or `read_regular` once an lstat saw a
regular file): only regular files are opened (a FIFO would block the run, `/dev/zero` would
fill memory) and reads stop at a size cap, so a careless path is one clear line, never a hang.
Every failure is one line naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeval.errors import ConfigError, PipevalError

MIB = 1024 * 1024
# Caps by kind of file: a profile, notes or a key file is small; DDL and sources can be large.
LIMITS = {
    "profile": MIB,
    "notes": MIB,
    "credentials": MIB,
    "ddl": 8 * MIB,
    "source": 8 * MIB,
    "state": 8 * MIB,
}
DEFAULT_LIMIT = 8 * MIB


def regular_file_problem(path: str | Path) -> str | None:
    """Why `path` is not a readable regular file (following symlinks), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "file not found"
    except OSError as err:
        return f"cannot read ({err.strerror})"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, FIFO or socket)"
    return None


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a regular file (a file-type sniff), never blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read(size)


def read_bytes(
    path: str | Path, what: str, error: type[PipevalError] = ConfigError, limit: int = DEFAULT_LIMIT
) -> bytes:
    """The bytes of regular file `path`, at most `limit`; else `error` naming `what` and why."""
    problem = regular_file_problem(path)
    if problem is not None:
        raise error(f"{what} {path}: {problem}")
    return read_regular(path, what, error, limit)


# What one read asks for past the size the file claims: the end-of-file probe of a file read
# whole. A read allocates what it asks for, so asking for the rest of the cap would map 8 MiB
# for a 600-byte state document.
CHUNK = 64 * 1024


def read_regular(
    path: str | Path,
    what: str,
    error: type[PipevalError] = ConfigError,
    limit: int = DEFAULT_LIMIT,
    flags: int = 0,
) -> bytes:
    """`read_bytes` once `path` is known to be a regular file (`flags`: e.g. `os.O_NOFOLLOW`
    when an lstat told so). The type is checked again on the open file, so a file swapped for
    a FIFO or a device since is still refused, never read."""
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | flags)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise error(f"{what} {path}: is not a regular file (a device, FIFO or socket)")
            # Sized by the file, not the cap. The size is only a hint (a file may grow, /proc
            # says 0), so reading goes on until the end of the file or past the cap.
            data = os.read(fd, min(info.st_size, limit) + 1)
            while len(data) <= limit and (more := os.read(fd, min(limit + 1 - len(data), CHUNK))):
                data += more
        finally:
            os.close(fd)
    except OSError as err:
        raise error(f"{what} {path}: cannot read ({err.strerror})") from None
    if len(data) > limit:
        raise error(f"{what} {path}: larger than {limit // MIB} MiB, refusing to read it")
    return data


def read_text(
    path: Path,
    what: str,
    error: type[PipevalError] = ConfigError,
    kind: str = "file",
    limit: int | None = None,
) -> str:
    """UTF-8 text of `path`, or `error` naming `what`, the path and the reason.

    `kind` names the expected file in messages and picks its size cap from LIMITS.
    """
    cap = limit if limit is not None else LIMITS.get(kind, DEFAULT_LIMIT)
    if path.is_dir():
        raise error(f"{what} {path}: is a directory, expected a {kind}")
    data = read_bytes(path, what, error, cap)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{what} {path}: not UTF-8 text") from None
