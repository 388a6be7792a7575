"""Who may open a plan: the employee whose plan it is, and the leaders who manage that employee.

A plan of another organisation is never found (404); a plan of someone the launch neither is nor
manages is refused (403): a teacher never sees a colleague's plan, a rektor never sees the plans
of another unit's staff.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from lti_tool.leadership.access import current_reach
from lti_tool.leadership.services import manages
from lti_tool.lti.session_token import LaunchIdentity
from lti_tool.plans.errors import PlanForbiddenError
from lti_tool.plans.models import DevelopmentPlan
from lti_tool.plans.services import Party


def party_of(session: Session, identity: LaunchIdentity, plan: DevelopmentPlan) -> Party:
    """The side of the plan this launch is on, or a 403."""
    if plan.person_id == identity.person_id:
        return Party.EMPLOYEE
    if manages(session, current_reach(), plan.person_id):
        return Party.MANAGER
    raise PlanForbiddenError(
        "plan_forbidden",
        _l("This plan is between another employee and their manager."),
    )


def require_manages(session: Session, person_id: int) -> None:
    """A 403 unless the launch manages the person (a plan is made for the people one leads)."""
    if not manages(session, current_reach(), person_id):
        raise PlanForbiddenError(
            "person_forbidden", _l("You can make plans only for the people you lead.")
        )
