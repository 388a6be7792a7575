"""The statements of group membership: ``joined`` and ``left`` (templates group-joined, -left)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lti_tool.collegial.models import Group
from lti_tool.collegial.statements import CollegialStatements
from lti_tool.recording import Recording
from lti_tool.tenancy.models import Organization, Person


class GroupEvents:
    """Builds and records one organisation's joins and leaves, with the group as the team."""

    def __init__(self, session: Session, recording: Recording, organization: Organization) -> None:
        self.statements = CollegialStatements(session, recording, organization)

    def forget(self, group: Group) -> None:
        """Read the team again: the membership just changed."""
        self.statements.forget_members(group)

    def _build(self, verb: str, group: Group, person: Person) -> dict[str, Any]:
        built = self.statements
        return built.build(verb, person, built.group_activity(group), built.situation(group=group))

    def joined(self, group: Group, person: Person) -> dict[str, Any]:
        """The person became a member (joined, was placed or imported); the team includes them."""
        return self._build("joined", group, person)

    def left(self, group: Group, person: Person) -> dict[str, Any]:
        """The person is no longer a member; the team lists who is left."""
        return self._build("left", group, person)

    def record(self, statements: list[dict[str, Any]]) -> None:
        self.statements.record(statements)
