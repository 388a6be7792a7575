"""How the tool's organisations map onto the embedded LRS's tenants."""

from __future__ import annotations

from lti_tool.tenancy.models import Organization


def tenant_of(org: Organization) -> str:
    """The LRS tenant of an organisation: its id, stable across renames."""
    return str(org.id)
