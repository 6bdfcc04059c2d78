"""Error types. Every PipevalError becomes one line on stderr and exit code 3."""


def first_line(err: BaseException | str, fallback: str = "") -> str:
    """The first non-blank line of an error (or its text): what a one-line report shows.

    Client exceptions carry a `message` attribute that is cleaner than `str()`; an empty message
    falls back to `fallback`, else the exception's type name, so the line is never blank.
    """
    text = err if isinstance(err, str) else (getattr(err, "message", None) or str(err))
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    if fallback or isinstance(err, str):
        return fallback
    return type(err).__name__


class PipevalError(Exception):
    """Could not run: bad input or an unreachable backend. The message is shown as is."""


class ConfigError(PipevalError):
    """The profile is malformed."""


class InputError(PipevalError):
    """A command-line value is malformed or out of range."""


class BackendError(PipevalError):
    """The warehouse or state store cannot be reached or refused a request."""


class UnsafeStatementError(BackendError):
    """A statement that is not a read-only query was about to be sent."""


class PermissionDeniedError(BackendError):
    """The credentials lack a permission; `permission` and `role` say which and how to get it."""

    def __init__(self, message: str, permission: str = "", role: str = "") -> None:
        super().__init__(message)
        self.permission = permission
        self.role = role
