"""LRS errors: an HTTP status and a message naming the rule that was broken."""

from __future__ import annotations


class XapiError(Exception):
    """A request the LRS refuses; ``message`` tells the client exactly what is wrong."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequestError(XapiError):
    status = 400


class UnauthorizedError(XapiError):
    status = 401


class ForbiddenError(XapiError):
    status = 403


class NotFoundError(XapiError):
    status = 404


class ConflictError(XapiError):
    status = 409


class PreconditionFailedError(XapiError):
    status = 412


class PayloadTooLargeError(XapiError):
    status = 413
