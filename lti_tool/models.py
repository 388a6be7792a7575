"""Imports every model module so that the metadata is complete (Alembic, tests)."""

from lti_tool import heartbeats
from lti_tool.collegial import cycle_models as collegial_cycle_models
from lti_tool.collegial import models as collegial_models
from lti_tool.frameworks import models as framework_models
from lti_tool.goals import models as goal_models
from lti_tool.journeys import models as journey_models
from lti_tool.leadership import models as leadership_models
from lti_tool.lti import models as lti_models
from lti_tool.lti import registration_claims
from lti_tool.plans import models as plan_models
from lti_tool.reminders import models as reminder_models
from lti_tool.surveys import models as survey_models
from lti_tool.tenancy import models as tenancy_models
from lti_tool.tenancy import roster_models
from xapi import delivery_models
from xapi.lrs import models as lrs_models

__all__ = [
    "collegial_cycle_models",
    "collegial_models",
    "delivery_models",
    "framework_models",
    "goal_models",
    "heartbeats",
    "journey_models",
    "leadership_models",
    "lrs_models",
    "lti_models",
    "plan_models",
    "registration_claims",
    "reminder_models",
    "roster_models",
    "survey_models",
    "tenancy_models",
]
