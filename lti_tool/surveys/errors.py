"""Survey errors: the journeys' error policy (a code, a status, a sentence saying what to do)."""

from __future__ import annotations

from lti_tool.journeys.errors import JourneyError


class SurveyError(JourneyError):
    """A survey action that cannot be done as asked; ``detail`` is shown to the person."""


class SurveyNotFoundError(SurveyError):
    status = 404


class SurveyForbiddenError(SurveyError):
    status = 403


class SurveyClosedError(SurveyError):
    status = 409
