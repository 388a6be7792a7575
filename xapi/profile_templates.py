"""Statement templates and patterns of the profile (xAPI Profiles 1.0, sections 8 and 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xapi.profile import Profile


def templates(profile: Profile) -> list[dict[str, Any]]:
    return []


def patterns(profile: Profile) -> list[dict[str, Any]]:
    return []
