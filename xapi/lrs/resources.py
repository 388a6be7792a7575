"""Imports every resource module so that its handlers register on the LRS routes."""

from xapi.lrs import (  # noqa: F401
    activity_agent_views,
    document_views,
    statements_views,
)
