"""Journey errors: a stable code, an HTTP status and a sentence that tells the person what to do."""

from __future__ import annotations


class JourneyError(Exception):
    """A journey action that cannot be done as asked; ``detail`` is shown to the person."""

    status = 400

    def __init__(self, code: str, detail: str, status: int | None = None) -> None:
        super().__init__(str(detail))
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status


class JourneyNotFoundError(JourneyError):
    status = 404


class JourneyConflictError(JourneyError):
    status = 409


class JourneyForbiddenError(JourneyError):
    status = 403
