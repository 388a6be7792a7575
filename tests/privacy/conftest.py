"""Fixtures of the privacy tests: a policy with the default threshold of five people."""

from __future__ import annotations

import pytest

from lti_tool.privacy import SuppressionPolicy


@pytest.fixture
def policy() -> SuppressionPolicy:
    return SuppressionPolicy(5)
