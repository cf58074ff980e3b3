"""The exception tree every layer raises. Data only: no printing, no exit codes.

`cli/_errors.py` turns these into one paragraph and an exit code; `doctor/table.py`
classifies them into rows of the documented error table.
"""

from __future__ import annotations


class FclaudeError(Exception):
    """Base of every error fclaude expects and explains."""

    #: Error-table row id (DESIGN §5) when the raiser already knows it.
    row: str | None = None

    def __init__(self, message: str, *, row: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if row is not None:
            self.row = row


class UsageError(FclaudeError):
    """Bad command-line input (exit 2)."""


class ConfigError(FclaudeError):
    """Missing or invalid configuration (exit 3)."""


class AuthError(FclaudeError):
    """A credential could not be obtained (exit 4)."""

    def __init__(self, message: str, *, row: str | None = None, code: str | None = None) -> None:
        super().__init__(message, row=row)
        self.code = code


class ApiError(FclaudeError):
    """The service answered with an error, or could not be reached.

    ``status`` is the HTTP status (0 when no response arrived), ``code`` the error code
    from the body (``DeploymentNotFound``, ``authentication_error``, ...), ``message`` a
    bounded excerpt of the body's message, ``request_id`` the first request id header seen.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str | None = None,
        request_id: str | None = None,
        region: str | None = None,
        row: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, row=row)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.region = region
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}" if self.status else "no response"]
        if self.code and self.code != str(self.status):  # Azure bodies often repeat the status as code
            parts.append(self.code)
        return f"{' '.join(parts)}: {self.message}"


class NetworkError(ApiError):
    """DNS, connect, TLS or timeout failure before a complete answer arrived."""


class StreamInterrupted(FclaudeError):
    """The stream stopped before its terminal event (what arrived is on the ``Answer``, not here);
    ``cause`` is the error that stopped it, when there was one."""

    def __init__(self, message: str, *, cause: FclaudeError | None = None) -> None:
        super().__init__(message, row=cause.row if cause else None)
        self.cause = cause
