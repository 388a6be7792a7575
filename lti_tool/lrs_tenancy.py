"""How the tool's organisations map onto the embedded LRS's tenants."""

from __future__ import annotations

from typing import Protocol


class Identified(Protocol):
    @property
    def id(self) -> int: ...


def tenant_of(org: Identified) -> str:
    """The LRS tenant of an organisation: its id, stable across renames."""
    return str(org.id)
