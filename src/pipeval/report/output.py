"""Write reports atomically: a temp file beside the target, then one rename.

Every report and handoff passes `redact_text` on its way out: a secret that reached a
message or a URL is masked before anything is printed or written.

An output never replaces what the run reads (warehouse, profile, state, DDL, writers, notes:
`protect`), never replaces something that is not a regular file (a FIFO or a character device
such as /dev/null is written through; anything else is refused), and gets the mode a plain
`open()` would give it: the user's umask for a new file, the old mode for a replaced one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from pipeval.errors import InputError
from pipeval.redact import redact_text


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the path as given
        return path.absolute()


def _same_or_inside(output: Path, protected: Path) -> bool:
    """True when writing `output` would replace `protected` or a file inside it."""
    with contextlib.suppress(OSError):
        if output.exists() and protected.exists() and os.path.samefile(output, protected):
            return True
    target, kept = _resolved(output), _resolved(protected)
    return target == kept or (kept.is_dir() and kept in target.parents)


def check_not_input(path: Path, protect: Iterable[Path] = ()) -> None:
    for protected in protect:
        if _same_or_inside(path, protected):
            raise InputError(
                f"--output {path} is an input of this run ({protected}): "
                "choose another file, it would be replaced"
            )


def _kind(path: Path) -> str:
    """'missing', 'regular', 'stream' (FIFO or character device: written through) or 'other'."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "regular" if path.is_symlink() else "other"  # a loop: the rename replaces the link
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return "stream"
    return "other"


def check_writable(path: Path, overwrite: bool = True, protect: Iterable[Path] = ()) -> None:
    """Fail before any work is done when the output cannot be written."""
    if path.is_dir():
        raise InputError(f"--output {path} is a directory, expected a file path")
    check_not_input(path, protect)
    kind = _kind(path)
    if kind == "other":
        raise InputError(f"--output {path} is not a regular file (a socket or block device)")
    if not overwrite and kind != "missing":
        raise InputError(f"{path} exists already; pass --force to replace it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--output {path}: directory {parent} does not exist")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_through(path: Path, text: str) -> None:
    """A FIFO or a device is written to, never replaced (a FIFO without a reader is refused)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror} (no reader?)") from None
    try:
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None


def write_atomic(
    path: Path, text: str, overwrite: bool = True, protect: Iterable[Path] = ()
) -> None:
    check_writable(path, overwrite, protect)
    text = redact_text(text)
    if _kind(path) == "stream":
        _write_through(path, text)
        return
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = 0o666 & ~_umask()  # what open() would create
    import tempfile  # only for a file (~2 ms of imports a report on stdout skips)

    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(stream.fileno(), old_mode)  # mkstemp makes 0600
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


def emit(
    text: str, output: Path | None, protect: Iterable[Path] = (), markdown: bool = False
) -> None:
    """To `output`, or stdout: Markdown is rendered for a terminal, kept as is when piped."""
    if output is None:
        if markdown and sys.stdout.isatty():
            from pipeval.report.terminal import show_markdown  # rich: only for a person

            show_markdown(redact_text(text))
            return
        sys.stdout.write(redact_text(text))
        sys.stdout.flush()
    else:
        write_atomic(output, text, protect=protect)
