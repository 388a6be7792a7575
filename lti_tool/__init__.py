"""lti-journeys: an LTI 1.3 tool for competence-development journeys."""

from lti_tool.app import create_app

__all__ = ["create_app"]
