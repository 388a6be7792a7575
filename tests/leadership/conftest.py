"""Leadership fixtures: launches into courses of two school units of org-a."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.db import get_database
from lti_tool.leadership.services import Reach
from lti_tool.tenancy.models import Person, Unit
from tests.conftest import Launcher, session_token

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = [LIS + "membership#Learner"]
ADMINISTRATOR = [LIS + "membership#Administrator"]
MENTOR = [LIS + "membership#Mentor"]
ORG_ADMIN = [LIS + "institution/person#Administrator"]


class Launches:
    """Launch people into a unit's course and read back what the tool stored."""

    def __init__(self, app: Flask, launcher: Launcher) -> None:
        self.app = app
        self.launcher = launcher

    def launch(
        self,
        sub: str,
        unit: str = "Skola A",
        roles: list[str] | None = None,
        course: str | None = None,
        **claims: Any,
    ) -> str:
        response = self.launcher.launch(
            sub=sub,
            name=sub.title(),
            email=f"{sub}@example.test",
            roles=roles or LEARNER,
            context={"id": course or f"course-{unit}", "title": f"Kurs {unit}"},
            custom={"unit": unit},
            **claims,
        )
        return session_token(response)

    def person_id(self, sub: str) -> int:
        with get_database(self.app).session() as session:
            person_id = session.scalar(select(Person.id).where(Person.sub == sub))
            assert person_id is not None
            return person_id

    def unit_id(self, name: str) -> int:
        with get_database(self.app).session() as session:
            unit_id = session.scalar(select(Unit.id).where(Unit.name == name))
            assert unit_id is not None
            return unit_id

    def reach(self, sub: str, **fields: Any) -> Reach:
        return Reach(organization_id=1, person_id=self.person_id(sub), **fields)


@pytest.fixture
def launches(app: Flask, launcher: Launcher) -> Launches:
    return Launches(app, launcher)
