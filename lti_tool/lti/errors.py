"""Launch failures: each carries an HTTP status, a stable code and a sentence for the person."""

from __future__ import annotations


class LaunchError(Exception):
    """A login or launch that must be refused; ``code`` selects the translated explanation."""

    status = 400

    def __init__(self, code: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status


class DeploymentPendingError(LaunchError):
    """The deployment is known but an administrator has not approved it yet."""

    status = 403


class SessionTokenError(Exception):
    """A page was opened without a valid session token for what it shows."""

    def __init__(self, code: str, detail: str, status: int = 401) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
