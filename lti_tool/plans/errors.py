"""Plan errors: a stable code, an HTTP status and a sentence that tells the person what to do.

They are journey errors to the app's one error policy (``lti_tool.errors``): shown as a
translated page, or JSON for API clients, never a 500.
"""

from __future__ import annotations

from lti_tool.journeys.errors import JourneyError


class PlanError(JourneyError):
    """A plan action that cannot be done as asked (400 unless said otherwise)."""


class PlanNotFoundError(PlanError):
    status = 404


class PlanForbiddenError(PlanError):
    status = 403


class PlanConflictError(PlanError):
    status = 409
