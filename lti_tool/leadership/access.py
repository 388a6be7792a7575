"""The page guard for leaders: a launch that leads nothing gets a clear 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g

from lti_tool.db import get_read_session
from lti_tool.launch_session import launch_identity, require_launch
from lti_tool.leadership.services import Reach, reach_of
from lti_tool.lti.errors import SessionTokenError

P = ParamSpec("P")
R = TypeVar("R")


def current_reach() -> Reach:
    """The reach of this request's launch, read once per request."""
    if "reach" not in g:
        g.reach = reach_of(get_read_session(), launch_identity())
    reach: Reach = g.reach
    return reach


def require_leader(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse the view (403) unless the launch leads the organisation, a unit or mentees."""

    @require_launch()
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_reach().is_leader:
            raise SessionTokenError(
                "not_a_leader",
                "This page is for leaders: organisation leaders, principals of a school unit "
                "and mentors. Ask your organisation's administrator if you should be one.",
                403,
            )
        return view(*args, **kwargs)

    return wrapper


def refuse_unless(allowed: bool) -> None:
    """A 403 for a leader who opens what lies outside their reach (another unit, a person)."""
    if not allowed:
        raise SessionTokenError(
            "outside_reach", "You do not lead the school unit or person this page is about.", 403
        )
