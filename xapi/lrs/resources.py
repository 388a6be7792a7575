"""Imports every resource module so that its handlers register on the LRS routes."""

from xapi.lrs import statements_views  # noqa: F401
