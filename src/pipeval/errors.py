"""Error types. Every PipevalError becomes one line on stderr and exit code 3."""


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
