"""Privacy: the one small-group suppression rule every aggregate view applies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lti_tool.privacy.suppression import (
    DEFAULT_MIN_GROUP,
    Cell,
    Distribution,
    InvalidMinGroupError,
    SuppressionPolicy,
    SuppressionReason,
    Table,
)
from lti_tool.privacy.views import init_app

if TYPE_CHECKING:
    from lti_tool.tenancy.models import Organization


def policy_for(organization: Organization) -> SuppressionPolicy:
    """The organisation's suppression policy (its ``privacy_min_group``)."""
    return SuppressionPolicy(organization.privacy_min_group)


__all__ = [
    "DEFAULT_MIN_GROUP",
    "Cell",
    "Distribution",
    "InvalidMinGroupError",
    "SuppressionPolicy",
    "SuppressionReason",
    "Table",
    "init_app",
    "policy_for",
]
