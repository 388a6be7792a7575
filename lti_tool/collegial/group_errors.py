"""Group errors: a stable code, an HTTP status and a sentence that says what to do."""

from __future__ import annotations

from lti_tool.journeys.errors import JourneyConflictError, JourneyError, JourneyNotFoundError


class GroupError(JourneyError):
    """A group action that cannot be done as asked; the detail says why and what to do."""


class GroupNotFoundError(JourneyNotFoundError):
    pass


class GroupConflictError(JourneyConflictError):
    pass
